/**
 * The desktop app's side of TileLabApi over IPC: what the `tilelab:api` ipcMain handler runs for every call.
 *
 * 1. The sender frame must be one of the app's pages (requestPolicy.ts); otherwise E_ACCESS.
 * 2. `pickPath` is answered here with the native Open dialog; the pick is added to the grant list.
 * 3. Every other call goes through dispatchApiCall (allowlist + zod schema) with the grant list as the path guard
 *    (accessGrants.ts), then to the engine service.
 * 4. After a call, the shell remembers what the user did: a study that opened joins the recent list (not the bundled
 *    sample), a prediction's model becomes the last model; `getAppInfo` answers the last model as the default when
 *    the service still lists it.
 *
 * Dependencies are injected: plain logic tested in Node against a fake service; index.ts wires ipcMain and dialog.
 */
import type { ApiRequest, AppInfo, StudyInfo, TileLabService } from '../common/api'
import type { ApiReply } from '../common/apiChannel'
import { dispatchApiCall, validateApiRequest } from '../common/apiDispatch'
import { EngineError, serializeError } from '../common/errors'
import type { AccessGrants } from './accessGrants'
import { isInside } from '../engine/io/canonicalPath'
import { grantModeForPick, type PickKind } from './pickDialogOptions'
import { withRecent, type SettingsStore } from './settingsStore'

/** Shows a native Open dialog; the picked path, or null when cancelled. */
export type ShowPickDialog = (kind: PickKind, title: string | undefined) => Promise<string | null>

/**
 * Wraps a dialog so that what the user picks is granted (read for studies and files, read+write for folders).
 * @returns The canonical picked path, or null when cancelled.
 */
export function createPickAndGrant(show: ShowPickDialog, grants: AccessGrants) {
  return async (kind: PickKind, title?: string): Promise<string | null> => {
    const picked = await show(kind, title)
    if (!picked) return null
    return grants.grant(picked, grantModeForPick(kind), 'picked')
  }
}

/** The engine as the shell holds it: the service proxy, or null with the reason it did not start. */
export interface EngineHandle {
  service: TileLabService | null
  /** Why the service is missing, for the E_WORKER message. */
  error?: string
}

export interface ShellApiDeps {
  /**
   * The engine, or a promise of it while the worker starts: calls made before it is up wait for it (the window
   * opens at once); without a service every call but pickPath answers E_WORKER.
   */
  engine: EngineHandle | Promise<EngineHandle>
  grants: AccessGrants
  settings: SettingsStore
  pickAndGrant(kind: PickKind, title?: string): Promise<string | null>
  /** The sender check (requestPolicy.isTrustedSenderUrl with the app's options). */
  isTrustedSender(url: string | undefined): boolean
  /** Called after the recent list changed (rebuilds File > Open Recent). */
  onRecentChanged?(): void
}

export type ShellApiHandler = (senderUrl: string | undefined, method: unknown, request: unknown) => Promise<ApiReply>

/** Builds the handler; see the file comment for what it does, in order. */
export function createShellApiHandler(deps: ShellApiDeps): ShellApiHandler {
  const { grants, settings } = deps

  const bundled = (p: string): boolean => grants.list().some((g) => g.source === 'app' && g.mode === 'read' && isInside(g.path, p))

  async function afterCall(service: TileLabService, method: string, request: Record<string, unknown>, value: unknown): Promise<unknown> {
    if (method === 'getAppInfo') {
      const info = value as AppInfo
      const last = settings.get().lastModelId
      if (last && last !== info.defaultModelId) {
        const models = await service.listModels({}).catch(() => [])
        if (models.some((m) => m.id === last)) return { ...info, defaultModelId: last }
      }
      return info
    }
    if (method === 'openStudy') {
      const canonical = await grants.resolve(String(request.path), 'read').catch(() => null)
      if (canonical && !bundled(canonical)) {
        const before = settings.get().recentStudies
        const after = withRecent(before, canonical)
        if (after.join('\n') !== before.join('\n')) {
          await settings.update((s) => ({ ...s, recentStudies: withRecent(s.recentStudies, canonical) })).catch(() => undefined)
          deps.onRecentChanged?.()
        }
      }
      return value as StudyInfo
    }
    if (method === 'startPrediction') {
      const modelId = (request as ApiRequest<'startPrediction'>).modelId
      if (settings.get().lastModelId !== modelId)
        await settings.update((s) => ({ ...s, lastModelId: modelId })).catch(() => undefined)
    }
    return value
  }

  return async (senderUrl, method, request) => {
    if (!deps.isTrustedSender(senderUrl))
      return { ok: false, error: { name: 'EngineError', code: 'E_ACCESS', message: `IPC from an untrusted page refused: ${String(senderUrl).slice(0, 200)}` } }
    const name = String(method)
    try {
      if (name === 'pickPath') {
        const valid = validateApiRequest(name, request) as ApiRequest<'pickPath'>
        return { ok: true, value: await deps.pickAndGrant(valid.kind, valid.title) }
      }
      const { service, error } = await deps.engine
      if (!service) throw new EngineError('E_WORKER', `the engine did not start: ${error ?? 'unknown reason'}`)
      const reply = await dispatchApiCall(service, name, request, grants.guardRequest)
      if (!reply.ok) return reply
      const value = await afterCall(service, name, request as Record<string, unknown>, reply.value)
      return { ok: true, value }
    } catch (err) {
      return { ok: false, error: serializeError(err) }
    }
  }
}
