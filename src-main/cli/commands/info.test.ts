import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { buildProgram } from '../main'
import { writeNifti } from '../../engine/io/niftiWrite'
import { BRATS_AFFINE, makeTempDir } from '../../../test/helpers/niftiFixtures'
import { captureCli } from '../../../test/helpers/cliCapture'

let root: string
let cleanup: () => Promise<void>
let study: string
beforeAll(async () => {
  ;({ dir: root, cleanup } = await makeTempDir('tilelab-info-'))
  study = join(root, 'BraTS2021_00042')
  const dims: [number, number, number] = [4, 3, 5]
  const flair = Array.from({ length: 60 }, (_, n) => n)
  const seg = new Array(60).fill(0)
  seg[12] = 1
  seg[36] = 2
  seg[37] = 4
  await writeNifti(join(study, 'BraTS2021_00042_flair.nii.gz'), flair, { dims, affine: BRATS_AFFINE, datatype: 'int16', gzip: true })
  await writeNifti(join(study, 'BraTS2021_00042_seg.nii.gz'), seg, { dims, affine: BRATS_AFFINE, datatype: 'uint8', gzip: true })
})
afterAll(() => cleanup())


describe('tilelab info', () => {
  it('is registered', () => {
    expect(buildProgram().commands.map((c) => c.name())).toContain('info')
  })

  it('--json prints one object with the documented keys', async () => {
    const { status, stdout } = await captureCli(['info', study, '--json'])
    expect(status).toBe(0)
    const info = JSON.parse(stdout)
    expect(info).toEqual({
      name: 'BraTS2021_00042',
      path: study,
      image: join(study, 'BraTS2021_00042_flair.nii.gz'),
      label: join(study, 'BraTS2021_00042_seg.nii.gz'),
      dims: [4, 3, 5],
      voxelSizeMm: [1, 1, 1],
      datatype: 'int16',
      labelDatatype: 'uint8',
      orientation: 'LPS',
      affine: BRATS_AFFINE,
      intensityRange: [0, 59],
      labelValues: [0, 1, 2, 4],
      wholeTumorVoxels: 3,
      maxTumorSlice: 3,
      maxTumorSlicePixels: 2,
      tumorSlices: 2,
    })
  })

  it('prints a readable summary; a single NIfTI file is a study without label', async () => {
    const text = await captureCli(['info', study])
    expect(text.stdout).toMatch(/dims\s+4 × 3 × 5 voxels/)
    expect(text.stdout).toMatch(/label values\s+0, 1, 2, 4/)
    expect(text.stdout).toMatch(/max tumour slice\s+3 \(2 pixels\)/)
    const file = join(study, 'BraTS2021_00042_flair.nii.gz')
    const { stdout } = await captureCli(['info', file, '--json'])
    expect(JSON.parse(stdout)).toMatchObject({ label: null, labelValues: [], wholeTumorVoxels: null, maxTumorSlice: null })
  })

  it('errors are one line naming the file, with a non-zero status', async () => {
    const { status, stdout, stderr } = await captureCli(['info', study, '--label', join(study, 'missing_seg.nii.gz')])
    expect(status).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toBe(`tilelab: E_IO: ${join(study, 'missing_seg.nii.gz')}: label file does not exist\n`)
  })
})
