import { describe, expect, it } from 'vitest'
import { parseMenuCommand } from './menuCommands'

describe('menu commands crossing IPC', () => {
  it('accepts the four commands in their exact shape', () => {
    expect(parseMenuCommand({ command: 'openStudy', path: '/data/BraTS_001' })).toEqual({ command: 'openStudy', path: '/data/BraTS_001' })
    for (const command of ['train', 'evaluateFolder', 'loadModel']) expect(parseMenuCommand({ command })).toEqual({ command })
  })

  it('refuses anything else', () => {
    for (const v of [
      null,
      'train',
      ['train'],
      { command: 'quit' },
      { command: 'train', extra: 1 },
      { command: 'openStudy' },
      { command: 'openStudy', path: '' },
      { command: 'openStudy', path: 7 },
      { command: 'openStudy', path: 'a\0b' },
      { command: 'openStudy', path: 'x'.repeat(4097) },
      { command: 'openStudy', path: '/a', more: true },
    ])
      expect(parseMenuCommand(v), JSON.stringify(v)?.slice(0, 60)).toBeNull()
  })
})
