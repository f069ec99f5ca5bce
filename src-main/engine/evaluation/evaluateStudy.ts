/**
 * Evaluation of one loaded study: z-score the FLAIR, predict each selected axial slice whole and tiled, and
 * measure both against the ground truth (the paper's three per-slice soft Dice arrays, binary Dice, false
 * positives/negatives). Slices go through the model in chunks of 8 (whole, then tiled), so memory stays at a few
 * slices and progress is reported as slices finish. The `panels` slices with the largest full − tiled difference,
 * at least PANEL_MIN_SLICE_GAP slices apart, keep their probability maps for the report's pictures.
 *
 * @source paper-spec §4 (whole vs tiled per slice, the threshold variant), §5 (per-slice soft Dice, all slices).
 */
import { throwIfCancelled, type CancellationToken } from '../../common/cancellation'
import { EngineError } from '../../common/errors'
import type { Normalization, Tiling } from '../../common/types'
import type { Study } from '../io/study'
import { predictVolume } from '../inference/predictVolume'
import type { Predictor } from '../inference/predictor'
import type { TileLayout } from '../inference/tiling'
import { sliceMetrics, thresholdedSoftDice } from '../metrics/dice'
import { normalizeVolume } from '../preprocess/zscore'
import type { SliceRecord } from './sliceTable'

/** Slices predicted per chunk (whole, then tiled) before their metrics are taken. */
export const EVAL_CHUNK_SLICES = 8

export interface EvaluateStudyOptions {
  tiling: Tiling
  /** 'all' (the paper) or 'tumor' (slices with ground-truth tumour only). */
  slices: 'all' | 'tumor'
  normalization: Normalization
  /** How many worst slices (largest full − tiled) to keep maps of. */
  panels: number
  token?: CancellationToken
  /** Called after each slice's record is made. */
  onRecord?: (record: SliceRecord) => void
}

/** A slice kept for the report's pictures. */
export interface PanelCandidate {
  record: SliceRecord
  full: Float32Array
  tiled: Float32Array
}

export interface StudyEvaluation {
  records: SliceRecord[]
  /** The worst slices for tiling, worst first (largest difference; ties: lower slice index). */
  candidates: PanelCandidate[]
  /** Tile layout of this study's slices. */
  layout: TileLayout | null
}

/**
 * The axial slices a study contributes: all, or those with ground-truth tumour.
 * @throws EngineError E_ARGS for an unknown selection.
 */
export function selectSlices(study: Study, selection: 'all' | 'tumor'): number[] {
  const nz = study.image.dims[2]
  if (selection === 'all') return Array.from({ length: nz }, (_, k) => k)
  if (selection === 'tumor') return study.tumorPixelsPerSlice.flatMap((c, k) => (c > 0 ? [k] : []))
  throw new EngineError('E_ARGS', `slices must be 'all' or 'tumor', received ${JSON.stringify(selection)}`)
}

/**
 * Evaluates one study, full vs tiled.
 *
 * @param study     A loaded study with a label (loadStudy); `id` is the study's id in slices.csv.
 * @param predictor The model.
 * @returns Records in slice order, the panel candidates and the tile layout.
 * @throws EngineError E_ARGS when the study has no label; E_CANCELLED between chunks; predictor errors.
 */
export async function evaluateStudy(
  id: string,
  study: Study,
  predictor: Predictor,
  options: EvaluateStudyOptions,
): Promise<StudyEvaluation> {
  const gt = study.wholeTumor
  if (!gt) throw new EngineError('E_ARGS', `${study.path}: study has no ground-truth label; nothing to evaluate`)
  const [nx, ny] = study.image.dims
  const plane = nx * ny
  const volume = { data: normalizeVolume(study.image, options.normalization), dims: study.image.dims }
  const selected = selectSlices(study, options.slices)
  const records: SliceRecord[] = []
  const candidates: PanelCandidate[] = []
  let layout: TileLayout | null = null

  for (let start = 0; start < selected.length; start += EVAL_CHUNK_SLICES) {
    throwIfCancelled(options.token, 'evaluation')
    const chunk = selected.slice(start, start + EVAL_CHUNK_SLICES)
    const full = new Map<number, Float32Array>()
    await predictVolume(volume, predictor, {
      mode: 'full',
      slices: chunk,
      token: options.token,
      onSlice: (z, p) => void full.set(z, p),
    })
    const stats = await predictVolume(volume, predictor, {
      mode: 'tiled',
      tiling: options.tiling,
      slices: chunk,
      token: options.token,
      onSlice: (z, tiled, info) => {
        const truth = gt.subarray(z * plane, (z + 1) * plane)
        const whole = full.get(z) as Float32Array
        full.delete(z)
        const record = sliceRecord(id, z, truth, whole, tiled, info.forwardPasses)
        records.push(record)
        keepCandidate(candidates, { record, full: whole, tiled }, options.panels)
        options.onRecord?.(record)
      },
    })
    layout ??= stats.layout
  }
  return { records, candidates, layout }
}

/** All per-slice numbers of one slice. */
export function sliceRecord(
  study: string,
  slice: number,
  truth: ArrayLike<number>,
  full: Float32Array,
  tiled: Float32Array,
  tilesPerSlice: number,
): SliceRecord {
  const f = sliceMetrics(truth, full)
  const t = sliceMetrics(truth, tiled)
  return {
    study,
    slice,
    tumorPixels: f.tumorPixels,
    diceFull: f.softDice,
    diceTiled: t.softDice,
    diceTiledThresholded: thresholdedSoftDice(truth, tiled),
    binaryDiceFull: f.binaryDice,
    binaryDiceTiled: t.binaryDice,
    difference: f.softDice - t.softDice,
    falsePositivesFull: f.falsePositives,
    falseNegativesFull: f.falseNegatives,
    falsePositivesTiled: t.falsePositives,
    falseNegativesTiled: t.falseNegatives,
    predictedPixelsFull: f.predictedPixels,
    predictedPixelsTiled: t.predictedPixels,
    tilesPerSlice,
  }
}

/** Worst first: larger difference, then lower study id / slice. Used per study and across the cohort. */
export function compareWorst(a: SliceRecord, b: SliceRecord): number {
  if (a.difference !== b.difference) return b.difference - a.difference
  if (a.study !== b.study) return a.study < b.study ? -1 : 1
  return a.slice - b.slice
}

/** Pictured slices of one study are at least this many slices apart (neighbours look alike). */
export const PANEL_MIN_SLICE_GAP = 5

/**
 * Keeps the `max` worst slices of a study, no two closer than PANEL_MIN_SLICE_GAP: a new slice replaces the
 * neighbours it is worse than, and is dropped if a neighbour is worse. Deterministic for slices in a given order.
 */
function keepCandidate(list: PanelCandidate[], c: PanelCandidate, max: number): void {
  if (max <= 0) return
  const near = list.filter((e) => Math.abs(e.record.slice - c.record.slice) < PANEL_MIN_SLICE_GAP)
  if (near.some((e) => compareWorst(e.record, c.record) < 0)) return
  for (const e of near) list.splice(list.indexOf(e), 1)
  list.push(c)
  list.sort((a, b) => compareWorst(a.record, b.record))
  if (list.length > max) list.length = max
}
