/**
 * The application menu as data: labels, accelerators, Electron roles, stable ids, and for TileLab's own items the
 * action they run (menuActions.ts). appMenu.ts turns it into an Electron Menu (an item with an `action` gets a click
 * handler). Kept free of electron so the items, accelerators and actions are unit-tested in Node.
 *
 * File: Open Study... (Ctrl/Cmd+O: a study folder; on macOS a folder or a NIfTI file), Open NIfTI File...
 * (Ctrl/Cmd+Shift+O), Open Recent, Evaluate Folder... (Ctrl/Cmd+E), Quit (Ctrl/Cmd+Q; in the app menu on macOS).
 * Edit: the standard roles (text fields need them on macOS). Model: Train... (Ctrl/Cmd+T), Load Model...
 * (Ctrl/Cmd+L). View: zoom, full screen; reload and devtools only when unpackaged. Help: About TileLab.
 */

/** What a TileLab menu item does when clicked (menuActions.ts runs it). */
export type MenuAction =
  | { kind: 'openStudy' }
  | { kind: 'openNiftiFile' }
  | { kind: 'openRecent'; path: string }
  | { kind: 'clearRecent' }
  | { kind: 'evaluateFolder' }
  | { kind: 'train' }
  | { kind: 'loadModel' }
  | { kind: 'about' }

/** The Electron roles the template uses (a subset of MenuItemConstructorOptions['role']). */
export type MenuRole =
  | 'appMenu' | 'about' | 'services' | 'hide' | 'hideOthers' | 'unhide' | 'quit' | 'close'
  | 'undo' | 'redo' | 'cut' | 'copy' | 'paste' | 'selectAll'
  | 'zoomIn' | 'zoomOut' | 'resetZoom' | 'togglefullscreen' | 'reload' | 'forceReload' | 'toggleDevTools'
  | 'windowMenu' | 'minimize' | 'zoom' | 'front'

export interface MenuItemSpec {
  id?: string
  label?: string
  type?: 'separator' | 'submenu'
  role?: MenuRole
  accelerator?: string
  enabled?: boolean
  action?: MenuAction
  submenu?: MenuItemSpec[]
}

export interface MenuTemplateOptions {
  /** process.platform */
  platform: string
  /** Unpackaged (development): adds Reload and Toggle Developer Tools. */
  isDev: boolean
  /** Recent studies, most recent first (canonical paths). */
  recentStudies: readonly string[]
  /** Home folder, shown as `~` in recent-study labels. */
  homeDir?: string
  appName?: string
}

const sep: MenuItemSpec = { type: 'separator' }

/** A recent study as a menu label: the path, with the home folder as `~` and `&` escaped (menu mnemonics). */
export function recentStudyLabel(p: string, homeDir?: string): string {
  const short = homeDir && (p === homeDir || p.startsWith(homeDir + '/')) ? '~' + p.slice(homeDir.length) : p
  return short.replace(/&/g, '&&')
}

/** Builds the menu template for a platform. */
export function buildMenuTemplate(options: MenuTemplateOptions): MenuItemSpec[] {
  const mac = options.platform === 'darwin'
  const appName = options.appName ?? 'TileLab'
  const recent: MenuItemSpec[] = options.recentStudies.length
    ? [
        ...options.recentStudies.map((p, i): MenuItemSpec => ({
          id: `recent-${i}`,
          label: recentStudyLabel(p, options.homeDir),
          action: { kind: 'openRecent', path: p },
        })),
        sep,
        { id: 'clear-recent', label: 'Clear Recent', action: { kind: 'clearRecent' } },
      ]
    : [{ id: 'no-recent', label: 'No Recent Studies', enabled: false }]

  const about: MenuItemSpec = { id: 'about', label: `About ${appName}`, action: { kind: 'about' } }
  const quit: MenuItemSpec = { id: 'quit', label: 'Quit', role: 'quit', accelerator: 'CmdOrCtrl+Q' }

  const template: MenuItemSpec[] = []
  if (mac)
    template.push({
      label: appName,
      type: 'submenu',
      submenu: [{ ...about, id: 'app-about' }, sep, { role: 'services' }, sep, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, sep, quit],
    })
  template.push(
    {
      id: 'file',
      label: '&File',
      type: 'submenu',
      submenu: [
        {
          id: 'open-study',
          label: mac ? 'Open Study (Folder or NIfTI File)...' : 'Open Study...',
          accelerator: 'CmdOrCtrl+O',
          action: { kind: 'openStudy' },
        },
        { id: 'open-nifti', label: 'Open NIfTI File...', accelerator: 'CmdOrCtrl+Shift+O', action: { kind: 'openNiftiFile' } },
        { id: 'open-recent', label: 'Open &Recent', type: 'submenu', submenu: recent },
        sep,
        { id: 'evaluate-folder', label: '&Evaluate Folder...', accelerator: 'CmdOrCtrl+E', action: { kind: 'evaluateFolder' } },
        ...(mac ? [sep, { role: 'close' } as MenuItemSpec] : [sep, quit]),
      ],
    },
    {
      id: 'edit',
      label: '&Edit',
      type: 'submenu',
      submenu: [{ role: 'undo' }, { role: 'redo' }, sep, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
    },
    {
      id: 'model',
      label: '&Model',
      type: 'submenu',
      submenu: [
        { id: 'train', label: '&Train...', accelerator: 'CmdOrCtrl+T', action: { kind: 'train' } },
        { id: 'load-model', label: '&Load Model...', accelerator: 'CmdOrCtrl+L', action: { kind: 'loadModel' } },
      ],
    },
    {
      id: 'view',
      label: '&View',
      type: 'submenu',
      submenu: [
        { id: 'zoom-in', role: 'zoomIn' },
        { id: 'zoom-out', role: 'zoomOut' },
        { id: 'reset-zoom', role: 'resetZoom' },
        sep,
        { id: 'fullscreen', role: 'togglefullscreen' },
        ...(options.isDev
          ? [sep, { id: 'reload', role: 'reload' } as MenuItemSpec, { id: 'force-reload', role: 'forceReload' } as MenuItemSpec,
             { id: 'devtools', role: 'toggleDevTools' } as MenuItemSpec]
          : []),
      ],
    },
  )
  if (mac) template.push({ role: 'windowMenu' })
  template.push({ id: 'help', label: '&Help', type: 'submenu', submenu: [about] })
  return template
}

/** Every item of a template, depth first (tests, lookups by id). */
export function flattenMenu(items: readonly MenuItemSpec[]): MenuItemSpec[] {
  return items.flatMap((i) => [i, ...flattenMenu(i.submenu ?? [])])
}
