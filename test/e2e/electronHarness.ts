/**
 * Harness of the desktop-app end-to-end test: finds the Electron binary WITHOUT triggering its download (the
 * electron package's `require('electron')` downloads when the binary is missing), builds the app with electron-vite
 * when out/ is older than its sources, and launches it with playwright-core's `_electron` in a fresh userData
 * folder with software WebGL (TILELAB_HEADLESS=1).
 *
 * Where it runs: wherever `node_modules/electron/dist/<path.txt>` (or ELECTRON_OVERRIDE_DIST_PATH) holds a binary
 * and, on Linux, a display exists (run under `xvfb-run -a` on CI). Elsewhere `electronUnavailable()` says why, and
 * the spec is skipped with that reason printed.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import type { ElectronApplication, Page } from 'playwright-core'
import { newestMtime, REPO_ROOT } from './harness'

const ELECTRON_PKG = path.join(REPO_ROOT, 'node_modules', 'electron')
export const APP_MAIN = path.join(REPO_ROOT, 'out', 'main', 'index.js')

/** Path of the Electron executable, resolved as node_modules/electron/index.js does, or null when absent. */
export function electronBinaryPath(): string | null {
  const pathFile = path.join(ELECTRON_PKG, 'path.txt')
  const exe = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const p = path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, exe || 'electron')
    return existsSync(p) ? p : null
  }
  if (!exe) return null
  const p = path.join(ELECTRON_PKG, 'dist', exe)
  return existsSync(p) ? p : null
}

/** Why the desktop-app e2e cannot run here, or null when it can. */
export function electronUnavailable(): string | null {
  if (!existsSync(path.join(ELECTRON_PKG, 'package.json'))) return 'the electron package is not installed'
  if (!electronBinaryPath())
    return (
      `no Electron binary (${path.join('node_modules', 'electron', 'path.txt')} / dist/ missing: the package's ` +
      `install script did not run; \`node node_modules/electron/install.js\` downloads it)`
    )
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
    return 'no display ($DISPLAY unset): run the e2e tests under `xvfb-run -a`'
  return null
}

/** Runs `electron-vite build` when out/main, out/preload or out/renderer is missing or older than the sources. */
export async function ensureAppBuild(): Promise<void> {
  const outputs = [APP_MAIN, path.join(REPO_ROOT, 'out', 'preload', 'index.cjs'), path.join(REPO_ROOT, 'out', 'renderer', 'index.html')]
  const sources = Math.max(newestMtime(path.join(REPO_ROOT, 'src-main')), newestMtime(path.join(REPO_ROOT, 'src-renderer')))
  if (outputs.every((o) => existsSync(o) && statSync(o).mtimeMs >= sources) && !process.env.TILELAB_E2E_REBUILD) return
  const { build } = await import('electron-vite')
  await build({ configFile: path.join(REPO_ROOT, 'electron.vite.config.ts'), logLevel: 'warn' })
}

export interface LaunchedApp {
  app: ElectronApplication
  page: Page
  /** Console errors and page errors of the window. */
  errors: string[]
  /** stdout + stderr of the main process (the shell's log lines). */
  mainLog: string[]
  close(): Promise<void>
}

/**
 * Launches the built app (out/main/index.js) and waits for its first window.
 * @param userDataDir A fresh folder for settings, grants and the work folder.
 * @param extraArgs Arguments after the app (e.g. a study path).
 */
export async function launchApp(userDataDir: string, extraArgs: string[] = []): Promise<LaunchedApp> {
  const executablePath = electronBinaryPath()
  if (!executablePath) throw new Error('no Electron binary')
  const { _electron } = await import('playwright-core')
  const rootArgs = typeof process.getuid === 'function' && process.getuid() === 0 ? ['--no-sandbox'] : []
  const app = await _electron.launch({
    executablePath,
    args: [...rootArgs, APP_MAIN, ...extraArgs],
    cwd: REPO_ROOT,
    env: { ...(process.env as Record<string, string>), TILELAB_HEADLESS: '1', TILELAB_USER_DATA: userDataDir },
    timeout: 120_000,
  })
  const mainLog: string[] = []
  app.process().stdout?.on('data', (d: Buffer) => mainLog.push(d.toString()))
  app.process().stderr?.on('data', (d: Buffer) => mainLog.push(d.toString()))
  const page = await app.firstWindow({ timeout: 120_000 })
  const errors: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error' && !/ERR_ABORTED|Fetch aborted|AbortError/.test(m.text())) errors.push(`[console] ${m.text()}`)
  })
  page.on('pageerror', (e) => errors.push(`[pageerror] ${e.message}`))
  return { app, page, errors, mainLog, close: () => app.close().catch(() => undefined) }
}

/** Clicks an item of the application menu by its id (menuTemplate.ts), as a user would. */
export async function clickMenuItem(app: ElectronApplication, id: string): Promise<void> {
  const found = await app.evaluate(({ Menu, BrowserWindow }, itemId) => {
    const item = Menu.getApplicationMenu()?.getMenuItemById(itemId)
    if (!item) return false
    const win = BrowserWindow.getAllWindows()[0]
    item.click(undefined, win, win?.webContents)
    return true
  }, id)
  if (!found) throw new Error(`no menu item '${id}'`)
}
