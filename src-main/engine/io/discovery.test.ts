import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { EngineError } from '../../common/errors'
import { classifyNiftiName, discoverStudy } from './discovery'
import { makeTempDir, put } from '../../../test/helpers/niftiFixtures'

let root: string
let cleanup: () => Promise<void>
beforeAll(async () => ({ dir: root, cleanup } = await makeTempDir('tilelab-discovery-')))
afterAll(() => cleanup())

/** A study folder holding empty files with these names (discovery reads names only). */
async function folder(name: string, files: string[], extra: Record<string, string> = {}): Promise<string> {
  for (const f of files) await put(root, join(name, f))
  for (const [f, text] of Object.entries(extra)) await put(root, join(name, f), text)
  return join(root, name)
}

async function discoveryError(p: Promise<unknown>): Promise<EngineError> {
  const e = await p.then(() => null, (x: unknown) => x)
  expect(e).toBeInstanceOf(EngineError)
  return e as EngineError
}

describe('classifyNiftiName', () => {
  it.each([
    ['BraTS2021_00006_flair.nii.gz', 'flair'],
    ['BraTS2021_00006_seg.nii.gz', 'label'],
    ['BraTS2021_00006_t1.nii.gz', 'modality'],
    ['BraTS2021_00006_t1ce.nii.gz', 'modality'],
    ['BraTS2021_00006_t2.nii.gz', 'modality'],
    ['BraTS-GLI-00000-000-t2f.nii.gz', 'flair'],
    ['BraTS-GLI-00000-000-seg.nii.gz', 'label'],
    ['BraTS-GLI-00000-000-t1c.nii.gz', 'modality'],
    ['BraTS-GLI-00000-000-t1n.nii.gz', 'modality'],
    ['BraTS-GLI-00000-000-t2w.nii.gz', 'modality'],
    ['FLAIR.nii.gz', 'flair'],
    ['Flair_subtrMeanDivStd.nii.gz', 'flair'],
    ['flair.NII', 'flair'],
    ['GT_W.nii.gz', 'label'],
    ['gt.nii', 'label'],
    ['tumor_label.nii', 'label'],
    ['labels.nii.gz', 'label'],
    ['tumour_mask.nii.gz', 'label'],
    ['OTMultiClass.nii.gz', 'label'],
    ['VSD.Brain_3more.XX.O.OT.54517.nii', 'label'],
    ['ground_truth.nii.gz', 'label'],
    ['brainmask.nii.gz', 'brainmask'],
    ['BrainMask.nii.gz', 'brainmask'],
    ['case_mask_brain.nii.gz', 'brainmask'],
    ['brain_mask.nii.gz', 'brainmask'],
    ['flair_masked.nii.gz', 'flair'],
    ['image.nii.gz', 'other'],
    ['other.nii.gz', 'other'],
    ['gt_case_flair.nii.gz', 'flair'],
    ['no-label_flair.nii.gz', 'flair'],
    ['mask_study_t1.nii.gz', 'modality'],
    ['labelled-study_seg.nii.gz', 'label'],
  ])('%s → %s', (name, role) => {
    expect(classifyNiftiName(name)).toBe(role)
  })
})

describe('discoverStudy by names', () => {
  it('BraTS 2017-2021 layout: FLAIR and seg among t1/t1ce/t2; name = case id', async () => {
    const dir = await folder('BraTS2021_00006', ['t1', 't1ce', 't2', 'flair', 'seg'].map((m) => `BraTS2021_00006_${m}.nii.gz`))
    expect(await discoverStudy(dir)).toEqual({
      name: 'BraTS2021_00006',
      path: dir,
      imagePath: join(dir, 'BraTS2021_00006_flair.nii.gz'),
      labelPath: join(dir, 'BraTS2021_00006_seg.nii.gz'),
      source: 'names',
    })
  })

  it('BraTS 2023+ layout: -t2f and -seg', async () => {
    const id = 'BraTS-GLI-00000-000'
    const dir = await folder(id, ['t1c', 't1n', 't2f', 't2w', 'seg'].map((m) => `${id}-${m}.nii.gz`))
    const s = await discoverStudy(dir)
    expect(s).toMatchObject({ name: id, imagePath: join(dir, `${id}-t2f.nii.gz`), labelPath: join(dir, `${id}-seg.nii.gz`) })
  })

  it('BraTS 2018 whole-tumour variant: FLAIR + GT_W; name = folder', async () => {
    const dir = await folder('case_0', ['FLAIR.nii.gz', 'GT_W.nii.gz'], { 'subject_id.txt': 'Brats18_x' })
    expect(await discoverStudy(dir)).toMatchObject({ name: 'case_0', imagePath: join(dir, 'FLAIR.nii.gz'), labelPath: join(dir, 'GT_W.nii.gz') })
  })

  it('BraTS 2015 variant: Flair* + OTMultiClass; the brain mask is not a label', async () => {
    const dir = await folder('brats_2013_pat0001_1', ['Flair_subtrMeanDivStd.nii.gz', 'OTMultiClass.nii.gz', 'brainmask.nii.gz'])
    expect(await discoverStudy(dir)).toMatchObject({
      imagePath: join(dir, 'Flair_subtrMeanDivStd.nii.gz'),
      labelPath: join(dir, 'OTMultiClass.nii.gz'),
    })
  })

  it('a brain mask alone is not a tumour label', async () => {
    const dir = await folder('masks-only', ['flair.nii', 'brainmask.nii.gz', 'sub_mask_brain.nii.gz'])
    expect(await discoverStudy(dir)).toMatchObject({ imagePath: join(dir, 'flair.nii'), labelPath: null })
  })

  it('*label* and *mask* variants, case-insensitive, .nii and .nii.gz', async () => {
    const a = await folder('variant-a', ['T2_FLAIR.NII.GZ', 'Tumor_Label.nii'])
    expect(await discoverStudy(a)).toMatchObject({ imagePath: join(a, 'T2_FLAIR.NII.GZ'), labelPath: join(a, 'Tumor_Label.nii') })
    const b = await folder('variant-b', ['flair.nii', 'lesion_MASK.nii.gz'])
    expect(await discoverStudy(b)).toMatchObject({ labelPath: join(b, 'lesion_MASK.nii.gz') })
  })

  it('without a FLAIR name, a single unnamed image is the image', async () => {
    const dir = await folder('generic', ['image.nii.gz', 'label.nii.gz'])
    expect(await discoverStudy(dir)).toMatchObject({ name: 'generic', imagePath: join(dir, 'image.nii.gz'), labelPath: join(dir, 'label.nii.gz') })
  })

  it('refuses and lists candidates when it cannot decide', async () => {
    const twoFlair = await folder('two-flair', ['a_flair.nii.gz', 'b_flair.nii.gz', 'seg.nii.gz'])
    const e1 = await discoveryError(discoverStudy(twoFlair))
    expect(e1.code).toBe('E_STUDY')
    expect(e1.message).toMatch(twoFlair)
    expect(e1.message).toMatch(/a_flair\.nii\.gz, b_flair\.nii\.gz/)
    const twoLabels = await folder('two-labels', ['flair.nii.gz', 'GT.nii.gz', 'case_seg.nii.gz'])
    const e2 = await discoveryError(discoverStudy(twoLabels))
    expect(e2.message).toMatch(/several tumour label candidates: GT\.nii\.gz, case_seg\.nii\.gz/)
    const noFlair = await folder('no-flair', ['x.nii', 'y.nii'])
    expect((await discoveryError(discoverStudy(noFlair))).message).toMatch(/no FLAIR image found.*x\.nii, y\.nii/)
    const onlyModalities = await folder('no-flair-2', ['c_t1.nii.gz', 'c_t2.nii.gz', 'c_seg.nii.gz'])
    expect((await discoveryError(discoverStudy(onlyModalities))).message).toMatch(/no FLAIR image found/)
    const empty = await folder('empty', [], { 'notes.txt': 'x' })
    expect((await discoveryError(discoverStudy(empty))).message).toMatch(/no NIfTI files/)
  })
})

describe('discoverStudy: study.json and explicit options win', () => {
  it('study.json names the files (relative to the folder), even among ambiguous names', async () => {
    const dir = await folder('with-json', ['a_flair.nii.gz', 'b_flair.nii.gz', 'sub/GT.nii.gz', 'seg.nii.gz', 'mask.nii.gz'], {
      'study.json': JSON.stringify({ image: 'b_flair.nii.gz', label: 'sub/GT.nii.gz' }),
    })
    expect(await discoverStudy(dir)).toMatchObject({
      imagePath: join(dir, 'b_flair.nii.gz'),
      labelPath: join(dir, 'sub/GT.nii.gz'),
      source: 'study.json',
    })
  })

  it('study.json with label null means no label', async () => {
    const dir = await folder('json-nolabel', ['flair.nii', 'seg.nii'], { 'study.json': '{"label": null}' })
    expect(await discoverStudy(dir)).toMatchObject({ imagePath: join(dir, 'flair.nii'), labelPath: null, source: 'study.json' })
  })

  it('an invalid study.json or one naming a missing file is an error naming it', async () => {
    const bad = await folder('json-bad', ['flair.nii'], { 'study.json': '{"image": 3}' })
    const e = await discoveryError(discoverStudy(bad))
    expect(e.code).toBe('E_STUDY')
    expect(e.message).toMatch(join(bad, 'study.json'))
    const missing = await folder('json-missing', ['flair.nii'], { 'study.json': '{"label": "nope.nii.gz"}' })
    const e2 = await discoveryError(discoverStudy(missing))
    expect(e2.code).toBe('E_IO')
    expect(e2.message).toMatch(/nope\.nii\.gz: label file \(named by .*study\.json\) does not exist/)
  })

  it('explicit image/label win over study.json and names', async () => {
    const dir = await folder('with-options', ['a_flair.nii.gz', 'b_flair.nii.gz', 'x.nii', 'y.nii'], {
      'study.json': JSON.stringify({ image: 'a_flair.nii.gz', label: 'x.nii' }),
    })
    expect(await discoverStudy(dir, { image: join(dir, 'b_flair.nii.gz'), label: join(dir, 'y.nii') })).toMatchObject({
      imagePath: join(dir, 'b_flair.nii.gz'),
      labelPath: join(dir, 'y.nii'),
      source: 'options',
    })
    // only --label: the image still comes from study.json
    expect(await discoverStudy(dir, { label: join(dir, 'y.nii') })).toMatchObject({ imagePath: join(dir, 'a_flair.nii.gz') })
    expect((await discoveryError(discoverStudy(dir, { image: join(dir, 'missing.nii') }))).code).toBe('E_IO')
  })

  it('a path to a single NIfTI file is a study with that image and no label', async () => {
    const dir = await folder('single', ['BraTS2021_00001_flair.nii.gz', 'BraTS2021_00001_seg.nii.gz'])
    const file = join(dir, 'BraTS2021_00001_flair.nii.gz')
    expect(await discoverStudy(file)).toEqual({ name: 'BraTS2021_00001', path: file, imagePath: file, labelPath: null, source: 'file' })
    const withLabel = await discoverStudy(file, { label: join(dir, 'BraTS2021_00001_seg.nii.gz') })
    expect(withLabel.labelPath).toBe(join(dir, 'BraTS2021_00001_seg.nii.gz'))
  })

  it('a missing path is E_IO', async () => {
    expect((await discoveryError(discoverStudy(join(root, 'does-not-exist')))).code).toBe('E_IO')
  })
})
