import { describe, expect, it } from 'vitest'
import { aboutContent, PAPER_CITATION } from './aboutContent'
import { grantModeForPick, pickDialogOptions } from './pickDialogOptions'

describe('native Open dialogs', () => {
  it('study: a folder on Linux and Windows, a folder or a NIfTI file on macOS', () => {
    expect(pickDialogOptions('study', undefined, 'linux')).toEqual({ title: 'Open study folder', buttonLabel: 'Open', properties: ['openDirectory'] })
    expect(pickDialogOptions('study', 'Open study', 'darwin').properties).toEqual(['openFile', 'openDirectory'])
  })

  it('file: one NIfTI file with an All files fallback; folder: may create; default folder passed through', () => {
    expect(pickDialogOptions('file', undefined, 'linux', '/data')).toEqual({
      title: 'Open NIfTI file',
      buttonLabel: 'Open',
      properties: ['openFile'],
      filters: [
        { name: 'NIfTI images', extensions: ['nii', 'gz'] },
        { name: 'All files', extensions: ['*'] },
      ],
      defaultPath: '/data',
    })
    expect(pickDialogOptions('folder', 'Output folder', 'win32')).toEqual({
      title: 'Output folder',
      buttonLabel: 'Choose',
      properties: ['openDirectory', 'createDirectory'],
    })
  })

  it('folders picked may be written, studies and files only read', () => {
    expect([grantModeForPick('folder'), grantModeForPick('study'), grantModeForPick('file')]).toEqual(['write', 'read', 'read'])
  })
})

describe('About box', () => {
  it('names the version, the runtimes and the paper with its DOI', () => {
    const c = aboutContent('0.1.0', { electron: '45.5.0', chrome: '142.0.0.0', node: '22.20.0' })
    expect(c.message).toBe('TileLab 0.1.0')
    expect(c.detail).toContain(PAPER_CITATION)
    expect(c.detail).toContain('doi:10.1007/978-3-030-11723-8_3')
    expect(c.detail).toContain('Electron 45.5.0 · Chrome 142.0.0.0 · Node 22.20.0')
  })
})
