/**
 * Commands the desktop app's menu sends to the viewer window, on the IPC channel `tilelab:menu`
 * (webContents.send in the main process → the preload → `window.tilelabShell.onMenuCommand` in the renderer).
 *
 * The main process handles what needs a native dialog itself (File > Open Study... shows the folder dialog, grants
 * the picked path and then sends `openStudy` with it); the rest ask the renderer to open one of its own dialogs.
 * Pure TS (types and a hand-written validator, so the sandboxed preload stays small): no node:, electron or DOM.
 */

/** webContents.send channel of menu commands: `(command: MenuCommand)`. */
export const MENU_IPC_CHANNEL = 'tilelab:menu'

export type MenuCommand =
  /** Open this study (a folder or a NIfTI file the user picked; the shell has already granted read access). */
  | { command: 'openStudy'; path: string }
  /** Model > Train...: open the training dialog. */
  | { command: 'train' }
  /** File > Evaluate Folder...: open the evaluation dialog. */
  | { command: 'evaluateFolder' }
  /** Model > Load Model...: open the model picker (models the service lists, with their cards). */
  | { command: 'loadModel' }

export type MenuCommandName = MenuCommand['command']

/** The commands without arguments, in a stable order. */
export const DIALOG_COMMANDS = ['train', 'evaluateFolder', 'loadModel'] as const

/**
 * Validates a menu command that crossed IPC.
 * @returns The command, or null for anything else (unknown name, extra or missing fields, a path that is not a
 *   non-empty string of at most 4096 characters without NUL).
 */
export function parseMenuCommand(value: unknown): MenuCommand | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null
  const v = value as Record<string, unknown>
  const keys = Object.keys(v).sort().join(',')
  if (v.command === 'openStudy') {
    const p = v.path
    if (keys !== 'command,path' || typeof p !== 'string' || p.length === 0 || p.length > 4096 || p.includes('\0'))
      return null
    return { command: 'openStudy', path: p }
  }
  if ((DIALOG_COMMANDS as readonly unknown[]).includes(v.command) && keys === 'command')
    return { command: v.command as (typeof DIALOG_COMMANDS)[number] }
  return null
}

/** What the preload exposes as `window.tilelabShell` (desktop app only; absent in a browser). */
export interface ShellBridge {
  /** Subscribes to menu commands; returns the unsubscribe function. */
  onMenuCommand(listener: (command: MenuCommand) => void): () => void
}
