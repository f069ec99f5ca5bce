/**
 * Options of the native Open dialogs (Electron `dialog.showOpenDialog`) for each kind of pick the API and the menu
 * ask for. Pure TS: the same object Electron takes, built without importing electron, so it is unit-tested.
 *
 * - 'study': a study folder (BraTS case folder). On macOS the panel can offer folders and files at once, so there a
 *   NIfTI file may be picked too; GTK and Windows dialogs cannot mix the two (openDirectory wins), so elsewhere
 *   File > Open NIfTI File... ('file') is the way to pick a single file.
 * - 'file': one NIfTI file (.nii, .nii.gz), with an "All files" fallback filter.
 * - 'folder': a folder (cohort, output folder), which may be created from the dialog.
 */

export type PickKind = 'folder' | 'file' | 'study'

/** Electron's OpenDialogOptions, the fields used here. */
export interface PickDialogOptions {
  title: string
  buttonLabel: string
  properties: ('openFile' | 'openDirectory' | 'createDirectory' | 'dontAddToRecent')[]
  filters?: { name: string; extensions: string[] }[]
  defaultPath?: string
}

const NIFTI_FILTERS = [
  { name: 'NIfTI images', extensions: ['nii', 'gz'] },
  { name: 'All files', extensions: ['*'] },
]

/**
 * Builds the dialog options.
 * @param kind What to pick.
 * @param title Window title (the renderer's request, at most 200 characters); a default per kind otherwise.
 * @param platform process.platform.
 * @param defaultPath Folder the dialog starts in (e.g. the folder of the most recent study).
 */
export function pickDialogOptions(kind: PickKind, title: string | undefined, platform: string, defaultPath?: string): PickDialogOptions {
  const base = defaultPath ? { defaultPath } : {}
  if (kind === 'file')
    return { title: title || 'Open NIfTI file', buttonLabel: 'Open', properties: ['openFile'], filters: NIFTI_FILTERS, ...base }
  if (kind === 'folder')
    return { title: title || 'Choose folder', buttonLabel: 'Choose', properties: ['openDirectory', 'createDirectory'], ...base }
  if (platform === 'darwin')
    return { title: title || 'Open study', buttonLabel: 'Open', properties: ['openFile', 'openDirectory'], filters: NIFTI_FILTERS, ...base }
  return { title: title || 'Open study folder', buttonLabel: 'Open', properties: ['openDirectory'], ...base }
}

/** Access a pick grants: folders picked with a folder dialog may be written (outputs); studies and files are read. */
export function grantModeForPick(kind: PickKind): 'read' | 'write' {
  return kind === 'folder' ? 'write' : 'read'
}
