/**
 * The viewer window: context-isolated, sandboxed, no Node integration, web security on (checklist #2-#4, #6), the
 * sandboxed preload as its only bridge, the renderer loaded from `tilelab://app/index.html` (or the dev server when
 * unpackaged). Restores and saves its bounds (windowBounds.ts, settingsStore.ts).
 */
import { BrowserWindow, dialog, screen } from 'electron'
import { APP_ENTRY_URL } from './appProtocol'
import type { SettingsStore, WindowBounds } from './settingsStore'
import { MIN_WINDOW_SIZE, fitWindowBounds } from './windowBounds'

export interface MainWindowOptions {
  preloadFile: string
  iconFile: string
  settings: SettingsStore
  /** Dev server URL (unpackaged only), else the app's own scheme. */
  devServerUrl: string | null
  /** A study to open first (`#study=` of the page), already granted. */
  initialStudy?: string | null
}

/** Creates and loads the viewer window. */
export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const workAreas = [screen.getPrimaryDisplay(), ...screen.getAllDisplays()].map((d) => d.workArea)
  const bounds = fitWindowBounds(options.settings.get().windowBounds, workAreas)
  const win = new BrowserWindow({
    x: bounds.x,
    y: bounds.y,
    width: bounds.width,
    height: bounds.height,
    minWidth: Math.min(MIN_WINDOW_SIZE.width, bounds.width),
    minHeight: Math.min(MIN_WINDOW_SIZE.height, bounds.height),
    backgroundColor: '#07090c',
    title: 'TileLab',
    icon: options.iconFile,
    show: false,
    webPreferences: {
      // Reviewed (electronegativity PRELOAD_JS_CHECK): the sandboxed preload exposes only the TileLabApi channel
      // (allowlisted, zod-validated in main) and the validated menu commands; never ipcRenderer or Node.
      preload: options.preloadFile, // eng-disable PRELOAD_JS_CHECK
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      // Middle-click (auxclick) cannot open links in new windows (new windows are denied anyway).
      disableBlinkFeatures: 'Auxclick',
    },
  })
  if (bounds.maximized) win.maximize()
  if (bounds.fullScreen) win.setFullScreen(true)
  win.once('ready-to-show', () => win.show())
  trackBounds(win, options.settings)
  confirmCloseWhileBusy(win)

  const hash = options.initialStudy ? `#study=${encodeURIComponent(options.initialStudy)}` : ''
  void win.loadURL((options.devServerUrl ?? APP_ENTRY_URL) + hash)
  return win
}

/**
 * Closing (or reloading) the window while a training or evaluation job runs asks first. The renderer's
 * `beforeunload` handler (src-renderer/src/jobs/closeGuard.ts) cancels the unload when a job runs; Electron shows no
 * dialog of its own and emits `will-prevent-unload`, whose preventDefault() lets the unload go on. On "Stop and
 * close" the app quits as usual and disposing the engine service stops each job (SIGINT: the CLI saves its
 * checkpoint), so the run is offered for resume next time.
 */
function confirmCloseWhileBusy(win: BrowserWindow): void {
  win.webContents.on('will-prevent-unload', (event) => {
    const choice = dialog.showMessageBoxSync(win, {
      type: 'question',
      buttons: ['Stop and close', 'Keep running'],
      defaultId: 1,
      cancelId: 1,
      title: 'A job is running',
      message: 'Training or an evaluation is still running.',
      detail: 'Closing stops it after the current step; its last checkpoint is kept and TileLab offers to resume it next time.',
    })
    if (choice === 0) event.preventDefault()
  })
}

/** Saves the window's normal bounds (debounced while moving/resizing, and on close). */
function trackBounds(win: BrowserWindow, settings: SettingsStore): void {
  let timer: ReturnType<typeof setTimeout> | null = null
  const save = (): void => {
    if (timer) clearTimeout(timer)
    timer = null
    if (win.isDestroyed()) return
    const b = win.getNormalBounds()
    const windowBounds: WindowBounds = {
      x: Math.round(b.x),
      y: Math.round(b.y),
      width: Math.round(b.width),
      height: Math.round(b.height),
      maximized: win.isMaximized(),
      fullScreen: win.isFullScreen(),
    }
    void settings.update((s) => ({ ...s, windowBounds })).catch(() => undefined)
  }
  const soon = (): void => {
    if (timer) clearTimeout(timer)
    timer = setTimeout(save, 1000)
  }
  win.on('resize', soon)
  win.on('move', soon)
  win.on('maximize', soon)
  win.on('unmaximize', soon)
  win.on('close', save)
}
