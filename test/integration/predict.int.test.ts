/**
 * `tilelab predict --all` on real BraTS cases (../shared/data/real, see its README): the canonical BraTS 2021
 * case and one case of each other source, with a tiny freshly initialised U-Net (its Dice means nothing; the
 * pipeline is what is tested). Each run must predict all 155 axial slices, write NIfTI maps that nibabel reads
 * with the source affine, and one PNG per slice holding ground-truth tumour.
 *
 * Skipped, with the reason printed, when the data folder is absent or TILELAB_QUICK=1; the nibabel part is skipped
 * (with a message) when /usr/bin/python3 cannot import nibabel.
 */
import * as tf from '@tensorflow/tfjs'
import { existsSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { runCli } from '../../src-main/cli/main'
import { readNifti } from '../../src-main/engine/io/niftiRead'
import { loadStudy } from '../../src-main/engine/io/study'
import type { PredictionReport } from '../../src-main/engine/prediction/predictionReport'
import { nibabelSummary, nibabelUnavailable } from '../helpers/nibabel'
import { makeTempDir } from '../helpers/niftiFixtures'
import { saveTinyUnet } from '../helpers/tinyModel'

const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)))
const REAL = resolve(REPO_ROOT, '../shared/data/real')
const skipReason =
  process.env.TILELAB_QUICK === '1'
    ? 'TILELAB_QUICK=1'
    : existsSync(REAL)
      ? null
      : `real BraTS data not found at ${REAL} (see the brief: tests read ../shared/data/real)`
if (skipReason) console.warn(`predict.int.test.ts skipped: ${skipReason}`)
const nibabelMissing = nibabelUnavailable()
if (!skipReason && nibabelMissing) console.warn(`predict.int.test.ts: nibabel checks skipped: ${nibabelMissing}`)

const CASES = ['brats2021/BraTS2021_00006', 'brats2018-whole-tumor/case_0', 'brats2015-normalized/brats_2013_pat0001_1']

let root: string
let cleanup: () => Promise<void>
let model: string

describe.skipIf(skipReason !== null)('tilelab predict --all on real BraTS cases', () => {
  beforeAll(async () => {
    ;({ dir: root, cleanup } = await makeTempDir('tilelab-predict-real-'))
    await tf.setBackend('cpu')
    model = await saveTinyUnet(join(root, 'tiny-unet'), { baseFilters: 2, depth: 2 }, 11)
  })
  afterAll(() => cleanup?.())

  it.each(CASES)('%s', async (relative) => {
    const studyDir = join(REAL, relative)
    const out = join(root, relative.replace('/', '_'))
    const stdout: string[] = []
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (stdout.push(String(s)), true))
    const e = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    let status: number
    try {
      status = await runCli(['node', 'tilelab', 'predict', studyDir, '--model', model, '--all', '--backend', 'wasm', '--out', out, '--json'])
    } finally {
      o.mockRestore()
      e.mockRestore()
    }
    expect(status).toBe(0)
    const report = JSON.parse(stdout.join('')) as PredictionReport
    const study = await loadStudy(studyDir)
    expect(report.study.dims).toEqual([240, 240, 155])
    expect(report.predictedSlices).toHaveLength(155)
    expect(report.tiling).toMatchObject({ tile: 128, stride: 64, offsetsY: [0, 64, 112], offsetsX: [0, 64, 112], tilesPerSlice: 9 })
    expect(report.timings.tiled.forwardPasses).toBe(155 * 9)
    const tumourSlices = study.tumorPixelsPerSlice.filter((c) => c > 0).length
    expect(report.summary.tumorSlices).toBe(tumourSlices)
    expect(report.outputs.pngs).toHaveLength(tumourSlices)
    expect((await readdir(join(out, 'pngs'))).length).toBe(tumourSlices)
    for (const s of report.slices) {
      expect(s.diceFull).toBeGreaterThan(0)
      expect(s.diceFull).toBeLessThanOrEqual(1)
    }
    const files = [report.outputs.full, report.outputs.tiled, report.outputs.difference].map((f) => join(out, f))
    const ours = await Promise.all(files.map((f) => readNifti(f)))
    for (const v of ours) {
      expect(v.affine).toEqual(study.image.affine)
      expect(v.dims).toEqual([240, 240, 155])
    }
    console.info(
      `${relative}: predict --all ${(report.timings.totalMs / 1000).toFixed(1)} s (whole ${report.timings.full.msPerSlice.toFixed(0)} ms/slice, ` +
        `tiled ${report.timings.tiled.msPerSlice.toFixed(0)} ms/slice, writing ${(report.timings.writeMs / 1000).toFixed(1)} s, ${report.model.engine})`,
    )
    if (nibabelMissing) return
    const read = nibabelSummary(files)
    read.forEach((r, i) => {
      expect(r.shape).toEqual([240, 240, 155])
      expect(r.dtype).toBe('float32')
      expect(r.affine).toEqual(study.image.affine)
      expect(r.qform).toEqual(study.image.affine)
      expect(r.sum).toBeCloseTo(ours[i].data.reduce((a, b) => a + b, 0), 0)
    })
  }, 600_000)
})
