/**
 * The main process's wiring (index.ts, mainWindow.ts, sessionSecurity.ts, appMenu.ts) run in Node against a FAKE
 * `electron` module that records what the app registers, and a fake engine (engineService.ts mocked): no Electron
 * binary exists here, so this checks that the pure pieces are connected as intended — not Electron's behaviour.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const fake = vi.hoisted(() => {
  type Listener = (...args: unknown[]) => unknown
  const on = () => {
    const handlers = new Map<string, Listener[]>()
    return {
      handlers,
      on(event: string, l: Listener) {
        handlers.set(event, [...(handlers.get(event) ?? []), l])
        return this
      },
      once(event: string, l: Listener) {
        handlers.set(event, [...(handlers.get(event) ?? []), l])
        return this
      },
      emit(event: string, ...args: unknown[]) {
        return (handlers.get(event) ?? []).map((l) => l(...args))
      },
    }
  }
  const state = {
    switches: [] as unknown[][],
    schemes: [] as unknown[],
    windows: [] as FakeWindow[],
    sent: [] as unknown[][],
    ipc: new Map<string, Listener>(),
    protocols: new Map<string, (r: Request) => Promise<Response>>(),
    beforeRequest: null as null | Listener,
    permissionRequest: null as null | Listener,
    permissionCheck: null as null | Listener,
    menuTemplate: null as null | Array<Record<string, unknown>>,
    quitCalls: 0,
    userData: '',
    lock: true,
    dialogAnswer: null as string | null,
    closeChoice: 1,
    closeAnswers: [] as string[][],
  }
  class FakeWindow {
    options: Record<string, any>
    events = on()
    url = ''
    destroyed = false
    webContents = { send: (...args: unknown[]) => state.sent.push(args), ...on() }
    constructor(options: Record<string, any>) {
      this.options = options
      state.windows.push(this)
    }
    on(e: string, l: Listener) {
      this.events.on(e, l)
      return this
    }
    once(e: string, l: Listener) {
      this.events.on(e, l)
      return this
    }
    loadURL(url: string) {
      this.url = url
      return Promise.resolve()
    }
    isDestroyed = () => this.destroyed
    isMinimized = () => false
    isMaximized = () => false
    isFullScreen = () => false
    getNormalBounds = () => ({ x: 10, y: 20, width: 1300, height: 900 })
    restore() {}
    focus() {}
    show() {}
    maximize() {}
    setFullScreen() {}
    static getAllWindows = () => state.windows.filter((w) => !w.destroyed)
  }
  const appEvents = on()
  const app = {
    ...appEvents,
    isPackaged: false,
    commandLine: { appendSwitch: (...a: unknown[]) => state.switches.push(a) },
    setPath: (_n: string, p: string) => (state.userData = p),
    getPath: () => state.userData,
    getVersion: () => '0.1.0',
    requestSingleInstanceLock: () => state.lock,
    whenReady: () => Promise.resolve(),
    quit: () => state.quitCalls++,
    exit: () => undefined,
  }
  const session = {
    defaultSession: {
      ...on(),
      webRequest: {
        onBeforeRequest: (l: Listener) => (state.beforeRequest = l),
        onHeadersReceived: () => undefined,
      },
      setPermissionRequestHandler: (l: Listener) => (state.permissionRequest = l),
      setPermissionCheckHandler: (l: Listener) => (state.permissionCheck = l),
      setDevicePermissionHandler: () => undefined,
      setDisplayMediaRequestHandler: () => undefined,
      protocol: { handle: (scheme: string, h: (r: Request) => Promise<Response>) => state.protocols.set(scheme, h) },
    },
  }
  const electron = {
    app,
    session,
    BrowserWindow: FakeWindow,
    protocol: { registerSchemesAsPrivileged: (s: unknown) => state.schemes.push(s) },
    ipcMain: { handle: (channel: string, l: Listener) => state.ipc.set(channel, l) },
    dialog: {
      showOpenDialog: async () => ({ canceled: state.dialogAnswer === null, filePaths: state.dialogAnswer ? [state.dialogAnswer] : [] }),
      showMessageBox: async () => ({ response: 0 }),
      showMessageBoxSync: (_w: unknown, o: { buttons: string[] }) => (state.closeAnswers.push(o.buttons), state.closeChoice),
      showErrorBox: () => undefined,
    },
    Menu: {
      buildFromTemplate: (t: Array<Record<string, unknown>>) => {
        state.menuTemplate = t
        return { t }
      },
      setApplicationMenu: () => undefined,
    },
    screen: {
      getPrimaryDisplay: () => ({ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }),
      getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
    },
  }
  const engine = {
    listeners: new Map<string, Listener>(),
    disposed: 0,
    calls: [] as string[],
  }
  return { state, electron, engine, FakeWindow }
})

vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }))
vi.mock('./engineService', () => ({
  startEngine: async () =>
    new Proxy(
      {},
      {
        get: (_t, prop) => {
          if (prop === 'then') return undefined
          if (prop === 'on') return (name: string, l: (p: unknown) => void) => (fake.engine.listeners.set(name, l), () => undefined)
          if (prop === 'dispose') return async () => void fake.engine.disposed++
          if (prop === 'readResource') return async () => ({ bytes: new Uint8Array([7, 8]), contentType: 'application/octet-stream' })
          return async (req: unknown) => {
            fake.engine.calls.push(String(prop))
            if (prop === 'getAppInfo') return { host: 'electron', defaultModelId: 'default' }
            if (prop === 'listModels') return []
            if (prop === 'openStudy') return { studyId: 's1', path: (req as { path: string }).path }
            return null
          }
        },
      },
    ),
}))

const { state, engine } = fake
let tmp: string
let study: string
let savedArgv: string[] = []
const appEvent = (name: string, ...args: unknown[]) => fake.electron.app.emit(name, ...args)
const invoke = (url: string | null, method: string, request: unknown, isTop = true) =>
  state.ipc.get('tilelab:api')!({ senderFrame: url === null ? null : { url, parent: isTop ? null : {} } }, method, request) as Promise<any>
const flush = () => new Promise((r) => setTimeout(r, 20))

beforeAll(async () => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'tilelab-wiring-')))
  study = path.join(tmp, 'BraTS_001')
  mkdirSync(study)
  process.env.TILELAB_HEADLESS = '1'
  process.env.TILELAB_USER_DATA = path.join(tmp, 'userData')
  // As a packaged app started without arguments (Node's own argv[1] would read as a study path).
  savedArgv = process.argv
  process.argv = ['/opt/TileLab/tilelab-app']
  await import('./index')
  for (let i = 0; i < 100 && state.windows.length === 0; i++) await flush()
})

afterAll(() => {
  process.argv = savedArgv
  delete process.env.TILELAB_HEADLESS
  delete process.env.TILELAB_USER_DATA
  rmSync(tmp, { recursive: true, force: true })
})

describe('main process wiring (fake electron)', () => {
  it('sets the headless switches, userData, the privileged scheme, and takes the single-instance lock', () => {
    expect(state.switches).toEqual([['enable-unsafe-swiftshader', undefined], ['use-angle', 'swiftshader']])
    expect(state.userData).toBe(path.join(tmp, 'userData'))
    expect(state.schemes).toEqual([
      [{ scheme: 'tilelab', privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true } }],
    ])
  })

  it('opens one window: isolated, sandboxed, no Node, web security on, the preload, tilelab://app/index.html', () => {
    expect(state.windows).toHaveLength(1)
    const w = state.windows[0]
    expect(w.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
    })
    expect(w.options.webPreferences.preload).toMatch(/out[\\/]preload[\\/]index\.cjs$/)
    expect(w.url).toBe('tilelab://app/index.html')
  })

  it('blocks remote requests and denies permissions in the default session', () => {
    const decide = (url: string) => {
      let cancel: boolean | undefined
      state.beforeRequest!({ url, resourceType: 'script' }, (r: { cancel: boolean }) => (cancel = r.cancel))
      return cancel
    }
    expect(decide('https://example.org/a.js')).toBe(true)
    expect(decide('tilelab://app/assets/index.js')).toBe(false)
    let granted: boolean | undefined
    state.permissionRequest!({}, 'media', (g: boolean) => (granted = g))
    expect(granted).toBe(false)
    expect(state.permissionCheck!()).toBe(false)
  })

  it('asks before closing while a job runs (will-prevent-unload): only "Stop and close" lets the unload go on', () => {
    const win = state.windows[0]
    const unload = (choice: number) => {
      state.closeChoice = choice
      let allowed = false
      win.webContents.emit('will-prevent-unload', { preventDefault: () => (allowed = true) })
      return allowed
    }
    expect(unload(1)).toBe(false)
    expect(unload(0)).toBe(true)
    expect(state.closeAnswers).toEqual([['Stop and close', 'Keep running'], ['Stop and close', 'Keep running']])
  })

  it('blocks navigation, new windows and webviews in every webContents', () => {
    const contents = {
      handlers: new Map<string, (...a: any[]) => void>(),
      on(e: string, l: (...a: any[]) => void) {
        this.handlers.set(e, l)
      },
      openHandler: null as null | ((d: { url: string }) => unknown),
      setWindowOpenHandler(h: (d: { url: string }) => unknown) {
        this.openHandler = h
      },
    }
    appEvent('web-contents-created', {}, contents)
    const prevented = (event: string, ...args: unknown[]) => {
      let p = false
      contents.handlers.get(event)!({ preventDefault: () => (p = true), isMainFrame: false, url: 'https://x' }, ...args)
      return p
    }
    expect(prevented('will-navigate', 'https://example.org/')).toBe(true)
    expect(prevented('will-redirect', 'https://example.org/')).toBe(true)
    expect(prevented('will-attach-webview')).toBe(true)
    expect(prevented('will-frame-navigate')).toBe(true)
    expect(contents.openHandler!({ url: 'https://example.org/' })).toEqual({ action: 'deny' })
  })

  it('IPC: refuses other pages and subframes, validates, guards paths, answers from the engine', async () => {
    expect(await invoke('https://evil.example/', 'getAppInfo', {})).toMatchObject({ ok: false, error: { code: 'E_ACCESS' } })
    expect(await invoke('tilelab://app/index.html', 'getAppInfo', {}, false)).toMatchObject({ ok: false, error: { code: 'E_ACCESS' } })
    expect(await invoke(null, 'getAppInfo', {})).toMatchObject({ ok: false, error: { code: 'E_ACCESS' } })
    expect(await invoke('tilelab://app/index.html', 'getAppInfo', {})).toMatchObject({ ok: true, value: { host: 'electron' } })
    expect(await invoke('tilelab://app/index.html', 'openStudy', { path: study })).toMatchObject({ ok: false, error: { code: 'E_ACCESS' } })
    state.dialogAnswer = study
    expect(await invoke('tilelab://app/index.html', 'pickPath', { kind: 'study' })).toEqual({ ok: true, value: study })
    expect(await invoke('tilelab://app/index.html', 'openStudy', { path: study })).toMatchObject({ ok: true, value: { studyId: 's1' } })
  })

  it('serves resource bytes on tilelab://app/res/ from the engine', async () => {
    const res = await state.protocols.get('tilelab')!(new Request('tilelab://app/res/x'))
    expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([7, 8])
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'")
  })

  it("forwards the engine's events to the window on tilelab:event", () => {
    state.sent.length = 0
    engine.listeners.get('onDidJobProgress')!({ jobId: 'j1', done: 1 })
    expect(state.sent).toEqual([['tilelab:event', 'onDidJobProgress', { jobId: 'j1', done: 1 }]])
  })

  it('the menu: Model > Train... sends the train command; Open Recent lists the study opened above', async () => {
    await flush()
    const items = (t: Array<Record<string, any>>): Array<Record<string, any>> => t.flatMap((i) => [i, ...items(i.submenu ?? [])])
    const all = items(state.menuTemplate!)
    state.sent.length = 0
    all.find((i) => i.id === 'train')!.click()
    expect(state.sent).toEqual([['tilelab:menu', { command: 'train' }]])
    expect(all.find((i) => i.id === 'recent-0')).toMatchObject({ label: study })
  })

  it('a second start with a study path opens it in the window', async () => {
    state.sent.length = 0
    appEvent('second-instance', {}, ['/opt/TileLab/tilelab-app', study], tmp)
    await flush()
    // process.defaultApp is unset in Node, so argv[0] is the app and argv[1] the study.
    expect(state.sent).toEqual([['tilelab:menu', { command: 'openStudy', path: study }]])
  })

  it('on quit: saves the bounds, stops the engine worker, then quits', async () => {
    state.windows[0].events.emit('close')
    let prevented = false
    appEvent('will-quit', { preventDefault: () => (prevented = true) })
    expect(prevented).toBe(true)
    for (let i = 0; i < 50 && state.quitCalls === 0; i++) await flush()
    expect(engine.disposed).toBe(1)
    expect(state.quitCalls).toBe(1)
    const settings = JSON.parse(readFileSync(path.join(tmp, 'userData', 'settings.json'), 'utf8'))
    expect(settings).toMatchObject({
      recentStudies: [study],
      windowBounds: { x: 10, y: 20, width: 1300, height: 900, maximized: false, fullScreen: false },
    })
  })
})
