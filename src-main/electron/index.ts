/**
 * Electron main process of TileLab: the thin shell around the renderer and the engine.
 *
 * Start-up, in order: Chromium switches (TILELAB_HEADLESS) and the userData override (TILELAB_USER_DATA); the
 * single-instance lock (a second start focuses the window and opens the study it was given); the privileged
 * `tilelab` scheme; then, when ready: settings, the grant list, the engine worker started in the background
 * (engineService.ts: the service runs in a worker thread, never on this thread; calls wait for it), session
 * hardening, the scheme handler, the IPC handler, the menu, and the window.
 *
 * IPC: `tilelab:api` (invoke; method + request → ApiReply, shellApiHandler.ts: sender check, zod validation, grant
 * list), `tilelab:event` (send; the service's events, forwarded as they come, so predictions stream slice by slice
 * in the order the service computes them: the current slice first), `tilelab:menu` (send; MenuCommand).
 *
 * Everything that is plain logic lives in pure modules beside this file (tested in Node): accessGrants,
 * appProtocol, requestPolicy, settingsStore, windowBounds, menuTemplate, menuActions, shellApiHandler,
 * pickDialogOptions, startupOptions, appPaths, aboutContent.
 */
import { app, BrowserWindow, dialog, ipcMain, protocol, session } from 'electron'
import { fileURLToPath } from 'node:url'
import os from 'node:os'
import path from 'node:path'
import { API_EVENT_NAMES, API_IPC_CHANNEL, EVENT_IPC_CHANNEL } from '../common/apiChannel'
import { MENU_IPC_CHANNEL, type MenuCommand } from '../common/menuCommands'
import { log as engineLog } from '../engine/log'
import { aboutContent } from './aboutContent'
import { createAccessGrants, type AccessGrants } from './accessGrants'
import { installAppMenu } from './appMenu'
import { appPaths } from './appPaths'
import { APP_SCHEME, createAppProtocolHandler } from './appProtocol'
import { startEngine, type EngineWorker } from './engineService'
import { createMainWindow } from './mainWindow'
import { createMenuActionRunner } from './menuActions'
import { pickDialogOptions, type PickKind } from './pickDialogOptions'
import { devServerOrigin, isTrustedSenderUrl } from './requestPolicy'
import { hardenAllWebContents, hardenSession } from './sessionSecurity'
import { openSettingsStore } from './settingsStore'
import { createPickAndGrant, createShellApiHandler, type EngineHandle } from './shellApiHandler'
import { chromiumSwitches, studyPathFromArgv, userDataOverride } from './startupOptions'

const log = engineLog.child({ component: 'electron' })
const mainDir = path.dirname(fileURLToPath(import.meta.url))

for (const [name, value] of chromiumSwitches(process.env)) app.commandLine.appendSwitch(name, value)
const userData = userDataOverride(process.env, process.cwd())
if (userData) app.setPath('userData', userData)

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true } },
])

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  void main().catch((err) => {
    log.error({ err }, 'start-up failed')
    dialog.showErrorBox('TileLab could not start', err instanceof Error ? err.message : String(err))
    app.exit(1)
  })
}

async function main(): Promise<void> {
  hardenAllWebContents((line) => log.warn(line))
  await app.whenReady()
  const paths = appPaths({
    isPackaged: app.isPackaged,
    mainDir,
    resourcesPath: process.resourcesPath,
    userDataPath: app.getPath('userData'),
  })
  const devOrigin = devServerOrigin(process.env, app.isPackaged)
  const policy = { devServerOrigin: devOrigin }

  const settings = await openSettingsStore(paths.settingsFile)
  if (settings.corruptMovedTo) log.warn(`settings file was not JSON; moved to ${settings.corruptMovedTo}, using defaults`)
  const grants = await createAccessGrants({
    readOnlyRoots: [paths.bundledModelsDir, paths.sampleStudyDir],
    writableRoots: [paths.workDir, paths.userModelsDir],
  })
  for (const p of settings.get().recentStudies) await grants.grant(p, 'read', 'recent').catch(() => undefined)

  // The engine, off the main thread (engineService.ts), started without blocking the window: calls and resource
  // requests made while the worker starts wait for it. A failure leaves the window usable and answers E_WORKER.
  let service: EngineWorker | null = null
  const engine: Promise<EngineHandle> = startEngine({
    host: 'electron',
    version: app.getVersion(),
    bundledModelsDir: paths.bundledModelsDir,
    userModelsDir: paths.userModelsDir,
    workDir: paths.workDir,
    mainDir,
  }).then(
    (s) => {
      service = s
      return { service: s }
    },
    (err: unknown) => {
      const error = err instanceof Error ? err.message : String(err)
      log.error(`engine did not start: ${error}`)
      return { service: null, error }
    },
  )

  hardenSession(session.defaultSession, policy, (line) => log.warn(line))
  session.defaultSession.protocol.handle(
    APP_SCHEME,
    createAppProtocolHandler({ rendererDir: paths.rendererDir, service: engine.then((e) => e.service) }),
  )

  let window: BrowserWindow | null = null
  const showWindow = (initialStudy?: string | null): BrowserWindow => {
    if (window && !window.isDestroyed()) {
      if (window.isMinimized()) window.restore()
      window.focus()
      return window
    }
    window = createMainWindow({
      preloadFile: paths.preloadFile,
      iconFile: paths.iconFile,
      settings,
      devServerUrl: devOrigin ? process.env.ELECTRON_RENDERER_URL! : null,
      initialStudy,
    })
    window.on('closed', () => (window = null))
    return window
  }
  const send = (command: MenuCommand): void => {
    if (window && !window.isDestroyed()) {
      showWindow().webContents.send(MENU_IPC_CHANNEL, command)
      return
    }
    if (command.command === 'openStudy') return void showWindow(command.path)
    const w = showWindow()
    w.webContents.once('did-finish-load', () => w.webContents.send(MENU_IPC_CHANNEL, command))
  }

  const showDialog = async (kind: PickKind, title: string | undefined): Promise<string | null> => {
    const recent = settings.get().recentStudies[0]
    const options = pickDialogOptions(kind, title, process.platform, recent ? path.dirname(recent) : undefined)
    const parent = window && !window.isDestroyed() ? window : null
    const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options)
    return result.canceled ? null : (result.filePaths[0] ?? null)
  }
  const pickAndGrant = createPickAndGrant(showDialog, grants)

  const rebuildMenu = (): void => {
    installAppMenu(
      { platform: process.platform, isDev: !app.isPackaged, recentStudies: settings.get().recentStudies, homeDir: os.homedir() },
      (action) => void runMenuAction(action),
    )
  }
  const runMenuAction = createMenuActionRunner({
    pickAndGrant,
    grantRecent: (p) => grants.grant(p, 'read', 'recent'),
    send,
    settings,
    onRecentChanged: rebuildMenu,
    showAbout: () => {
      const c = aboutContent(app.getVersion(), process.versions)
      const options = { type: 'info' as const, title: c.title, message: c.message, detail: c.detail, buttons: ['OK'] }
      void (window ? dialog.showMessageBox(window, options) : dialog.showMessageBox(options))
    },
    showError: (title, message) => {
      const options = { type: 'error' as const, title, message: title, detail: message, buttons: ['OK'] }
      void (window ? dialog.showMessageBox(window, options) : dialog.showMessageBox(options))
    },
  })

  const handleApi = createShellApiHandler({
    engine,
    grants,
    settings,
    pickAndGrant,
    isTrustedSender: (url) => isTrustedSenderUrl(url, policy),
    onRecentChanged: rebuildMenu,
  })
  ipcMain.handle(API_IPC_CHANNEL, (event, method: unknown, request: unknown) => {
    // Only the top frame of the app's own page may call (checklist #17).
    const frame = event.senderFrame
    const url = frame && frame.parent === null ? frame.url : undefined
    return handleApi(url, method, request)
  })
  void engine.then(({ service: s }) => {
    for (const name of API_EVENT_NAMES)
      s?.on(name, (payload) => {
        if (window && !window.isDestroyed()) window.webContents.send(EVENT_IPC_CHANNEL, name, payload)
      })
  })

  rebuildMenu()
  showWindow(await initialStudyFromArgv(process.argv, process.cwd(), grants))

  app.on('second-instance', (_event, argv, cwd) => {
    void initialStudyFromArgv(argv, cwd, grants).then((study) => {
      if (study) send({ command: 'openStudy', path: study })
      else showWindow()
    })
  })
  app.on('activate', () => showWindow())
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
  let finishing = false
  app.on('will-quit', (event) => {
    if (finishing) return
    // Stop the engine worker and finish the settings writes before the process ends.
    // (At most 5 s: a worker that does not stop is ended with the process.)
    finishing = true
    event.preventDefault()
    const stopped = Promise.allSettled([engine.then(() => service?.dispose()), settings.flush()])
    void Promise.race([stopped, new Promise((r) => setTimeout(r, 5000))]).then(() => app.quit())
  })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => app.quit())
}

/** A study path on the command line, granted read access; null when none or unreadable. */
async function initialStudyFromArgv(argv: string[], cwd: string, grants: AccessGrants): Promise<string | null> {
  const p = studyPathFromArgv(argv, !!process.defaultApp, cwd)
  if (!p) return null
  return grants.grant(p, 'read', 'picked').catch((err: unknown) => {
    log.warn(`command-line study ignored: ${err instanceof Error ? err.message : String(err)}`)
    return null
  })
}
