/**
 * Validation during training: the mean soft Dice of full-image inference and of tiled inference on whole
 * validation slices, the paper's comparison run on the held-out patients after every epoch.
 *
 * Which slices: 'all' axial slices of the validation studies (the paper validated on every test slice, tumour or
 * not) or only those with tumour ('tumor', TileLab's default: on tumour-free slices the soft Dice only measures
 * how little mass the model predicts). `maxSlices` > 0 keeps that many, evenly spaced over the eligible slices in
 * (study, slice) order, to bound the cost; the choice is deterministic.
 *
 * @source paper-spec §3 (validation on whole 240×240 test images every epoch), §4 (tiled: mean of overlapping
 *   tile probabilities), §5 (per-slice soft Dice, smooth 1, on probabilities).
 */
import type { CancellationToken } from '../../common/cancellation'
import type { Tiling } from '../../common/types'
import type { Predictor } from '../inference/predictor'
import { predictVolume } from '../inference/predictVolume'
import { softDice } from '../metrics/dice'
import type { SliceStore } from './sliceCache'

export type ValSlices = 'all' | 'tumor'

/** The slices scored each epoch, per study. */
export interface ValidationSet {
  items: { study: number; slices: number[] }[]
  /** Total slices. */
  count: number
  /** Which rule chose them (after any fallback). */
  which: ValSlices
}

/** Mean soft Dice of both modes over the validation set. */
export interface ValidationResult {
  diceFull: number
  diceTiled: number
  slices: number
  seconds: number
}

/**
 * Chooses the validation slices.
 *
 * @param studies   Store indices of the validation studies.
 * @param which     'all' or 'tumor'; 'tumor' falls back to 'all' when no validation slice holds tumour.
 * @param maxSlices Most slices to keep (evenly spaced); 0 keeps all.
 */
export function chooseValidationSlices(
  store: SliceStore,
  studies: readonly number[],
  which: ValSlices,
  maxSlices: number,
): ValidationSet {
  const eligible = (rule: ValSlices): [number, number][] =>
    studies.flatMap((s) =>
      store.studies[s].tumorPixelsPerSlice.flatMap((px, z): [number, number][] => (rule === 'all' || px > 0 ? [[s, z]] : [])),
    )
  let rule = which
  let all = eligible(rule)
  if (all.length === 0 && rule === 'tumor') {
    rule = 'all'
    all = eligible(rule)
  }
  let kept = all
  if (maxSlices > 0 && all.length > maxSlices) {
    kept = Array.from({ length: maxSlices }, (_, i) =>
      all[maxSlices === 1 ? Math.floor((all.length - 1) / 2) : Math.round((i * (all.length - 1)) / (maxSlices - 1))],
    )
  }
  const byStudy = new Map<number, number[]>()
  for (const [s, z] of kept) byStudy.set(s, [...(byStudy.get(s) ?? []), z])
  return { items: [...byStudy].map(([study, slices]) => ({ study, slices })), count: kept.length, which: rule }
}

/**
 * Scores the model on the validation set, full-image and tiled.
 *
 * Each study's chosen slices are stacked into a small volume `[nx, ny, n]` (z-scored, from the cache) and run
 * through predictVolume twice; the per-slice soft Dice against the whole-tumour mask is averaged over all slices.
 *
 * @param tiling Tiles of the tiled mode (TileLab: tile = the training crop, overlap 0.5, mean blend).
 * @returns Mean soft Dice of each mode, the slice count and the seconds taken.
 * @throws EngineError E_CANCELLED when the token fires; E_MODEL / E_MEMORY from the predictor.
 */
export async function validate(
  store: SliceStore,
  set: ValidationSet,
  predictor: Predictor,
  tiling: Tiling,
  token?: CancellationToken,
): Promise<ValidationResult> {
  const started = performance.now()
  let sumFull = 0
  let sumTiled = 0
  for (const { study, slices } of set.items) {
    const [nx, ny] = store.studies[study].dims
    const plane = nx * ny
    const data = new Float32Array(slices.length * plane)
    const masks = new Uint8Array(slices.length * plane)
    for (const [i, z] of slices.entries()) {
      const rows = await store.readSlice(study, z)
      data.set(rows.image, i * plane)
      masks.set(rows.mask, i * plane)
    }
    const volume = { data, dims: [nx, ny, slices.length] as [number, number, number] }
    const gt = (k: number): Uint8Array => masks.subarray(k * plane, (k + 1) * plane)
    await predictVolume(volume, predictor, { mode: 'full', token, onSlice: (k, p) => void (sumFull += softDice(gt(k), p)) })
    await predictVolume(volume, predictor, {
      mode: 'tiled',
      tiling,
      token,
      onSlice: (k, p) => void (sumTiled += softDice(gt(k), p)),
    })
  }
  const n = Math.max(1, set.count)
  return { diceFull: sumFull / n, diceTiled: sumTiled / n, slices: set.count, seconds: (performance.now() - started) / 1000 }
}
