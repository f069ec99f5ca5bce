import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { MenuCommand } from '../common/menuCommands'
import { EngineError } from '../common/errors'
import { createMenuActionRunner, type MenuActionDeps } from './menuActions'
import { buildMenuTemplate, flattenMenu, recentStudyLabel, type MenuItemSpec } from './menuTemplate'
import { openSettingsStore, type SettingsStore } from './settingsStore'

const linux = (recent: string[] = [], isDev = false) => buildMenuTemplate({ platform: 'linux', isDev, recentStudies: recent, homeDir: '/home/ana' })
const byId = (items: MenuItemSpec[], id: string) => flattenMenu(items).find((i) => i.id === id)

describe('menu template', () => {
  it('has File, Edit, Model, View, Help on Linux, with the usual accelerators', () => {
    const t = linux()
    expect(t.map((m) => m.label)).toEqual(['&File', '&Edit', '&Model', '&View', '&Help'])
    const file = t[0].submenu!.map((i) => i.id ?? i.type)
    expect(file).toEqual(['open-study', 'open-nifti', 'open-recent', 'separator', 'evaluate-folder', 'separator', 'quit'])
    const accel = Object.fromEntries(
      ['open-study', 'open-nifti', 'evaluate-folder', 'quit', 'train', 'load-model'].map((id) => [id, byId(t, id)?.accelerator]),
    )
    expect(accel).toEqual({
      'open-study': 'CmdOrCtrl+O',
      'open-nifti': 'CmdOrCtrl+Shift+O',
      'evaluate-folder': 'CmdOrCtrl+E',
      quit: 'CmdOrCtrl+Q',
      train: 'CmdOrCtrl+T',
      'load-model': 'CmdOrCtrl+L',
    })
    expect(byId(t, 'quit')?.role).toBe('quit')
    expect(byId(t, 'open-study')?.label).toBe('Open Study...')
    expect(byId(t, 'train')?.label).toBe('&Train...')
    expect(byId(t, 'about')?.action).toEqual({ kind: 'about' })
  })

  it('every TileLab item names its action; no accelerator is used twice', () => {
    const t = linux(['/data/a'])
    const actions = Object.fromEntries(flattenMenu(t).filter((i) => i.action).map((i) => [i.id, i.action]))
    expect(actions).toEqual({
      'open-study': { kind: 'openStudy' },
      'open-nifti': { kind: 'openNiftiFile' },
      'recent-0': { kind: 'openRecent', path: '/data/a' },
      'clear-recent': { kind: 'clearRecent' },
      'evaluate-folder': { kind: 'evaluateFolder' },
      train: { kind: 'train' },
      'load-model': { kind: 'loadModel' },
      about: { kind: 'about' },
    })
    const accels = flattenMenu(t).map((i) => i.accelerator).filter(Boolean)
    expect(new Set(accels).size).toBe(accels.length)
  })

  it('View: zoom and full screen always; reload and devtools only unpackaged', () => {
    const roles = (t: MenuItemSpec[]) => byId(t, 'view')!.submenu!.map((i) => i.role).filter(Boolean)
    expect(roles(linux())).toEqual(['zoomIn', 'zoomOut', 'resetZoom', 'togglefullscreen'])
    expect(roles(linux([], true))).toEqual(['zoomIn', 'zoomOut', 'resetZoom', 'togglefullscreen', 'reload', 'forceReload', 'toggleDevTools'])
  })

  it('Open Recent lists the studies (home as ~, & escaped) or a disabled placeholder', () => {
    expect(byId(linux(), 'open-recent')!.submenu).toEqual([{ id: 'no-recent', label: 'No Recent Studies', enabled: false }])
    const recent = byId(linux(['/home/ana/BraTS/case 1', '/data/R&D/case2']), 'open-recent')!.submenu!
    expect(recent.map((i) => i.label ?? i.type)).toEqual(['~/BraTS/case 1', '/data/R&&D/case2', 'separator', 'Clear Recent'])
    expect(recentStudyLabel('/home/anab/x', '/home/ana')).toBe('/home/anab/x')
  })

  it('macOS: an app menu with About and Quit, Close in File, a Window menu', () => {
    const t = buildMenuTemplate({ platform: 'darwin', isDev: false, recentStudies: [] })
    expect(t.map((m) => m.label ?? m.role)).toEqual(['TileLab', '&File', '&Edit', '&Model', '&View', 'windowMenu', '&Help'])
    expect(t[0].submenu!.map((i) => i.id ?? i.role ?? i.type)).toContain('quit')
    expect(byId(t, 'file')!.submenu!.some((i) => i.role === 'close')).toBe(true)
    expect(byId(t, 'file')!.submenu!.some((i) => i.id === 'quit')).toBe(false)
    expect(byId(t, 'open-study')!.label).toBe('Open Study (Folder or NIfTI File)...')
  })
})

describe('menu actions: what each item does', () => {
  let dir: string
  let settings: SettingsStore
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tilelab-menu-'))
    settings = await openSettingsStore(path.join(dir, 'settings.json'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  function harness(picks: Record<string, string | null> = {}) {
    const sent: MenuCommand[] = []
    const log: string[] = []
    const deps: MenuActionDeps = {
      pickAndGrant: async (kind, title) => {
        log.push(`pick ${kind} "${title}"`)
        return picks[kind] ?? null
      },
      grantRecent: async (p) => {
        if (p.includes('gone')) throw new EngineError('E_IO', `${p}: cannot grant access: ENOENT`)
        log.push(`grant ${p}`)
        return p
      },
      send: (c) => sent.push(c),
      showAbout: () => log.push('about'),
      showError: (title, message) => log.push(`error ${title}: ${message.split('\n')[0]}`),
      settings,
      onRecentChanged: () => log.push('menu rebuilt'),
    }
    return { run: createMenuActionRunner(deps), sent, log }
  }

  it('each item of the template sends its command (clicking every action of the Linux menu)', async () => {
    const h = harness({ study: '/data/BraTS_001', file: '/data/x_flair.nii.gz' })
    for (const item of flattenMenu(linux(['/data/BraTS_002']))) if (item.action && item.action.kind !== 'clearRecent') await h.run(item.action)
    expect(h.sent).toEqual([
      { command: 'openStudy', path: '/data/BraTS_001' },
      { command: 'openStudy', path: '/data/x_flair.nii.gz' },
      { command: 'openStudy', path: '/data/BraTS_002' },
      { command: 'evaluateFolder' },
      { command: 'train' },
      { command: 'loadModel' },
    ])
    expect(h.log).toEqual(['pick study "Open study"', 'pick file "Open NIfTI file"', 'grant /data/BraTS_002', 'about'])
  })

  it('a cancelled dialog sends nothing', async () => {
    const h = harness()
    await h.run({ kind: 'openStudy' })
    expect(h.sent).toEqual([])
  })

  it('a recent study that is gone leaves the list, with a message, and sends nothing', async () => {
    await settings.update((s) => ({ ...s, recentStudies: ['/data/gone', '/data/kept'] }))
    const h = harness()
    await h.run({ kind: 'openRecent', path: '/data/gone' })
    expect(h.sent).toEqual([])
    expect(settings.get().recentStudies).toEqual(['/data/kept'])
    expect(h.log).toEqual(['menu rebuilt', 'error Study not found: /data/gone can no longer be read, so it was removed from Open Recent.'])
  })

  it('Clear Recent empties the list and rebuilds the menu', async () => {
    await settings.update((s) => ({ ...s, recentStudies: ['/a', '/b'] }))
    const h = harness()
    await h.run({ kind: 'clearRecent' })
    expect(settings.get().recentStudies).toEqual([])
    expect(h.log).toEqual(['menu rebuilt'])
  })

  it('a failing dialog is reported, never thrown', async () => {
    const h = harness()
    const run = createMenuActionRunner({
      ...({} as MenuActionDeps),
      pickAndGrant: async () => {
        throw new Error('dialog failed')
      },
      showError: (t, m) => h.log.push(`${t}: ${m}`),
      send: () => undefined,
    })
    await expect(run({ kind: 'openStudy' })).resolves.toBeUndefined()
    expect(h.log).toEqual(['TileLab: dialog failed'])
  })
})
