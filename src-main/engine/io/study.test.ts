import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import type { Affine } from '../../common/types'
import { EngineError } from '../../common/errors'
import { loadStudy } from './study'
import { writeNifti } from './niftiWrite'
import { BRATS_AFFINE, makeTempDir } from '../../../test/helpers/niftiFixtures'

let root: string
let cleanup: () => Promise<void>
beforeAll(async () => ({ dir: root, cleanup } = await makeTempDir('tilelab-study-')))
afterAll(() => cleanup())

const DIMS: [number, number, number] = [4, 3, 5]
const N = 60

/** Writes a study folder: FLAIR (float32 ramp) and optionally a label map. */
async function study(
  name: string,
  label?: { values: number[]; dims?: [number, number, number]; affine?: Affine; datatype?: 'uint8' | 'float32'; file?: string },
): Promise<string> {
  const dir = join(root, name)
  const flair = Array.from({ length: N }, (_, n) => n * 0.5)
  await writeNifti(join(dir, `${name}_flair.nii.gz`), flair, { dims: DIMS, affine: BRATS_AFFINE, datatype: 'float32', gzip: true })
  if (label) {
    const dims = label.dims ?? DIMS
    await writeNifti(join(dir, label.file ?? `${name}_seg.nii.gz`), label.values, {
      dims,
      affine: label.affine ?? BRATS_AFFINE,
      datatype: label.datatype ?? 'uint8',
      gzip: true,
    })
  }
  return dir
}

/** Label with tumour pixels: slice 1 → 2 pixels (labels 1, 4), slice 3 → 3 pixels (2, 2, 1). */
function labels(): number[] {
  const l = new Array(N).fill(0)
  const plane = 12
  l[plane + 0] = 1
  l[plane + 5] = 4
  l[3 * plane + 1] = 2
  l[3 * plane + 2] = 2
  l[3 * plane + 11] = 1
  return l
}

async function loadError(path: string): Promise<EngineError> {
  const e = await loadStudy(path).then(() => null, (x: unknown) => x)
  expect(e).toBeInstanceOf(EngineError)
  return e as EngineError
}

describe('loadStudy', () => {
  it('loads image and label, whole tumour, per-slice counts and the max-tumour slice', async () => {
    const dir = await study('BraTS2021_01234', { values: labels() })
    const s = await loadStudy(dir)
    expect(s.name).toBe('BraTS2021_01234')
    expect(s.image.dims).toEqual(DIMS)
    expect(s.image.data[7]).toBe(3.5)
    expect(s.label!.labelValues).toEqual([0, 1, 2, 4])
    expect(s.wholeTumor!.reduce((a, b) => a + b, 0)).toBe(5)
    expect(s.tumorPixelsPerSlice).toEqual([0, 2, 0, 3, 0])
    expect(s.maxTumorSlice).toBe(3)
  })

  it('a float label map within 1e-3 of integers is rounded', async () => {
    const values = labels().map((v, i) => (i % 2 ? v + 0.0004 : v - 0.0004))
    const dir = await study('float-label', { values, datatype: 'float32', file: 'GT_W.nii.gz' })
    const s = await loadStudy(dir)
    expect(s.label!.labelValues).toEqual([0, 1, 2, 4])
    expect(s.label!.datatype).toBe('float32')
  })

  it('a non-integer label map is E_LABEL listing values', async () => {
    const values = labels()
    values[0] = 0.5
    const dir = await study('bad-label', { values, datatype: 'float32', file: 'GT.nii.gz' })
    const e = await loadError(dir)
    expect(e.code).toBe('E_LABEL')
    expect(e.message).toMatch(/GT\.nii\.gz/)
    expect(e.message).toMatch(/0\.5/)
  })

  it('a study without a label', async () => {
    const dir = await study('no-label')
    const s = await loadStudy(dir)
    expect(s).toMatchObject({ label: null, wholeTumor: null, maxTumorSlice: null, labelPath: null })
    expect(s.tumorPixelsPerSlice).toEqual([0, 0, 0, 0, 0])
  })

  it('an empty label: no max-tumour slice', async () => {
    const s = await loadStudy(await study('empty-label', { values: new Array(N).fill(0) }))
    expect(s.label!.labelValues).toEqual([0])
    expect(s.maxTumorSlice).toBeNull()
  })

  it('dims mismatch: E_GEOMETRY with both geometries', async () => {
    const dir = await study('dims-mismatch', { values: new Array(48).fill(0), dims: [4, 3, 4] })
    const e = await loadError(dir)
    expect(e.code).toBe('E_GEOMETRY')
    expect(e.message).toMatch(/dims-mismatch_seg\.nii\.gz/)
    expect(e.message).toMatch(/dims-mismatch_flair\.nii\.gz/)
    expect(e.message).toMatch(/image .*dims 4×3×5, affine \[\[-1,0,0,0\],\[0,-1,0,239\],\[0,0,1,0\]\]/)
    expect(e.message).toMatch(/label: dims 4×3×4/)
  })

  it('affine mismatch beyond 1e-3 mm: E_GEOMETRY with both affines; within 1e-3 mm is accepted', async () => {
    const shifted: Affine = [
      [-1, 0, 0, 0],
      [0, -1, 0, 239.5],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ]
    const e = await loadError(await study('affine-mismatch', { values: labels(), affine: shifted }))
    expect(e.code).toBe('E_GEOMETRY')
    expect(e.message).toMatch(/affines differ by up to 0\.500 mm/)
    expect(e.message).toMatch(/\[0,-1,0,239\]/)
    expect(e.message).toMatch(/\[0,-1,0,239\.5\]/)
    const close: Affine = [
      [-1, 0, 0, 0.0004],
      [0, -1, 0, 239],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ]
    const s = await loadStudy(await study('affine-close', { values: labels(), affine: close }))
    expect(s.label).not.toBeNull()
  })

  it('explicit image/label options, and a single NIfTI file as a study', async () => {
    const dir = await study('BraTS2021_04321', { values: labels() })
    const flair = join(dir, 'BraTS2021_04321_flair.nii.gz')
    const alone = await loadStudy(flair)
    expect(alone).toMatchObject({ name: 'BraTS2021_04321', label: null })
    const withLabel = await loadStudy(flair, { label: join(dir, 'BraTS2021_04321_seg.nii.gz') })
    expect(withLabel.maxTumorSlice).toBe(3)
  })
})
