/**
 * The eleven real BraTS cases in ../shared/data/real (see its README): every study loads with the right grid,
 * datatype, label values, whole-tumour voxel count and max-tumour slice, and `tilelab info --json` agrees.
 *
 * Reference values were computed once, independently, with nibabel 5 (Debian python3-nibabel), by:
 *
 *   import nibabel as nib, numpy as np
 *   im, lb = nib.load(flair), nib.load(label)
 *   x = im.get_fdata(dtype=np.float64); y = np.round(np.asarray(lb.dataobj).astype(np.float64))
 *   wt = y > 0; per = wt.sum(axis=(0, 1))
 *   dims = im.shape; imageDtype = im.get_data_dtype(); labelValues = np.unique(y)
 *   wholeTumorVoxels = wt.sum(); maxTumorSlice = np.argmax(per) (first maximum); maxTumorPixels = per.max()
 *   imageSum = x.sum(); voxel = x[120, 120, 77]
 *   brainmask: (nib.load(mask).get_fdata() > 0.5).sum()   (nibabel applies scl_slope 2^-32, scl_inter 0.5)
 *
 * Skipped, with the reason printed, when the data folder is absent or TILELAB_QUICK=1.
 */
import { describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadStudy } from '../../src-main/engine/io/study'
import { findStudies } from '../../src-main/engine/io/cohort'
import { readNifti, readNiftiHeader } from '../../src-main/engine/io/niftiRead'

const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)))
const REAL = resolve(REPO_ROOT, '../shared/data/real')
const skipReason = process.env.TILELAB_QUICK === '1'
  ? 'TILELAB_QUICK=1'
  : existsSync(REAL)
    ? null
    : `real BraTS data not found at ${REAL} (see the brief: tests read ../shared/data/real)`
if (skipReason) console.warn(`realStudies.int.test.ts skipped: ${skipReason}`)

interface Reference {
  path: string
  name: string
  image: string
  label: string
  datatype: string
  labelDatatype: string
  labelValues: number[]
  wholeTumorVoxels: number
  maxTumorSlice: number
  maxTumorPixels: number
  imageSum: number
  voxel_120_120_77: number
}

const r = (
  path: string, name: string, image: string, label: string, datatype: string, labelDatatype: string,
  labelValues: number[], wholeTumorVoxels: number, maxTumorSlice: number, maxTumorPixels: number,
  imageSum: number, voxel_120_120_77: number,
): Reference => ({ path, name, image, label, datatype, labelDatatype, labelValues, wholeTumorVoxels, maxTumorSlice, maxTumorPixels, imageSum, voxel_120_120_77 })

const B18 = ['FLAIR.nii.gz', 'GT_W.nii.gz', 'float32', 'float32', [0, 1]] as const
const B15 = ['Flair_subtrMeanDivStd.nii.gz', 'OTMultiClass.nii.gz', 'float32', 'float32', [0, 1, 2, 3, 4]] as const

const REFERENCE: Reference[] = [
  r('brats2015-normalized/brats_2013_pat0001_1', 'brats_2013_pat0001_1', B15[0], B15[1], B15[2], B15[3], [...B15[4]], 111724, 63, 2458, -26992285.66073341, 0.1203179880976677),
  r('brats2015-normalized/brats_2013_pat0002_1', 'brats_2013_pat0002_1', B15[0], B15[1], B15[2], B15[3], [...B15[4]], 63061, 104, 1579, -23616374.112101823, -0.37222161889076233),
  r('brats2015-normalized/brats_2013_pat0005_1', 'brats_2013_pat0005_1', B15[0], B15[1], B15[2], B15[3], [...B15[4]], 80682, 100, 1715, -26602269.676620055, -1.3379695415496826),
  r('brats2015-normalized/brats_2013_pat0006_1', 'brats_2013_pat0006_1', B15[0], B15[1], B15[2], B15[3], [...B15[4]], 217380, 90, 5165, -29866526.85736833, 1.1628377437591553),
  r('brats2018-whole-tumor/case_0', 'case_0', B18[0], B18[1], B18[2], B18[3], [...B18[4]], 68118, 100, 1889, 276893028, 247),
  r('brats2018-whole-tumor/case_1', 'case_1', B18[0], B18[1], B18[2], B18[3], [...B18[4]], 168187, 73, 3996, 196659317, 149),
  r('brats2018-whole-tumor/case_2', 'case_2', B18[0], B18[1], B18[2], B18[3], [...B18[4]], 37429, 53, 1475, 361604381, 175),
  r('brats2018-whole-tumor/case_3', 'case_3', B18[0], B18[1], B18[2], B18[3], [...B18[4]], 83418, 88, 1875, 250898351, 197),
  r('brats2018-whole-tumor/case_4', 'case_4', B18[0], B18[1], B18[2], B18[3], [...B18[4]], 138051, 70, 3178, 612133527, 311),
  r('brats2018-whole-tumor/case_5', 'case_5', B18[0], B18[1], B18[2], B18[3], [...B18[4]], 211979, 67, 5048, 232323666, 333),
  r('brats2021/BraTS2021_00006', 'BraTS2021_00006', 'BraTS2021_00006_flair.nii.gz', 'BraTS2021_00006_seg.nii.gz', 'int16', 'uint8', [0, 1, 2, 4], 137911, 69, 3600, 1983200985, 1184),
]

/** brainmask.nii.gz voxels > 0.5 after scaling (int32, scl_slope 2^-32, scl_inter 0.5). */
const BRAINMASK_VOXELS: Record<string, number> = {
  brats_2013_pat0001_1: 1487565,
  brats_2013_pat0002_1: 1585473,
  brats_2013_pat0005_1: 1523743,
  brats_2013_pat0006_1: 1084095,
}

const BRATS_AFFINE = [
  [-1, 0, 0, 0],
  [0, -1, 0, 239],
  [0, 0, 1, 0],
  [0, 0, 0, 1],
]

describe.skipIf(skipReason !== null)('real BraTS studies (../shared/data/real)', () => {
  it('the folder is a cohort of 11 studies, all discovered', async () => {
    const cohort = await findStudies(REAL)
    expect(cohort.failures).toEqual([])
    expect(cohort.studies.map((s) => s.path)).toEqual(REFERENCE.map((ref) => join(REAL, ref.path)))
    for (const [i, s] of cohort.studies.entries()) {
      expect(s.imagePath).toBe(join(REAL, REFERENCE[i].path, REFERENCE[i].image))
      expect(s.labelPath).toBe(join(REAL, REFERENCE[i].path, REFERENCE[i].label))
    }
  })

  for (const ref of REFERENCE) {
    it(`${ref.path}: grid, datatype, labels, whole tumour, max-tumour slice`, async () => {
      const s = await loadStudy(join(REAL, ref.path))
      expect(s.name).toBe(ref.name)
      expect(s.image.dims).toEqual([240, 240, 155])
      expect(s.image.spacingMm).toEqual([1, 1, 1])
      expect(s.image.affine).toEqual(BRATS_AFFINE)
      expect(s.image.orientation).toBe('LPS')
      expect(s.image.datatype).toBe(ref.datatype)
      expect(s.label!.datatype).toBe(ref.labelDatatype)
      expect(s.label!.labelValues).toEqual(ref.labelValues)
      expect(s.tumorPixelsPerSlice.reduce((a, b) => a + b, 0)).toBe(ref.wholeTumorVoxels)
      expect(s.wholeTumor!.reduce((a, b) => a + b, 0)).toBe(ref.wholeTumorVoxels)
      expect(s.maxTumorSlice).toBe(ref.maxTumorSlice)
      expect(s.tumorPixelsPerSlice[ref.maxTumorSlice]).toBe(ref.maxTumorPixels)
      expect(s.image.data[120 + 240 * (120 + 240 * 77)]).toBeCloseTo(ref.voxel_120_120_77, 5)
      let sum = 0
      for (const v of s.image.data) sum += v
      expect(Math.abs(sum - ref.imageSum)).toBeLessThan(1e-6 * Math.max(1, Math.abs(ref.imageSum)) + 1)
    })
  }

  it('the BraTS 2015 brain masks (int32, scl_slope 2^-32, scl_inter 0.5) read as 0/1', async () => {
    for (const [name, voxels] of Object.entries(BRAINMASK_VOXELS)) {
      const path = join(REAL, 'brats2015-normalized', name, 'brainmask.nii.gz')
      const h = await readNiftiHeader(path)
      expect(h).toMatchObject({ datatype: 'int32', scaled: true, sclInter: 0.5 })
      expect(h.sclSlope).toBe(2 ** -32)
      const v = await readNifti(path)
      let ones = 0
      let others = 0
      for (const x of v.data) {
        if (x === 1) ones++
        else if (x !== 0) others++
      }
      expect(others).toBe(0)
      expect(ones).toBe(voxels)
    }
  })

  it('the BraTS 2015 label has qform_code 2 > sform_code 1; the sform is used (same grid here)', async () => {
    const h = await readNiftiHeader(join(REAL, 'brats2015-normalized/brats_2013_pat0001_1/OTMultiClass.nii.gz'))
    expect(h).toMatchObject({ qformCode: 2, sformCode: 1, affineSource: 'sform', orientation: 'LPS' })
  })

  it('`tilelab info --json` on BraTS2021_00006', () => {
    const study = join(REAL, 'brats2021/BraTS2021_00006')
    const res = spawnSync(process.execPath, ['src-main/cli/bin.mjs', 'info', study, '--json'], { cwd: REPO_ROOT, encoding: 'utf8' })
    expect(res.stderr).toBe('')
    expect(res.status).toBe(0)
    const lines = res.stdout.trim().split('\n')
    expect(lines).toHaveLength(1)
    const info = JSON.parse(lines[0])
    expect(info).toMatchObject({
      name: 'BraTS2021_00006',
      image: join(study, 'BraTS2021_00006_flair.nii.gz'),
      label: join(study, 'BraTS2021_00006_seg.nii.gz'),
      dims: [240, 240, 155],
      voxelSizeMm: [1, 1, 1],
      datatype: 'int16',
      orientation: 'LPS',
      labelValues: [0, 1, 2, 4],
      wholeTumorVoxels: 137911,
      maxTumorSlice: 69,
      maxTumorSlicePixels: 3600,
    })
  })

  it('`tilelab info` errors: one line naming the file, non-zero exit', () => {
    const missing = join(REAL, 'brats2021/no-such-case')
    const res = spawnSync(process.execPath, ['src-main/cli/bin.mjs', 'info', missing], { cwd: REPO_ROOT, encoding: 'utf8' })
    expect(res.status).toBe(1)
    expect(res.stdout).toBe('')
    expect(res.stderr.trim().split('\n')).toEqual([`tilelab: E_IO: ${missing}: no such study folder or file`])
    const geometry = spawnSync(
      process.execPath,
      ['src-main/cli/bin.mjs', 'info', join(REAL, 'brats2021/BraTS2021_00006'), '--image', join(REAL, 'brats2015-normalized/brats_2013_pat0001_1/brainmask.nii.gz'), '--label', join(REAL, 'brats2021/BraTS2021_00006/BraTS2021_00006_flair.nii.gz')],
      { cwd: REPO_ROOT, encoding: 'utf8' },
    )
    expect(geometry.status).toBe(1)
    expect(geometry.stderr).toMatch(/^tilelab: E_LABEL: .*BraTS2021_00006_flair\.nii\.gz: label value 406 outside 0\.\.255$/m)
  })
})
