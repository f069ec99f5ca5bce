/**
 * `tilelab sweep`: the price of tiling as a function of tile size and overlap, measured. For every (tile, overlap)
 * in the grid, plus the whole image: mean soft Dice over all selected axial slices of the cohort, forward passes
 * per slice, model FLOPs per slice relative to the whole image, and measured inference time. The paper argued from
 * Fig. 5 that more overlap means O(n²) more tiles for little gain; this measures it on your model and data.
 *
 * Cost model: the U-Net is fully convolutional, so a forward pass on an h × w input costs flopsPerPixel · h · w
 * (unetFlops.ts). A slice's cost is the sum over its model inputs: one padded whole image (padded up to a multiple
 * of 2^depth), or tilesPerSlice windows of P × P. `relativeFlops` = Σ tiled input area / Σ whole-image input area
 * over the slices evaluated (architecture-free); `gflopsPerSlice` needs the architecture (model card or model.json).
 * Time: `predictVolume`'s wall time minus the time spent in its callbacks (Dice), i.e. extraction, model and
 * blending, on this machine and engine; noisy on shared CPUs.
 *
 * Studies are processed one at a time (loaded once, whole image first, then every setting); failures and studies
 * without labels are listed as in `tilelab evaluate`.
 *
 * @source Reina & Panchumarthy 2018, Fig. 5 and §4 discussion; paper-spec §4 (tile offsets, mean blend).
 */
import { throwIfCancelled, type CancellationToken } from '../../common/cancellation'
import { EngineError, serializeError } from '../../common/errors'
import type { EvalEvent } from '../../common/events'
import type { Blend, Normalization, Tiling, UnetConfig } from '../../common/types'
import { findStudies } from '../io/cohort'
import { loadStudy } from '../io/study'
import { fullImagePlan } from '../inference/fullImage'
import { predictVolume } from '../inference/predictVolume'
import type { Predictor } from '../inference/predictor'
import { tilePlan } from '../inference/slidingWindow'
import { strideFor, validateTiling } from '../inference/tiling'
import { softDice, thresholdedSoftDice } from '../metrics/dice'
import { unetFlopsPerPixel } from '../model/unetFlops'
import { normalizeVolume } from '../preprocess/zscore'
import type { ModelInfo } from './evaluateCohort'
import { studyId } from './evaluateCohort'
import { selectSlices } from './evaluateStudy'
import type { FailedStudy, SkippedStudy } from './summary'

export interface SweepOptions {
  data: string
  /** Output folder, only named in the start event (runSweep writes nothing; see sweepOutputs.ts). */
  out?: string
  predictor: Predictor
  model: ModelInfo & { architecture?: UnetConfig | null }
  /** Tile sides in pixels, each a multiple of the predictor's inputMultiple. */
  tiles: number[]
  /** Overlaps in [0, 1). */
  overlaps: number[]
  blend?: Blend
  slices?: 'all' | 'tumor'
  normalization?: Normalization
  token?: CancellationToken
  onEvent?: (event: EvalEvent) => void
}

/** One row of sweep.csv: a setting, or the whole image (tile, overlap null). */
export interface SweepRow {
  tile: number | null
  overlap: number | null
  /** Stride in pixels and the overlap it gives (1 − S/P); null for the whole image. */
  stride: number | null
  effectiveOverlap: number | null
  slices: number
  meanDice: number | null
  meanDiceThresholded: number | null
  /** Mean of (whole-image Dice − this setting's Dice) per slice; 0 for the whole-image row. */
  meanDifference: number | null
  /** Share of slices where the whole image scores strictly higher. */
  fractionFullBetter: number | null
  forwardPassesPerSlice: number
  relativeFlops: number
  gflopsPerSlice: number | null
  seconds: number
  msPerSlice: number
}

export interface SweepResult {
  data: string
  model: { name: string; dir: string | null; fingerprint: string | null }
  backend: string
  blend: Blend
  sliceSelection: 'all' | 'tumor'
  normalization: Normalization
  architecture: UnetConfig | null
  studies: number
  slices: number
  rows: SweepRow[]
  failed: FailedStudy[]
  skipped: SkippedStudy[]
}

interface Accumulator {
  tiling: Tiling | null
  dice: number[]
  diceThresholded: number[]
  difference: number[]
  passes: number
  area: number
  ms: number
}

/**
 * Runs the sweep.
 * @throws EngineError E_ARGS for an empty grid, a tile that is not a multiple of the model's input multiple, or an
 *   overlap outside [0, 1) (all before any work); E_IO / E_STUDY for the cohort; E_CANCELLED.
 */
export async function runSweep(options: SweepOptions): Promise<SweepResult> {
  const blend = options.blend ?? 'mean'
  const grid = sweepGrid(options.tiles, options.overlaps, blend, options.predictor.inputMultiple)
  const selection = options.slices ?? 'all'
  const normalization = options.normalization ?? 'slice'
  const emit = options.onEvent ?? (() => undefined)
  const cohort = await findStudies(options.data)
  const acc: Accumulator[] = [null, ...grid].map((tiling) => ({ tiling, dice: [], diceThresholded: [], difference: [], passes: 0, area: 0, ms: 0 }))
  const failed: FailedStudy[] = cohort.failures.map((f) => ({ study: studyId(cohort.root, f.path), error: `${f.error.code}: ${f.error.message}` }))
  const skipped: SkippedStudy[] = []
  let studies = 0
  const steps = cohort.studies.length * acc.length
  let done = 0
  const t0 = performance.now()
  emit({ type: 'start', out: options.out ?? '', studies: cohort.studies.length, model: options.model.name, backend: options.predictor.engine, resumed: 0 })
  for (const [index, files] of cohort.studies.entries()) {
    throwIfCancelled(options.token, 'sweep')
    const id = studyId(cohort.root, files.path)
    let study
    try {
      study = await loadStudy(files.path)
    } catch (err) {
      const e = serializeError(err)
      failed.push({ study: id, error: `${e.code}: ${e.message}` })
      emit({ type: 'studyFailed', study: id, error: `${e.code}: ${e.message}` })
      done += acc.length
      continue
    }
    const slices = study.wholeTumor ? selectSlices(study, selection) : []
    if (!study.wholeTumor || slices.length === 0) {
      skipped.push({ study: id, reason: study.wholeTumor ? 'no slice holds ground-truth tumour (--slices tumor)' : 'no ground-truth label map' })
      done += acc.length
      continue
    }
    studies++
    emit({ type: 'study', study: id, index, studies: cohort.studies.length, slices: slices.length })
    const [nx, ny] = study.image.dims
    const plane = nx * ny
    const gt = study.wholeTumor
    const volume = { data: normalizeVolume(study.image, normalization), dims: study.image.dims }
    const fullDice = new Map<number, number>()
    for (const a of acc) {
      const mode = a.tiling ? 'tiled' : 'full'
      const plan = a.tiling ? tilePlan(ny, nx, a.tiling, options.predictor.inputMultiple).plan : fullImagePlan(ny, nx, options.predictor.inputMultiple)
      const stats = await predictVolume(volume, options.predictor, {
        mode,
        tiling: a.tiling ?? undefined,
        slices,
        token: options.token,
        onSlice: (z, p) => {
          const truth = gt.subarray(z * plane, (z + 1) * plane)
          const d = softDice(truth, p)
          if (!a.tiling) fullDice.set(z, d)
          a.dice.push(d)
          a.diceThresholded.push(thresholdedSoftDice(truth, p))
          a.difference.push((fullDice.get(z) as number) - d)
        },
      })
      a.passes += stats.forwardPassesPerSlice * slices.length
      a.area += plan.origins.length * plan.windowHeight * plan.windowWidth * slices.length
      a.ms += stats.elapsedMs - stats.callbackMs
      done++
      const elapsed = performance.now() - t0
      emit({
        type: 'sweepStep',
        study: id,
        tile: a.tiling?.tile ?? null,
        overlap: a.tiling?.overlap ?? null,
        done,
        total: steps,
        etaMs: Math.round((elapsed / done) * (steps - done)),
      })
    }
  }
  const architecture = options.model.architecture ?? null
  const rows = acc.map((a) => sweepRow(a, acc[0].area, architecture))
  for (const r of rows)
    emit({ type: 'sweepPoint', tile: r.tile, overlap: r.overlap, meanDice: r.meanDice ?? NaN, forwardPasses: r.forwardPassesPerSlice, seconds: r.seconds })
  return {
    data: cohort.root,
    model: { name: options.model.name, dir: options.model.dir, fingerprint: options.model.fingerprint ?? null },
    backend: options.predictor.engine,
    blend,
    sliceSelection: selection,
    normalization,
    architecture,
    studies,
    slices: acc[0].dice.length,
    rows,
    failed,
    skipped,
  }
}

/**
 * The settings of a sweep: every tile × overlap, duplicates removed, sorted by tile then overlap, validated.
 * @throws EngineError E_ARGS naming the bad value.
 */
export function sweepGrid(tiles: number[], overlaps: number[], blend: Blend, inputMultiple: number): Tiling[] {
  if (tiles.length === 0 || overlaps.length === 0) throw new EngineError('E_ARGS', 'sweep: give at least one tile size and one overlap')
  const grid: Tiling[] = []
  for (const tile of [...new Set(tiles)].sort((a, b) => a - b))
    for (const overlap of [...new Set(overlaps)].sort((a, b) => a - b)) {
      const t = { tile, overlap, blend }
      validateTiling(t, inputMultiple)
      grid.push(t)
    }
  return grid
}

function sweepRow(a: Accumulator, fullArea: number, architecture: UnetConfig | null): SweepRow {
  const n = a.dice.length
  const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null)
  const stride = a.tiling ? strideFor(a.tiling.tile, a.tiling.overlap) : null
  return {
    tile: a.tiling?.tile ?? null,
    overlap: a.tiling?.overlap ?? null,
    stride,
    effectiveOverlap: a.tiling && stride !== null ? 1 - stride / a.tiling.tile : null,
    slices: n,
    meanDice: mean(a.dice),
    meanDiceThresholded: mean(a.diceThresholded),
    meanDifference: mean(a.difference),
    fractionFullBetter: n ? a.difference.filter((d) => d > 0).length / n : null,
    forwardPassesPerSlice: n ? a.passes / n : 0,
    relativeFlops: fullArea > 0 ? a.area / fullArea : 0,
    gflopsPerSlice: architecture && n ? (unetFlopsPerPixel(architecture) * a.area) / n / 1e9 : null,
    seconds: Math.round(a.ms) / 1000,
    msPerSlice: n ? Math.round((a.ms / n) * 100) / 100 : 0,
  }
}
