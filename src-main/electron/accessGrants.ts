/**
 * File access rule of the desktop app: the renderer may name only paths the user picked (a grant list), plus the
 * app's own folders. Every path field of every API request (common/apiPathFields.ts) goes through `guardRequest`
 * before the service sees it; anything else is refused with EngineError E_ACCESS.
 *
 * Grants:
 * - read: what the user picked in an Open dialog (a study folder or a NIfTI file), and the recent studies.
 * - write: folders the user picked with a folder dialog (an evaluation's output folder, a cohort folder).
 * - read-only roots: the bundled sample study and models (shipped with the app, never written).
 * - writable roots: the app's work folder (under userData), where the service keeps its outputs.
 *
 * Rule, in order: a string; no NUL byte; absolute (there is no data root to resolve against); no `..` segment at
 * all; canonicalised with realpath (a path that does not exist yet: the realpath of its nearest existing ancestor
 * plus the rest; a dangling symlink is refused), so a symlink inside a granted folder that points outside is judged
 * by where it points; the canonical path must equal a grant or lie below it (a file grant covers that file only).
 * Plain Node (node:fs, node:path): no electron, so it is unit-tested in Node.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { ApiMethod } from '../common/api'
import { READ_PATH_FIELDS, WRITE_PATH_FIELDS } from '../common/apiPathFields'
import type { RequestGuard } from '../common/apiDispatch'
import { EngineError } from '../common/errors'
import { isInside, realpathAllowMissing } from '../engine/io/canonicalPath'

export type AccessMode = 'read' | 'write'

export interface AccessGrant {
  /** Canonical absolute path (realpath). */
  path: string
  /** 'write' implies read. */
  mode: AccessMode
  /** Why it is granted: a user pick, a recent study, or the app's own folder. */
  source: 'picked' | 'recent' | 'app'
}

export interface AccessGrants {
  /**
   * Adds a grant (idempotent; a write grant upgrades a read grant of the same path).
   * @returns The canonical path granted.
   * @throws EngineError E_ACCESS for a relative path, a NUL byte or a `..` segment; E_IO when it does not exist.
   */
  grant(p: string, mode: AccessMode, source?: AccessGrant['source']): Promise<string>
  /**
   * Canonical form of a path the renderer may use for `mode`.
   * @throws EngineError E_ACCESS naming the path when it is refused (see the rule above).
   */
  resolve(p: string, mode: AccessMode): Promise<string>
  /** The RequestGuard for dispatchApiCall: rewrites every path field of a request to its canonical form. */
  guardRequest: RequestGuard
  /** Current grants (app roots included), for diagnostics and tests. */
  list(): AccessGrant[]
}

/**
 * Builds the grant list.
 * @param options.readOnlyRoots Folders or files the app ships (sample study, bundled models); missing ones are skipped.
 * @param options.writableRoots Folders the app owns (its work folder); created when missing.
 */
export async function createAccessGrants(
  options: { readOnlyRoots?: string[]; writableRoots?: string[] } = {},
): Promise<AccessGrants> {
  const grants = new Map<string, AccessGrant>()
  for (const r of options.writableRoots ?? []) {
    await fs.mkdir(r, { recursive: true })
    const real = await fs.realpath(r)
    grants.set(real, { path: real, mode: 'write', source: 'app' })
  }
  for (const r of options.readOnlyRoots ?? []) {
    const real = await fs.realpath(path.resolve(r)).catch(() => null)
    if (real && !grants.has(real)) grants.set(real, { path: real, mode: 'read', source: 'app' })
  }

  const checkShape = (p: unknown): string => {
    if (typeof p !== 'string' || p.length === 0) throw new EngineError('E_ACCESS', 'empty path')
    if (p.includes('\0')) throw new EngineError('E_ACCESS', `${JSON.stringify(p)}: NUL byte in path`)
    if (!path.isAbsolute(p))
      throw new EngineError('E_ACCESS', `${p}: relative path (the desktop app takes absolute paths the user picked)`)
    if (p.split(/[\\/]+/).includes('..')) throw new EngineError('E_ACCESS', `${p}: '..' is not allowed in paths`)
    return p
  }

  const grant: AccessGrants['grant'] = async (p, mode, source = 'picked') => {
    const real = await fs.realpath(checkShape(p)).catch((err: NodeJS.ErrnoException) => {
      throw new EngineError('E_IO', `${p}: cannot grant access: ${err.code ?? err.message}`)
    })
    const prev = grants.get(real)
    // The app's own roots keep their mode (a pick of the bundled sample never makes it writable).
    if (prev?.source === 'app') return real
    if (!prev || (prev.mode === 'read' && mode === 'write')) grants.set(real, { path: real, mode, source })
    return real
  }

  const resolve: AccessGrants['resolve'] = async (p, mode) => {
    const real = await realpathAllowMissing(checkShape(p))
    const readOnlyApp = [...grants.values()].find((g) => g.source === 'app' && g.mode === 'read' && isInside(g.path, real))
    if (mode === 'write' && readOnlyApp)
      throw new EngineError('E_ACCESS', `${p}: inside ${readOnlyApp.path}, which the app ships read-only`)
    for (const g of grants.values()) {
      if ((mode === 'read' || g.mode === 'write') && isInside(g.path, real)) return real
    }
    const verb = mode === 'write' ? 'write' : 'read'
    throw new EngineError(
      'E_ACCESS',
      `${p}: the app may not ${verb} this path: it was not picked in a dialog (File > Open Study...)` +
        (mode === 'write' ? ' as a folder to write to' : ''),
    )
  }

  const guardRequest: RequestGuard = async (method: ApiMethod, request) => {
    const out = { ...request }
    if (method === 'browse' && typeof out.path !== 'string')
      throw new EngineError('E_ACCESS', 'browse: the desktop app browses only folders the user picked (give a path)')
    for (const field of READ_PATH_FIELDS[method] ?? []) {
      const raw = out[field]
      if (typeof raw !== 'string') continue
      let value = raw
      if (method === 'openStudy' && (field === 'image' || field === 'label') && !path.isAbsolute(value)) {
        // Overrides may name files relative to the study: join them first, then judge the result.
        if (typeof out.path === 'string' && !value.split(/[\\/]+/).includes('..'))
          value = path.join(await studyFolder(out.path), value)
      }
      out[field] = await resolve(value, 'read')
    }
    for (const field of WRITE_PATH_FIELDS[method] ?? []) {
      const value = out[field]
      if (typeof value === 'string') out[field] = await resolve(value, 'write')
    }
    return out
  }

  return { grant, resolve, guardRequest, list: () => [...grants.values()] }
}

/** The folder of a study path: itself when a folder, else its parent. */
async function studyFolder(p: string): Promise<string> {
  const real = await realpathAllowMissing(p).catch(() => p)
  const st = await fs.stat(real).catch(() => null)
  return st?.isDirectory() ? real : path.dirname(real)
}
