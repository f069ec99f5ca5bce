import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { symlink } from 'node:fs/promises'
import { findStudies } from './cohort'
import { makeTempDir, put } from '../../../test/helpers/niftiFixtures'

let root: string
let cleanup: () => Promise<void>
beforeAll(async () => {
  ;({ dir: root, cleanup } = await makeTempDir('tilelab-cohort-'))
  await put(root, 'HGG/deep/er/still/BraTS2021_00001/BraTS2021_00001_flair.nii.gz')
  await put(root, 'HGG/deep/er/still/BraTS2021_00001/BraTS2021_00001_seg.nii.gz')
  await put(root, 'HGG/deep/er/still/BraTS2021_00001/nested/ignored_flair.nii.gz')
  await put(root, 'LGG/case_b/FLAIR.nii.gz')
  await put(root, 'LGG/case_a/FLAIR.nii.gz')
  await put(root, 'LGG/case_a/GT_W.nii.gz')
  await put(root, 'bad/ambiguous/x_flair.nii', '')
  await put(root, 'bad/ambiguous/y_flair.nii', '')
  await put(root, '.hidden/case/flair.nii.gz')
  await put(root, 'docs/README.md', 'not a study')
  await symlink(join(root, 'LGG'), join(root, 'loop-to-LGG'))
})
afterAll(() => cleanup())

describe('findStudies', () => {
  it('finds study folders at any depth, sorted, with failures reported', async () => {
    const c = await findStudies(root)
    expect(c.root).toBe(root)
    expect(c.studies.map((s) => s.path.slice(root.length + 1))).toEqual([
      'HGG/deep/er/still/BraTS2021_00001',
      'LGG/case_a',
      'LGG/case_b',
    ])
    expect(c.studies.map((s) => s.name)).toEqual(['BraTS2021_00001', 'case_a', 'case_b'])
    expect(c.studies[2].labelPath).toBeNull()
    expect(c.failures).toHaveLength(1)
    expect(c.failures[0].path).toBe(join(root, 'bad/ambiguous'))
    expect(c.failures[0].error.code).toBe('E_STUDY')
    expect(c.failures[0].error.message).toMatch(/x_flair\.nii, y_flair\.nii/)
  })

  it('a study folder is a cohort of one; a missing or empty root is an error', async () => {
    const one = await findStudies(join(root, 'LGG/case_a'))
    expect(one.studies.map((s) => s.name)).toEqual(['case_a'])
    await expect(findStudies(join(root, 'nope'))).rejects.toMatchObject({ code: 'E_IO' })
    await expect(findStudies(join(root, 'docs'))).rejects.toMatchObject({ code: 'E_STUDY' })
  })
})
