import { describe, expect, it } from 'vitest'
import { bootstrapMeanCI, clusterBootstrapMeanCI, quantile } from './bootstrap'
import { signedRankTest } from './signedRankTest'
import type { SliceRecord } from './sliceTable'
import { summarize, type SummaryContext } from './summary'

/**
 * A hand-made table of Dice pairs (full, tiled) whose differences sit on the boundaries of the paper's fractions:
 * 0 exactly (twice), +0.1 exactly (0.1 − 0), −0.1 exactly (0 − 0.1), and 0.9 − 0.8 = 0.09999999999999998.
 */
const FULL = [0.9, 0.8, 0.5, 0.75, 0.1, 0, 0.6, 0.95, 0.4, 0.7]
const TILED = [0.8, 0.8, 0.5, 0.625, 0, 0.1, 0.9, 0.5, 0.45, 0.65]

function record(study: string, slice: number, full: number, tiled: number, extra: Partial<SliceRecord> = {}): SliceRecord {
  return {
    study,
    slice,
    tumorPixels: 0,
    diceFull: full,
    diceTiled: tiled,
    diceTiledThresholded: tiled,
    binaryDiceFull: null,
    binaryDiceTiled: null,
    difference: full - tiled,
    falsePositivesFull: 0,
    falseNegativesFull: 0,
    falsePositivesTiled: 0,
    falseNegativesTiled: 0,
    predictedPixelsFull: 0,
    predictedPixelsTiled: 0,
    tilesPerSlice: 9,
    ...extra,
  }
}

const CONTEXT: SummaryContext = {
  data: '/cohort',
  model: { name: 'm', dir: null, fingerprint: null },
  backend: 'oracle',
  tile: 128,
  overlap: 0.5,
  blend: 'mean',
  sliceSelection: 'all',
  normalization: 'slice',
  shard: null,
  bootstrapSeed: 0,
  bootstrapResamples: 2000,
  failed: [],
  skipped: [],
  studySeconds: {},
}

describe('summary statistics on a hand-made table', () => {
  const records = FULL.map((f, i) =>
    record(i < 5 ? 'a' : 'b', i, f, TILED[i], {
      tumorPixels: i % 2 === 0 ? 10 : 0,
      binaryDiceFull: i < 3 ? null : f,
      binaryDiceTiled: i < 2 || i === 9 ? null : TILED[i],
    }),
  )
  const s = summarize(records, CONTEXT)

  it('means of full, tiled, thresholded and of the difference (values computed by hand)', () => {
    expect(s.slices).toBe(10)
    expect(s.studies).toBe(2)
    expect(s.meanDiceFull).toBeCloseTo(0.57, 15)
    expect(s.meanDiceTiled).toBeCloseTo(0.5325, 15)
    expect(s.meanDiceTiledThresholded).toBeCloseTo(0.5325, 15)
    expect(s.meanDifference).toBeCloseTo(0.0375, 15)
  })

  it('fractions at the boundaries: > 0 vs ≥ 0, and 0.1 exactly is not "by more than 0.1" either way', () => {
    // d = [0.0999…98, 0, 0, 0.125, 0.1, −0.1, −0.3…04, 0.449…96, −0.0499…, 0.0499…]
    expect(s.counts).toEqual({ fullBetter: 5, fullBetterOrEqual: 7, fullBetterBy0_1: 2, tiledBetterBy0_1: 1 })
    expect(s.fractionFullBetter).toBe(0.5)
    expect(s.fractionFullBetterOrEqual).toBe(0.7)
    expect(s.fractionFullBetterBy0_1).toBe(0.2)
    expect(s.fractionTiledBetterBy0_1).toBe(0.1)
  })

  it('Wilcoxon p equals scipy.stats.wilcoxon(d, zero_method="wilcox", correction=True, method="approx")', () => {
    // scipy 1.10.1: statistic (min(W+, W−)) 13.5, p 0.574934084570652
    expect(s.wilcoxonP).toBeCloseTo(0.574934084570652, 12)
    expect(s.wilcoxon).toMatchObject({ statistic: 22.5, n: 8, zeros: 2, method: 'normal' })
  })

  it('bootstrap interval is deterministic for a seed, contains the mean, and changes with the seed', () => {
    const [lo, hi] = s.differenceCI95!
    expect(lo).toBeLessThan(s.meanDifference!)
    expect(hi).toBeGreaterThan(s.meanDifference!)
    expect(summarize(records, CONTEXT).differenceCI95).toEqual([lo, hi])
    expect(summarize(records, { ...CONTEXT, bootstrapSeed: 1 }).differenceCI95).not.toEqual([lo, hi])
    expect(s.bootstrap).toEqual({ method: 'percentile', resamples: 2000, seed: 0, level: 0.95 })
  })

  it('binary Dice: each mean over its defined slices, the difference over paired slices', () => {
    // full defined on slices 3..9, tiled on 2..8
    expect(s.binary.meanDiceFull).toBeCloseTo((0.75 + 0.1 + 0 + 0.6 + 0.95 + 0.4 + 0.7) / 7, 15)
    expect(s.binary.meanDiceTiled).toBeCloseTo((0.5 + 0.625 + 0 + 0.1 + 0.9 + 0.5 + 0.45) / 7, 15)
    expect(s.binary.excludedEmptyFull).toBe(3)
    expect(s.binary.excludedEmptyTiled).toBe(3)
    expect(s.binary.pairedSlices).toBe(6)
    expect(s.binary.excludedEmpty).toBe(4)
    expect(s.binary.meanDifference).toBeCloseTo((0.125 + 0.1 - 0.1 - 0.3 + 0.45 - 0.05) / 6, 15)
  })

  it('tumour slices, tiles per slice and per-study means', () => {
    expect(s.tumorSlices.slices).toBe(5)
    expect(s.tumorSlices.meanDiceFull).toBeCloseTo((0.9 + 0.5 + 0.1 + 0.6 + 0.4) / 5, 15)
    expect(s.tilesPerSlice).toBe(9)
    expect(s.perStudy.map((p) => [p.study, p.slices, p.tumorSlices])).toEqual([
      ['a', 5, 3],
      ['b', 5, 2],
    ])
    expect(s.perStudy[0].meanDiceFull).toBeCloseTo((0.9 + 0.8 + 0.5 + 0.75 + 0.1) / 5, 15)
    expect(s.perStudy[1].fractionFullBetter).toBeCloseTo(2 / 5, 15)
  })

  it('no slices: every statistic is null, counts are 0', () => {
    const e = summarize([], CONTEXT)
    expect(e).toMatchObject({
      slices: 0,
      studies: 0,
      meanDiceFull: null,
      meanDifference: null,
      fractionFullBetter: null,
      differenceCI95: null,
      wilcoxonP: null,
      tilesPerSlice: null,
    })
  })
})

describe('signedRankTest', () => {
  it('tiny n, no ties: the exact two-sided p computed by hand', () => {
    // |d| ranks 0.05→1, 0.1→2, 0.2→3, 0.3→4, 0.5→5; W+ = 2 + 4 + 1 + 5 = 12, so W− = 3.
    // P(W− ≤ 3) under H0 = #{subsets of 1..5 with sum ≤ 3} / 2^5 = |{∅, 1, 2, 3, 12}| / 32 = 5/32; p = 2·5/32.
    const r = signedRankTest([0.1, -0.2, 0.3, 0.05, 0.5])!
    expect(r.method).toBe('exact')
    expect(r.statistic).toBe(12)
    expect(r.pValue).toBe(0.3125)
  })

  it('n = 300 with two zeros: the normal approximation matches scipy', () => {
    const x = Array.from({ length: 300 }, (_, i) => Math.round((Math.sin(i * 12.9898) * 0.1 + 0.02) * 1e6) / 1e6)
    x[7] = 0
    x[8] = 0
    const r = signedRankTest(x)!
    // scipy 1.10.1 wilcoxon(x, zero_method='wilcox', correction=True, method='approx'): p = 7.303713316202517e-07
    expect(r.pValue / 7.303713316202517e-7).toBeCloseTo(1, 8)
    expect(r).toMatchObject({ n: 298, zeros: 2, method: 'normal' })
    expect(r.statistic).toBe(298 * 299 / 2 - 14901) // scipy reports min(W+, W−) = 14901
  })

  it('undefined cases give null: fewer than two values, all differences zero', () => {
    expect(signedRankTest([0.3])).toBeNull()
    expect(signedRankTest([0, 0, 0])).toBeNull()
  })
})

describe('bootstrap', () => {
  it('a constant sample has a degenerate interval at its value', () => {
    expect(bootstrapMeanCI([0.25, 0.25, 0.25], { resamples: 50 })).toEqual([0.25, 0.25])
  })

  it('study-level resampling is wider than slice-level when studies differ', () => {
    const values = [...Array(50).fill(0.1), ...Array(50).fill(-0.05), ...Array(50).fill(0.02)]
    const keys = values.map((_, i) => `s${Math.floor(i / 50)}`)
    const [a, b] = bootstrapMeanCI(values)!
    const [c, d] = clusterBootstrapMeanCI(values, keys)!
    expect(d - c).toBeGreaterThan(b - a)
    expect(clusterBootstrapMeanCI(values, keys)).toEqual([c, d])
  })

  it('quantile interpolates linearly between order statistics (numpy "linear")', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5)
    expect(quantile([1, 2, 3, 4], 0.025)).toBeCloseTo(1.075, 12)
    expect(quantile([7], 0.975)).toBe(7)
  })

  it('rejects bad options naming the value', () => {
    expect(() => bootstrapMeanCI([1], { resamples: 0 })).toThrow(/resamples must be an integer ≥ 1, received 0/)
    expect(() => bootstrapMeanCI([NaN])).toThrow(/value 0 is NaN/)
  })
})
