import { describe, expect, it } from 'vitest'
import { appPaths } from './appPaths'
import { chromiumSwitches, isHeadless, studyPathFromArgv, userDataOverride } from './startupOptions'

describe('start-up options', () => {
  it('TILELAB_HEADLESS=1 adds the SwiftShader switches (and never --use-gl=swiftshader)', () => {
    expect(chromiumSwitches({ TILELAB_HEADLESS: '1' })).toEqual([['enable-unsafe-swiftshader'], ['use-angle', 'swiftshader']])
    expect(chromiumSwitches({ TILELAB_HEADLESS: 'true' })).toHaveLength(2)
    expect(chromiumSwitches({})).toEqual([])
    expect(chromiumSwitches({ TILELAB_HEADLESS: '0' })).toEqual([])
    expect(isHeadless({ TILELAB_HEADLESS: 'yes' })).toBe(false)
  })

  it('TILELAB_USER_DATA moves userData (resolved against the working directory)', () => {
    expect(userDataOverride({ TILELAB_USER_DATA: 'tmp/ud' }, '/work')).toBe('/work/tmp/ud')
    expect(userDataOverride({ TILELAB_USER_DATA: '/abs' }, '/work')).toBe('/abs')
    expect(userDataOverride({ TILELAB_USER_DATA: '' }, '/work')).toBeNull()
    expect(userDataOverride({}, '/work')).toBeNull()
  })

  it('finds the study on the command line, packaged and unpackaged, skipping switches', () => {
    // Packaged: /opt/TileLab/tilelab [switches] <study>
    expect(studyPathFromArgv(['/opt/TileLab/tilelab', '/data/BraTS_001'], false, '/home/ana')).toBe('/data/BraTS_001')
    expect(studyPathFromArgv(['/opt/TileLab/tilelab', '--no-sandbox', 'cases/x_flair.nii.gz'], false, '/home/ana')).toBe('/home/ana/cases/x_flair.nii.gz')
    expect(studyPathFromArgv(['/opt/TileLab/tilelab'], false, '/')).toBeNull()
    // Unpackaged: electron [switches] <app> [study]; Playwright puts --inspect=0 and --remote-debugging-port=0 first.
    expect(studyPathFromArgv(['electron', '--inspect=0', '--remote-debugging-port=0', '/repo/out/main/index.js'], true, '/repo')).toBeNull()
    expect(studyPathFromArgv(['electron', '.', 'study'], true, '/repo')).toBe('/repo/study')
    expect(studyPathFromArgv(['electron', '.', '--', 'study'], true, '/repo')).toBeNull()
  })
})

describe('app paths', () => {
  it('unpackaged: everything from the checkout, user data under userData', () => {
    expect(appPaths({ isPackaged: false, mainDir: '/repo/out/main', resourcesPath: '/usr/lib/electron/resources', userDataPath: '/home/ana/.config/TileLab' })).toEqual({
      rendererDir: '/repo/out/renderer',
      preloadFile: '/repo/out/preload/index.cjs',
      bundledModelsDir: '/repo/models',
      sampleStudyDir: '/home/ana/.config/TileLab/work/cache/synth-sample/SYNTH_0001',
      iconFile: '/repo/resources/icons/512x512.png',
      userModelsDir: '/home/ana/.config/TileLab/models',
      workDir: '/home/ana/.config/TileLab/work',
      settingsFile: '/home/ana/.config/TileLab/settings.json',
    })
  })

  it('packaged: code in app.asar, models and icons beside it in resources/, the sample study generated in userData', () => {
    const p = appPaths({ isPackaged: true, mainDir: '/opt/TileLab/resources/app.asar/out/main', resourcesPath: '/opt/TileLab/resources', userDataPath: '/u' })
    expect(p.rendererDir).toBe('/opt/TileLab/resources/app.asar/out/renderer')
    expect(p.preloadFile).toBe('/opt/TileLab/resources/app.asar/out/preload/index.cjs')
    expect(p.bundledModelsDir).toBe('/opt/TileLab/resources/models')
    expect(p.sampleStudyDir).toBe('/u/work/cache/synth-sample/SYNTH_0001')
    expect(p.iconFile).toBe('/opt/TileLab/resources/icons/512x512.png')
  })
})
