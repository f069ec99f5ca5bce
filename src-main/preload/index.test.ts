/**
 * The sandboxed preload against a fake `electron` (contextBridge + ipcRenderer): what it exposes, that API calls go
 * to `tilelab:api`, and that only valid menu commands and known events reach the page's listeners.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest'
import type { ApiChannel } from '../common/apiChannel'
import type { ShellBridge } from '../common/menuCommands'

const fake = vi.hoisted(() => {
  const exposed: Record<string, unknown> = {}
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => void>()
  const invoked: unknown[][] = []
  return {
    exposed,
    handlers,
    invoked,
    electron: {
      contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value) },
      ipcRenderer: {
        on: (channel: string, l: (event: unknown, ...args: unknown[]) => void) => handlers.set(channel, l),
        invoke: async (...args: unknown[]) => (invoked.push(args), { ok: true, value: 'pong' }),
      },
    },
  }
})
vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }))

let channel: ApiChannel
let shell: ShellBridge

beforeAll(async () => {
  await import('./index')
  channel = fake.exposed.tilelab as ApiChannel
  shell = fake.exposed.tilelabShell as ShellBridge
})

describe('preload', () => {
  it('exposes exactly the API channel and the menu bridge', () => {
    expect(Object.keys(fake.exposed).sort()).toEqual(['tilelab', 'tilelabShell'])
    expect(Object.keys(channel).sort()).toEqual(['call', 'listen', 'resourceBase'])
    expect(channel.resourceBase).toBe('tilelab://app/')
  })

  it('calls go to tilelab:api with the method as a string', async () => {
    expect(await channel.call('getAppInfo', {})).toEqual({ ok: true, value: 'pong' })
    expect(fake.invoked).toEqual([['tilelab:api', 'getAppInfo', {}]])
  })

  it('events reach listeners without the IPC event object; unknown event names are dropped', () => {
    const got: unknown[] = []
    const off = channel.listen('onDidJobEnd', (p) => got.push(p))
    fake.handlers.get('tilelab:event')!({ sender: 'x' }, 'onDidJobEnd', { jobId: 'j' })
    fake.handlers.get('tilelab:event')!({}, 'somethingElse', { jobId: 'k' })
    off()
    fake.handlers.get('tilelab:event')!({}, 'onDidJobEnd', { jobId: 'after' })
    expect(got).toEqual([{ jobId: 'j' }])
  })

  it('menu commands are validated before a listener sees them', () => {
    const got: unknown[] = []
    const off = shell.onMenuCommand((c) => got.push(c))
    const menu = fake.handlers.get('tilelab:menu')!
    menu({}, { command: 'train' })
    menu({}, { command: 'openStudy', path: '/data/x' })
    menu({}, { command: 'runShell', path: '/bin/sh' })
    menu({}, { command: 'openStudy' })
    off()
    menu({}, { command: 'loadModel' })
    expect(got).toEqual([{ command: 'train' }, { command: 'openStudy', path: '/data/x' }])
  })
})
