import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createReadRoots } from './readRoots'
import { isInside } from '../io/canonicalPath'

let tmp: string

beforeAll(() => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'tilelab-readroots-')))
  for (const d of ['data/case', 'data-sibling', 'outside']) mkdirSync(path.join(tmp, d), { recursive: true })
  writeFileSync(path.join(tmp, 'data/case/flair.nii'), 'x')
  writeFileSync(path.join(tmp, 'outside/flair.nii'), 'secret')
  writeFileSync(path.join(tmp, 'data-sibling/flair.nii'), 'secret')
  symlinkSync(path.join(tmp, 'outside/flair.nii'), path.join(tmp, 'data/case/linked.nii'))
  symlinkSync(path.join(tmp, 'data/case/flair.nii'), path.join(tmp, 'data/case/inner.nii'))
})

afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('createReadRoots', () => {
  it('is null without roots (no confinement)', async () => {
    expect(await createReadRoots(null)).toBeNull()
  })

  it('passes files under a root, also through a symlink that stays inside, and missing files', async () => {
    const roots = (await createReadRoots([path.join(tmp, 'data'), path.join(tmp, 'gone')]))!
    expect(roots.roots).toEqual([path.join(tmp, 'data')])
    await expect(roots.check([path.join(tmp, 'data/case/flair.nii'), path.join(tmp, 'data/case/inner.nii'), null])).resolves.toBeUndefined()
    await expect(roots.check([path.join(tmp, 'data/case/missing.nii')])).resolves.toBeUndefined()
  })

  it('refuses a symlink leading outside, a path with .. leading outside and a sibling sharing the prefix', async () => {
    const roots = (await createReadRoots([path.join(tmp, 'data')]))!
    await expect(roots.check([path.join(tmp, 'data/case/linked.nii')])).rejects.toMatchObject({ code: 'E_ACCESS' })
    await expect(roots.check([path.join(tmp, 'data/case/../../outside/flair.nii')])).rejects.toThrow(/outside what this host may read/)
    await expect(roots.check([path.join(tmp, 'data-sibling/flair.nii')])).rejects.toMatchObject({ code: 'E_ACCESS' })
    await expect(
      roots.checkStudy({ name: 'c', path: path.join(tmp, 'data/case'), imagePath: path.join(tmp, 'data/case/flair.nii'), labelPath: path.join(tmp, 'data/case/linked.nii'), source: 'names' }),
    ).rejects.toMatchObject({ code: 'E_ACCESS' })
  })

  it('compares whole path segments', () => {
    expect(isInside('/a/data', '/a/data')).toBe(true)
    expect(isInside('/a/data', '/a/data/x')).toBe(true)
    expect(isInside('/a/data', '/a/data-sibling')).toBe(false)
    expect(isInside('/a/data', '/a')).toBe(false)
  })
})
