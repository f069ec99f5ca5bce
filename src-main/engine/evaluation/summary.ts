/**
 * summary.json of `tilelab evaluate`: the paper's statistics of full vs tiled prediction, computed from the
 * per-slice table alone (sliceTable.ts), so anyone can recompute them from slices.csv.
 *
 * Definitions (d = diceFull − diceTiled per slice, in double arithmetic, sums in slices.csv row order):
 * - meanDiceFull / meanDiceTiled / meanDiceTiledThresholded: plain means over all evaluated slices (the paper
 *   averages all 8,215 test slices, tumour-free ones included; paper-spec §5).
 * - meanDifference: mean of d (paper: 0.045). meanDifferenceThresholded: mean of diceFull − diceTiledThresholded.
 * - fractionFullBetter: share of d > 0 (the paper's "86.99%", strictly better; paper-spec §6.1);
 *   fractionFullBetterOrEqual: d ≥ 0; fractionFullBetterBy0_1: d > 0.1 (paper text "7.5%", not in its code);
 *   fractionTiledBetterBy0_1: d < −0.1 (the code's 63/8215 = 0.767%). The comparisons are on the double d, so a pair
 *   like 0.5 / 0.4 (d = 0.09999999999999998) is not "better by more than 0.1", as in numpy.
 * - differenceCI95: seeded percentile bootstrap of mean d over slices (bootstrap.ts); differenceCI95ByStudy: the same
 *   resampling whole studies.
 * - wilcoxonP: two-sided Wilcoxon signed-rank test of d (signedRankTest.ts; zeros dropped; normal approximation).
 * - binary: binary Dice at 0.5. Each mean is over the slices where that Dice is defined (not both masks empty);
 *   excludedEmptyFull / excludedEmptyTiled count the others; meanDifference and pairedSlices use the slices where
 *   both are defined; excludedEmpty = slices − pairedSlices.
 * - tumorSlices: the same means restricted to slices with ground-truth tumour.
 * Means and fractions are null when there are no slices.
 *
 * @source paper-spec §5 (TSI printed statistics), §6 items 1-4.
 */
import type { Blend, Normalization } from '../../common/types'
import { BOOTSTRAP_DEFAULTS, bootstrapMeanCI, clusterBootstrapMeanCI } from './bootstrap'
import { signedRankTest, type SignedRankResult } from './signedRankTest'
import type { SliceRecord } from './sliceTable'

/** A study that could not be evaluated because it failed to load. */
export interface FailedStudy {
  study: string
  error: string
}

/** A study that loaded but has nothing to evaluate (no label; no tumour slice with `slices: 'tumor'`). */
export interface SkippedStudy {
  study: string
  reason: string
}

export interface StudySummary {
  study: string
  slices: number
  tumorSlices: number
  meanDiceFull: number | null
  meanDiceTiled: number | null
  meanDiceTiledThresholded: number | null
  meanDifference: number | null
  fractionFullBetter: number | null
  binaryMeanDiceFull: number | null
  binaryMeanDiceTiled: number | null
  /** Seconds spent on the study (loading, both predictions, metrics, panels). Timing: varies between runs. */
  seconds: number
}

export interface BinarySummary {
  meanDiceFull: number | null
  meanDiceTiled: number | null
  meanDifference: number | null
  pairedSlices: number
  excludedEmpty: number
  excludedEmptyFull: number
  excludedEmptyTiled: number
}

/** Settings and provenance carried into the summary unchanged. */
export interface SummaryContext {
  data: string
  model: { name: string; dir: string | null; fingerprint: string | null }
  backend: string
  tile: number
  overlap: number
  blend: Blend
  sliceSelection: 'all' | 'tumor'
  normalization: Normalization
  shard: { index: number; count: number } | null
  bootstrapSeed: number
  bootstrapResamples: number
  failed: FailedStudy[]
  skipped: SkippedStudy[]
  /** Seconds per study id (timing). */
  studySeconds: Record<string, number>
}

export interface EvaluationSummary {
  slices: number
  studies: number
  meanDiceFull: number | null
  meanDiceTiled: number | null
  meanDiceTiledThresholded: number | null
  meanDifference: number | null
  meanDifferenceThresholded: number | null
  fractionFullBetter: number | null
  fractionFullBetterOrEqual: number | null
  fractionFullBetterBy0_1: number | null
  fractionTiledBetterBy0_1: number | null
  counts: { fullBetter: number; fullBetterOrEqual: number; fullBetterBy0_1: number; tiledBetterBy0_1: number }
  differenceCI95: [number, number] | null
  differenceCI95ByStudy: [number, number] | null
  bootstrap: { method: 'percentile'; resamples: number; seed: number; level: number }
  wilcoxonP: number | null
  wilcoxon: SignedRankResult | null
  binary: BinarySummary
  tumorSlices: { slices: number; meanDiceFull: number | null; meanDiceTiled: number | null; meanDifference: number | null }
  tile: number
  overlap: number
  blend: Blend
  /** Mean forward passes of the tiled prediction per slice (one value when every slice has the same size). */
  tilesPerSlice: number | null
  sliceSelection: 'all' | 'tumor'
  normalization: Normalization
  model: { name: string; dir: string | null; fingerprint: string | null }
  backend: string
  data: string
  shard: { index: number; count: number } | null
  /** Sum of the per-study seconds (timing). */
  seconds: number
  failed: FailedStudy[]
  skipped: SkippedStudy[]
  perStudy: StudySummary[]
}

/**
 * Computes summary.json from the per-slice records.
 *
 * @param records Rows of slices.csv in file order (sorted by study, then slice).
 * @param context Settings, provenance, failures and timings.
 */
export function summarize(records: readonly SliceRecord[], context: SummaryContext): EvaluationSummary {
  const d = records.map((r) => r.difference)
  const counts = {
    fullBetter: count(d, (x) => x > 0),
    fullBetterOrEqual: count(d, (x) => x >= 0),
    fullBetterBy0_1: count(d, (x) => x > 0.1),
    tiledBetterBy0_1: count(d, (x) => x < -0.1),
  }
  const n = records.length
  const frac = (c: number): number | null => (n === 0 ? null : c / n)
  const boot = { resamples: context.bootstrapResamples, seed: context.bootstrapSeed, level: BOOTSTRAP_DEFAULTS.level }
  const test = signedRankTest(d)
  const tumor = records.filter((r) => r.tumorPixels > 0)
  const studies = [...new Set(records.map((r) => r.study))]
  return {
    slices: n,
    studies: studies.length,
    meanDiceFull: mean(records.map((r) => r.diceFull)),
    meanDiceTiled: mean(records.map((r) => r.diceTiled)),
    meanDiceTiledThresholded: mean(records.map((r) => r.diceTiledThresholded)),
    meanDifference: mean(d),
    meanDifferenceThresholded: mean(records.map((r) => r.diceFull - r.diceTiledThresholded)),
    fractionFullBetter: frac(counts.fullBetter),
    fractionFullBetterOrEqual: frac(counts.fullBetterOrEqual),
    fractionFullBetterBy0_1: frac(counts.fullBetterBy0_1),
    fractionTiledBetterBy0_1: frac(counts.tiledBetterBy0_1),
    counts,
    differenceCI95: bootstrapMeanCI(d, boot),
    differenceCI95ByStudy: clusterBootstrapMeanCI(
      d,
      records.map((r) => r.study),
      boot,
    ),
    bootstrap: { method: 'percentile', ...boot },
    wilcoxonP: test ? test.pValue : null,
    wilcoxon: test,
    binary: binarySummary(records),
    tumorSlices: {
      slices: tumor.length,
      meanDiceFull: mean(tumor.map((r) => r.diceFull)),
      meanDiceTiled: mean(tumor.map((r) => r.diceTiled)),
      meanDifference: mean(tumor.map((r) => r.difference)),
    },
    tile: context.tile,
    overlap: context.overlap,
    blend: context.blend,
    tilesPerSlice: mean(records.map((r) => r.tilesPerSlice)),
    sliceSelection: context.sliceSelection,
    normalization: context.normalization,
    model: context.model,
    backend: context.backend,
    data: context.data,
    shard: context.shard,
    seconds: round3(Object.values(context.studySeconds).reduce((a, b) => a + b, 0)),
    failed: context.failed,
    skipped: context.skipped,
    perStudy: studies.map((s) => studySummary(s, records, context.studySeconds[s] ?? 0)),
  }
}

/** Per-study means, for the report's table. */
export function studySummary(study: string, all: readonly SliceRecord[], seconds: number): StudySummary {
  const rows = all.filter((r) => r.study === study)
  const d = rows.map((r) => r.difference)
  return {
    study,
    slices: rows.length,
    tumorSlices: count(rows.map((r) => r.tumorPixels), (x) => x > 0),
    meanDiceFull: mean(rows.map((r) => r.diceFull)),
    meanDiceTiled: mean(rows.map((r) => r.diceTiled)),
    meanDiceTiledThresholded: mean(rows.map((r) => r.diceTiledThresholded)),
    meanDifference: mean(d),
    fractionFullBetter: rows.length === 0 ? null : count(d, (x) => x > 0) / rows.length,
    binaryMeanDiceFull: mean(defined(rows.map((r) => r.binaryDiceFull))),
    binaryMeanDiceTiled: mean(defined(rows.map((r) => r.binaryDiceTiled))),
    seconds: round3(seconds),
  }
}

function binarySummary(records: readonly SliceRecord[]): BinarySummary {
  const full = defined(records.map((r) => r.binaryDiceFull))
  const tiled = defined(records.map((r) => r.binaryDiceTiled))
  const paired = records.filter((r) => r.binaryDiceFull !== null && r.binaryDiceTiled !== null)
  return {
    meanDiceFull: mean(full),
    meanDiceTiled: mean(tiled),
    meanDifference: mean(paired.map((r) => (r.binaryDiceFull as number) - (r.binaryDiceTiled as number))),
    pairedSlices: paired.length,
    excludedEmpty: records.length - paired.length,
    excludedEmptyFull: records.length - full.length,
    excludedEmptyTiled: records.length - tiled.length,
  }
}

/** Sequential mean (sum in order, then divide); null for no values. */
export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null
  let sum = 0
  for (const v of values) sum += v
  return sum / values.length
}

function count(values: readonly number[], test: (x: number) => boolean): number {
  let c = 0
  for (const v of values) if (test(v)) c++
  return c
}

function defined(values: readonly (number | null)[]): number[] {
  return values.filter((v): v is number => v !== null)
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000
}
