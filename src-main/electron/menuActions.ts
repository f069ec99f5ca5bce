/**
 * What each TileLab menu item does (menuTemplate.ts names the action). The main process does what needs a native
 * dialog or the settings; everything the viewer shows is a MenuCommand sent to the renderer on `tilelab:menu`:
 *
 * - openStudy / openNiftiFile: native dialog (grants the pick) → `{ command: 'openStudy', path }`.
 * - openRecent: re-grants the recent path (it must still exist, else it leaves the list with a message) →
 *   `{ command: 'openStudy', path }`.
 * - clearRecent: empties the list (settings) and rebuilds the menu.
 * - evaluateFolder, train, loadModel → `{ command }`: the renderer opens its dialog.
 * - about → the About box (aboutContent.ts).
 *
 * Dependencies are injected, so this is plain logic tested in Node; appMenu.ts wires Electron's dialog and
 * webContents into it.
 */
import type { MenuCommand } from '../common/menuCommands'
import type { MenuAction } from './menuTemplate'
import type { PickKind } from './pickDialogOptions'
import type { SettingsStore } from './settingsStore'

export interface MenuActionDeps {
  /** Shows the native dialog and grants what was picked; the canonical path, or null when cancelled. */
  pickAndGrant(kind: PickKind, title: string): Promise<string | null>
  /** Grants read access to a recent study again; throws (EngineError E_IO) when it no longer exists. */
  grantRecent(path: string): Promise<string>
  /** Sends a command to the viewer window (creating or focusing it first). */
  send(command: MenuCommand): void
  showAbout(): void
  showError(title: string, message: string): void
  settings: SettingsStore
  /** Called after the recent list changed, to rebuild the menu. */
  onRecentChanged(): void
}

/**
 * Builds the runner of menu actions.
 * @returns `(action) => Promise<void>`; it never rejects: failures are shown with `showError`.
 */
export function createMenuActionRunner(deps: MenuActionDeps): (action: MenuAction) => Promise<void> {
  const run = async (action: MenuAction): Promise<void> => {
    switch (action.kind) {
      case 'openStudy':
      case 'openNiftiFile': {
        const kind: PickKind = action.kind === 'openStudy' ? 'study' : 'file'
        const picked = await deps.pickAndGrant(kind, action.kind === 'openStudy' ? 'Open study' : 'Open NIfTI file')
        if (picked) deps.send({ command: 'openStudy', path: picked })
        return
      }
      case 'openRecent': {
        let granted: string
        try {
          granted = await deps.grantRecent(action.path)
        } catch (err) {
          await deps.settings.update((s) => ({ ...s, recentStudies: s.recentStudies.filter((p) => p !== action.path) }))
          deps.onRecentChanged()
          deps.showError('Study not found', `${action.path} can no longer be read, so it was removed from Open Recent.\n\n${message(err)}`)
          return
        }
        deps.send({ command: 'openStudy', path: granted })
        return
      }
      case 'clearRecent':
        await deps.settings.update((s) => ({ ...s, recentStudies: [] }))
        deps.onRecentChanged()
        return
      case 'evaluateFolder':
      case 'train':
      case 'loadModel':
        deps.send({ command: action.kind })
        return
      case 'about':
        deps.showAbout()
        return
    }
  }
  return async (action) => {
    try {
      await run(action)
    } catch (err) {
      deps.showError('TileLab', message(err))
    }
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
