/**
 * Electron main process, minimal (the shell of issue 5 — menus, dialogs, electron-builder, the engine off the main
 * thread — is built on top of this by the shell work): one BrowserWindow with the renderer, context isolation,
 * sandbox, no Node integration, navigation and new windows blocked; TileLabApi over IPC ('tilelab:api', validated
 * by apiDispatch.ts) with events on 'tilelab:event'; resource bytes on the privileged `tilelab://app/res/...` scheme
 * (fetch and XHR, never Content-Encoding).
 */
import { app, BrowserWindow, ipcMain, protocol } from 'electron'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import type { TileLabService } from '../common/api'
import { API_EVENT_NAMES, API_IPC_CHANNEL, EVENT_IPC_CHANNEL } from '../common/apiChannel'
import { dispatchApiCall } from '../common/apiDispatch'
import { serializeError } from '../common/errors'

const here = path.dirname(fileURLToPath(import.meta.url))

protocol.registerSchemesAsPrivileged([
  { scheme: 'tilelab', privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, corsEnabled: true } },
])

/**
 * WIRING POINT (issue 5 shell): the engine service, run off the main thread (a Node worker or a utility process).
 * Until src-main/engine/service exists, API calls answer E_INTERNAL.
 */
async function createService(): Promise<TileLabService | null> {
  return null
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1600,
    height: 1000,
    backgroundColor: '#07090c',
    title: 'TileLab',
    show: false,
    webPreferences: {
      preload: path.join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  })
  win.once('ready-to-show', () => win.show())
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }))
  win.webContents.on('will-navigate', (e) => e.preventDefault())
  const devUrl = process.env.ELECTRON_RENDERER_URL
  if (devUrl && !app.isPackaged) void win.loadURL(devUrl)
  else void win.loadFile(path.join(here, '../renderer/index.html'))
  return win
}

void app.whenReady().then(async () => {
  const service = await createService()
  ipcMain.handle(API_IPC_CHANNEL, async (_event, method: unknown, request: unknown) => {
    if (!service)
      return {
        ok: false,
        error: { name: 'EngineError', code: 'E_INTERNAL', message: 'the engine service is not wired into the app yet' },
      }
    return dispatchApiCall(service, String(method), request)
  })
  if (service) {
    for (const name of API_EVENT_NAMES)
      service.on(name, (payload) => {
        for (const w of BrowserWindow.getAllWindows()) w.webContents.send(EVENT_IPC_CHANNEL, name, payload)
      })
  }
  protocol.handle('tilelab', async (request) => {
    const url = new URL(request.url)
    if (!service || url.host !== 'app') return new Response('not found', { status: 404 })
    try {
      const { bytes, contentType } = await service.readResource(decodeURIComponent(url.pathname.slice(1)))
      // The page is file:// (another origin than tilelab://app), so the bytes need a CORS header to be readable.
      return new Response(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
        headers: { 'content-type': contentType, 'access-control-allow-origin': '*', 'cache-control': 'no-store' },
      })
    } catch (err) {
      return new Response(JSON.stringify(serializeError(err)), { status: 404, headers: { 'content-type': 'application/json' } })
    }
  })
  createWindow()
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow()
  })
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})
