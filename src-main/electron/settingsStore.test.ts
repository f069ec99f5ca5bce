import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { MAX_RECENT_STUDIES, defaultSettings, openSettingsStore, parseSettings, withRecent } from './settingsStore'

let dir: string
let file: string

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tilelab-settings-'))
  file = path.join(dir, 'settings.json')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('settings persistence', () => {
  it('starts from the defaults without a file and writes nothing until a change', async () => {
    const s = await openSettingsStore(file)
    expect(s.get()).toEqual(defaultSettings())
    expect(s.corruptMovedTo).toBeNull()
    expect(existsSync(file)).toBe(false)
  })

  it('round-trips recent studies, the last model and the window bounds', async () => {
    const s = await openSettingsStore(file)
    await s.update((c) => ({ ...c, recentStudies: withRecent(c.recentStudies, '/data/BraTS_001') }))
    await s.update((c) => ({ ...c, lastModelId: 'default' }))
    await s.update((c) => ({ ...c, windowBounds: { x: 10, y: 20, width: 1400, height: 900, maximized: true } }))
    const again = await openSettingsStore(file)
    expect(again.get()).toEqual({
      version: 1,
      recentStudies: ['/data/BraTS_001'],
      lastModelId: 'default',
      windowBounds: { x: 10, y: 20, width: 1400, height: 900, maximized: true },
    })
    expect(JSON.parse(readFileSync(file, 'utf8')).lastModelId).toBe('default')
  })

  it('writes atomically: serialised in call order, no temp file left behind, the last write wins', async () => {
    const s = await openSettingsStore(file)
    const writes = Array.from({ length: 20 }, (_, i) => s.update((c) => ({ ...c, recentStudies: withRecent(c.recentStudies, `/d/${i}`) })))
    await Promise.all(writes)
    await s.flush()
    expect(readdirSync(dir)).toEqual(['settings.json'])
    const onDisk = JSON.parse(readFileSync(file, 'utf8'))
    expect(onDisk.recentStudies).toEqual(Array.from({ length: MAX_RECENT_STUDIES }, (_, i) => `/d/${19 - i}`))
  })

  it('a file that is not JSON gives the defaults and is moved aside', async () => {
    writeFileSync(file, '{"recentStudies": ["/a", ')
    const s = await openSettingsStore(file)
    expect(s.get()).toEqual(defaultSettings())
    expect(s.corruptMovedTo).toBe(`${file}.corrupt`)
    expect(readFileSync(`${file}.corrupt`, 'utf8')).toBe('{"recentStudies": ["/a", ')
    await s.update((c) => ({ ...c, lastModelId: 'm' }))
    expect(JSON.parse(readFileSync(file, 'utf8')).lastModelId).toBe('m')
  })

  it('a field of the wrong type falls back alone; unknown fields are dropped', () => {
    expect(parseSettings({ recentStudies: 'x', lastModelId: 'm', windowBounds: { x: 'a' }, extra: 1 })).toEqual({
      version: 1,
      recentStudies: [],
      lastModelId: 'm',
      windowBounds: null,
    })
    expect(parseSettings([1, 2])).toEqual(defaultSettings())
    expect(parseSettings(null)).toEqual(defaultSettings())
    expect(parseSettings({ recentStudies: Array.from({ length: 30 }, (_, i) => `/s${i}`) }).recentStudies).toHaveLength(MAX_RECENT_STUDIES)
  })

  it('withRecent puts the path first without duplicates and caps the list', () => {
    expect(withRecent(['/a', '/b', '/c'], '/b')).toEqual(['/b', '/a', '/c'])
    expect(withRecent(['/a', '/b'], '/c', 2)).toEqual(['/c', '/a'])
  })
})
