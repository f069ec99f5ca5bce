import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CancellationTokenSource } from '../../common/cancellation'
import type { EvalEvent } from '../../common/events'
import { makeTempDir } from '../../../test/helpers/niftiFixtures'
import { contextPredictor, writeCorruptStudy, writeSyntheticStudy } from '../../../test/helpers/syntheticStudies'
import { bootstrapMeanCI, clusterBootstrapMeanCI } from './bootstrap'
import { evaluateCohort, type EvaluateCohortOptions } from './evaluateCohort'
import { mergeEvaluations } from './mergeEvaluations'
import { signedRankTest } from './signedRankTest'
import { SLICE_COLUMNS, parseSliceCsv } from './sliceTable'
import type { EvaluationSummary } from './summary'

let root: string
let cleanup: () => Promise<void>
let cohort: string
const TILING = { tile: 32, overlap: 0.5, blend: 'mean' } as const

beforeAll(async () => {
  ;({ dir: root, cleanup } = await makeTempDir('tilelab-eval-'))
  cohort = join(root, 'cohort')
  // Two groups, as BraTS HGG/LGG, 64×64×12 each; one corrupt study and one without a label.
  await writeSyntheticStudy(join(cohort, 'HGG'), 'BraTS_001', { seed: 1 })
  await writeSyntheticStudy(join(cohort, 'HGG'), 'BraTS_002', { seed: 2 })
  await writeSyntheticStudy(join(cohort, 'LGG'), 'BraTS_003', { seed: 3, dims: [48, 64, 10] })
  await writeCorruptStudy(join(cohort, 'LGG'), 'BraTS_004')
  await writeSyntheticStudy(join(cohort, 'LGG'), 'BraTS_005', { seed: 5, label: false })
})
afterAll(() => cleanup())

function options(out: string, extra: Partial<EvaluateCohortOptions> = {}): EvaluateCohortOptions {
  return {
    data: cohort,
    out: join(root, out),
    predictor: contextPredictor(),
    model: { name: 'context-oracle', dir: null, fingerprint: 'test' },
    tiling: TILING,
    panels: 3,
    bootstrapResamples: 500,
    ...extra,
  }
}

/** summary.json without the timing fields. */
function numbers(s: EvaluationSummary): unknown {
  return { ...s, seconds: 0, perStudy: s.perStudy.map((p) => ({ ...p, seconds: 0 })) }
}

describe('evaluateCohort', () => {
  let full: EvaluationSummary
  const events: EvalEvent[] = []

  beforeAll(async () => {
    full = (await evaluateCohort(options('full', { onEvent: (e) => events.push(e) }))).summary
  })

  it('evaluates every slice of every labelled study; the corrupt one is reported as failed, the unlabelled one skipped', async () => {
    expect(full.studies).toBe(3)
    expect(full.slices).toBe(12 + 12 + 10)
    expect(full.failed).toHaveLength(1)
    expect(full.failed[0].study).toBe('LGG/BraTS_004')
    expect(full.failed[0].error).toMatch(/^E_NIFTI: .*BraTS_004_flair\.nii\.gz: not a NIfTI file/)
    expect(full.skipped).toEqual([{ study: 'LGG/BraTS_005', reason: expect.stringMatching(/no ground-truth label/) }])
    expect(full.perStudy.map((p) => p.study)).toEqual(['HGG/BraTS_001', 'HGG/BraTS_002', 'LGG/BraTS_003'])
    expect(full.tilesPerSlice).toBeCloseTo((24 * 9 + 10 * 6) / 34, 12) // 64×64 → 3×3 tiles, 48×64 → 3×2
    // the context oracle makes tiling matter: not every slice is a tie
    expect(full.counts.fullBetter).toBeGreaterThan(0)
    expect(full.counts.fullBetterOrEqual).toBeLessThan(full.slices)
  })

  it('streams events: start, a study event per study, one slice event per slice with progress, the failure, end', () => {
    expect(events[0]).toMatchObject({ type: 'start', studies: 5, model: 'context-oracle', backend: 'oracle-context', resumed: 0 })
    expect(events.filter((e) => e.type === 'study')).toHaveLength(3)
    const slices = events.filter((e) => e.type === 'slice')
    expect(slices).toHaveLength(34)
    expect(slices.map((e) => e.done)).toEqual(Array.from({ length: 34 }, (_, i) => i + 1))
    expect(events.find((e) => e.type === 'studyFailed')).toMatchObject({ study: 'LGG/BraTS_004' })
    expect(events.at(-1)).toMatchObject({ type: 'end', outcome: 'ok' })
  })

  it('every number in summary.json is recomputed from slices.csv alone', async () => {
    const out = join(root, 'full')
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as EvaluationSummary
    const csv = await readFile(join(out, 'slices.csv'), 'utf8')
    expect(csv.split('\n')[0]).toBe(SLICE_COLUMNS.join(','))
    const rows = parseSliceCsv(csv)
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
    const d = rows.map((r) => r.diceFull - r.diceTiled)
    rows.forEach((r, i) => expect(r.difference).toBe(d[i]))
    expect(summary.slices).toBe(rows.length)
    expect(summary.studies).toBe(new Set(rows.map((r) => r.study)).size)
    expect(summary.meanDiceFull).toBeCloseTo(mean(rows.map((r) => r.diceFull)), 14)
    expect(summary.meanDiceTiled).toBeCloseTo(mean(rows.map((r) => r.diceTiled)), 14)
    expect(summary.meanDiceTiledThresholded).toBeCloseTo(mean(rows.map((r) => r.diceTiledThresholded)), 14)
    expect(summary.meanDifference).toBeCloseTo(mean(d), 14)
    expect(summary.fractionFullBetter).toBe(d.filter((x) => x > 0).length / rows.length)
    expect(summary.fractionFullBetterOrEqual).toBe(d.filter((x) => x >= 0).length / rows.length)
    expect(summary.fractionFullBetterBy0_1).toBe(d.filter((x) => x > 0.1).length / rows.length)
    expect(summary.fractionTiledBetterBy0_1).toBe(d.filter((x) => x < -0.1).length / rows.length)
    expect(summary.differenceCI95).toEqual(bootstrapMeanCI(d, { resamples: 500, seed: 0 }))
    expect(summary.differenceCI95ByStudy).toEqual(clusterBootstrapMeanCI(d, rows.map((r) => r.study), { resamples: 500, seed: 0 }))
    expect(summary.wilcoxonP).toBe(signedRankTest(d)!.pValue)
    const bf = rows.flatMap((r) => (r.binaryDiceFull === null ? [] : [r.binaryDiceFull]))
    const bt = rows.flatMap((r) => (r.binaryDiceTiled === null ? [] : [r.binaryDiceTiled]))
    expect(summary.binary.meanDiceFull).toBeCloseTo(mean(bf), 14)
    expect(summary.binary.meanDiceTiled).toBeCloseTo(mean(bt), 14)
    expect(summary.binary.excludedEmptyFull).toBe(rows.length - bf.length)
    expect(summary.binary.excludedEmptyTiled).toBe(rows.length - bt.length)
    const paired = rows.filter((r) => r.binaryDiceFull !== null && r.binaryDiceTiled !== null)
    expect(summary.binary.excludedEmpty).toBe(rows.length - paired.length)
    expect(summary.tumorSlices.slices).toBe(rows.filter((r) => r.tumorPixels > 0).length)
    expect(summary.tilesPerSlice).toBeCloseTo(mean(rows.map((r) => r.tilesPerSlice)), 14)
    for (const p of summary.perStudy) {
      const own = rows.filter((r) => r.study === p.study)
      expect(p.slices).toBe(own.length)
      expect(p.meanDiceFull).toBeCloseTo(mean(own.map((r) => r.diceFull)), 14)
      expect(p.meanDifference).toBeCloseTo(mean(own.map((r) => r.difference)), 14)
    }
    // the binary columns: empty cells for undefined Dice, and tumour/false-positive counts consistent
    expect(csv).toMatch(/,,/)
    for (const r of rows) {
      expect(r.falseNegativesFull).toBeLessThanOrEqual(r.tumorPixels)
      expect(r.predictedPixelsFull - r.falsePositivesFull + r.falseNegativesFull).toBe(r.tumorPixels)
    }
  })

  it('writes a self-contained report.html with both charts and the worst-slice pictures', async () => {
    const out = join(root, 'full')
    const html = await readFile(join(out, 'report.html'), 'utf8')
    expect(html).toContain('Whole image better →')
    expect(html).toContain('← Tiling better')
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(2)
    expect((html.match(/src="data:image\/png;base64,/g) ?? []).length).toBe(3)
    expect(html).not.toMatch(/(src|href)="https?:/)
    expect(html).toContain('0.874')
    // up to 3 per study, at least 5 slices apart
    const panels = (await readdir(join(out, 'panels'))).sort()
    for (const study of ['HGG_BraTS_001', 'HGG_BraTS_002', 'LGG_BraTS_003']) {
      const z = panels.filter((p) => p.startsWith(study)).map((p) => Number(/_z(\d+)\.png$/.exec(p)![1]))
      expect(z.length).toBeGreaterThanOrEqual(1)
      expect(z.length).toBeLessThanOrEqual(3)
      for (let i = 1; i < z.length; i++) expect(z[i] - z[i - 1]).toBeGreaterThanOrEqual(5)
    }
  })

  it('--resume after a cancellation gives the same slices.csv and numbers as one uninterrupted run', async () => {
    const source = new CancellationTokenSource()
    let seen = 0
    const first = evaluateCohort(
      options('resumed', {
        token: source.token,
        onEvent: (e) => {
          if (e.type === 'slice' && ++seen === 15) source.cancel() // in the middle of the second study
        },
      }),
    )
    await expect(first).rejects.toMatchObject({ code: 'E_CANCELLED' })
    const partsBefore = await readdir(join(root, 'resumed', 'parts'))
    expect(partsBefore).toHaveLength(1)
    const resumedEvents: EvalEvent[] = []
    const resumed = await evaluateCohort(options('resumed', { resume: true, onEvent: (e) => resumedEvents.push(e) }))
    expect(resumed.resumedStudies).toBe(1)
    expect(resumedEvents[0]).toMatchObject({ type: 'start', resumed: 1 })
    expect(resumedEvents.filter((e) => e.type === 'slice')).toHaveLength(34 - 12)
    expect(await readFile(join(root, 'resumed', 'slices.csv'), 'utf8')).toBe(await readFile(join(root, 'full', 'slices.csv'), 'utf8'))
    expect(numbers(resumed.summary)).toEqual(numbers(full))
  })

  it('refuses to resume with different settings, naming each difference, and refuses to overwrite without --resume', async () => {
    await expect(evaluateCohort(options('full', { resume: true, tiling: { ...TILING, tile: 48 } }))).rejects.toThrow(
      /cannot resume .*settings differ.*tile: 32 on disk, 48 requested/,
    )
    await expect(
      evaluateCohort(options('full', { resume: true, model: { name: 'context-oracle', dir: null, fingerprint: 'other' } })),
    ).rejects.toThrow(/model: .*"fingerprint":"test".* on disk, .*"fingerprint":"other".* requested/)
    await expect(evaluateCohort(options('full'))).rejects.toThrow(/already holds an evaluation .*--resume/)
  })

  it('two shards merged equal one run: byte-identical slices.csv, equal numbers', async () => {
    const s0 = await evaluateCohort(options('shard0', { shard: { index: 0, count: 2 }, report: false }))
    const s1 = await evaluateCohort(options('shard1', { shard: { index: 1, count: 2 }, report: false }))
    // round-robin over the 5 sorted study folders: 0, 2, 4 → shard 0; 1, 3 → shard 1
    expect(s0.summary.perStudy.map((p) => p.study)).toEqual(['HGG/BraTS_001', 'LGG/BraTS_003'])
    expect(s0.summary.skipped.map((p) => p.study)).toEqual(['LGG/BraTS_005'])
    expect(s1.summary.failed.map((p) => p.study)).toEqual(['LGG/BraTS_004'])
    expect(s0.summary.shard).toEqual({ index: 0, count: 2 })
    const merged = await mergeEvaluations([join(root, 'shard1'), join(root, 'shard0')], join(root, 'merged'))
    expect(await readFile(join(root, 'merged', 'slices.csv'), 'utf8')).toBe(await readFile(join(root, 'full', 'slices.csv'), 'utf8'))
    expect(numbers(merged)).toEqual(numbers(full))
    expect((await readdir(join(root, 'merged', 'panels'))).sort()).toEqual((await readdir(join(root, 'full', 'panels'))).sort())
  })

  it('merge refuses missing shards, repeated shards and different settings', async () => {
    await expect(mergeEvaluations([join(root, 'shard0')], join(root, 'm1'))).rejects.toThrow(/shards 1\/2 are missing/)
    await expect(mergeEvaluations([join(root, 'shard0'), join(root, 'shard0')], join(root, 'm2'))).rejects.toThrow(/given twice/)
    await expect(mergeEvaluations([join(root, 'shard0'), join(root, 'full')], join(root, 'm3'))).rejects.toThrow(
      /some folders are shards/,
    )
    await evaluateCohort(options('shard1b', { shard: { index: 1, count: 2 }, report: false, bootstrapSeed: 3 }))
    await expect(mergeEvaluations([join(root, 'shard0'), join(root, 'shard1b')], join(root, 'm4'))).rejects.toThrow(
      /different settings: bootstrapSeed: 0 in .*shard0, 3 in .*shard1b/,
    )
  })

  it("slices: 'tumor' keeps only slices with ground truth", async () => {
    const r = await evaluateCohort(options('tumor', { slices: 'tumor', report: false, panels: 0 }))
    expect(r.summary.slices).toBe(full.tumorSlices.slices)
    expect(r.summary.meanDiceFull).toBeCloseTo(full.tumorSlices.meanDiceFull!, 14)
    expect(r.summary.sliceSelection).toBe('tumor')
  })
})
