/**
 * Dice metrics of one predicted axial slice against its ground truth, and their mean over slices.
 *
 * - Soft Dice (the paper's number): (2·Σ(y·p) + 1) / (Σy + Σp + 1) over the slice, on probabilities, smooth 1
 *   (TSI §5). Defined for every slice; a tumour-free slice scores 1/(Σp + 1).
 * - Thresholded soft Dice (the paper's "threshold" variant): the same on p' = p if p ≥ 0.5 else 0 — values at or
 *   above 0.5 stay soft, they are NOT set to 1 (paper-spec §4, §6.8).
 * - Binary Dice at 0.5: 2|Y ∩ P| / (|Y| + |P|) with P = {p ≥ 0.5}. Empty-mask policy:
 *   both empty → null (undefined; left out of means, counted in `excludedEmpty`);
 *   empty ground truth, non-empty prediction → 0; non-empty ground truth, empty prediction → 0.
 * - False positives: pixels with p ≥ 0.5 outside the ground truth; false negatives: ground-truth pixels with p < 0.5.
 *
 * Ground truth: any `[H, W]` array where tumour (whole tumour) is value > 0, so a BraTS label slice {0, 1, 2, 4}
 * or a binary mask both work. Sums are accumulated in float64. NaN probabilities propagate into the soft Dice.
 *
 * @source paper-spec §3 (`dice_coef`), §4 (threshold variant), §5 (per-slice soft Dice); binary policy: TileLab,
 *   after MONAI `compute_dice` (`ignore_empty`).
 */
import { EngineError } from '../../common/errors'
import type { SliceMetrics } from '../../common/types'

/** Binary threshold: p ≥ 0.5 is tumour. */
export const DICE_THRESHOLD = 0.5

/** The paper's smoothing term. */
export const SOFT_DICE_SMOOTH = 1

/** Ground-truth slices the metrics accept; tumour is value > 0. */
export type GroundTruth = ArrayLike<number>

/**
 * The paper's soft Dice of one slice.
 *
 * @param gt   Ground truth `[H, W]`, tumour = value > 0.
 * @param prob Probabilities `[H, W]` float32 in [0, 1].
 * @returns (2Σyp + 1)/(Σy + Σp + 1) in (0, 1].
 * @throws EngineError E_SHAPE if the lengths differ.
 * @source paper-spec §5 (TSI per-slice Dice).
 */
export function softDice(gt: GroundTruth, prob: ArrayLike<number>): number {
  checkLengths(gt, prob, 'softDice')
  let sy = 0
  let sp = 0
  let syp = 0
  for (let i = 0; i < prob.length; i++) {
    const p = prob[i]
    sp += p
    if (gt[i] > 0) {
      sy += 1
      syp += p
    }
  }
  return (2 * syp + SOFT_DICE_SMOOTH) / (sy + sp + SOFT_DICE_SMOOTH)
}

/**
 * The paper's "threshold" variant: soft Dice after zeroing probabilities below 0.5, values ≥ 0.5 kept soft.
 *
 * @returns (2Σyp' + 1)/(Σy + Σp' + 1), p' = p·[p ≥ 0.5].
 * @throws EngineError E_SHAPE if the lengths differ.
 * @source paper-spec §4 ("threshold" variant), §6.8 (it does not binarise).
 */
export function thresholdedSoftDice(gt: GroundTruth, prob: ArrayLike<number>, threshold = DICE_THRESHOLD): number {
  checkLengths(gt, prob, 'thresholdedSoftDice')
  let sy = 0
  let sp = 0
  let syp = 0
  for (let i = 0; i < prob.length; i++) {
    const p = prob[i] >= threshold ? prob[i] : 0
    sp += p
    if (gt[i] > 0) {
      sy += 1
      syp += p
    }
  }
  return (2 * syp + SOFT_DICE_SMOOTH) / (sy + sp + SOFT_DICE_SMOOTH)
}

/**
 * The thresholded probability map of the paper's "threshold" variant: p < 0.5 → 0, p ≥ 0.5 unchanged (soft).
 *
 * @param prob Probabilities `[H, W]` float32.
 * @returns A new `[H, W]` float32 array.
 */
export function thresholdSoft(prob: Float32Array, threshold = DICE_THRESHOLD): Float32Array {
  const out = new Float32Array(prob.length)
  for (let i = 0; i < prob.length; i++) out[i] = prob[i] >= threshold ? prob[i] : 0
  return out
}

/**
 * Binary Dice at threshold 0.5, with the empty-mask policy of the file comment.
 *
 * @returns 2|Y ∩ P|/(|Y| + |P|) in [0, 1], or null when both masks are empty.
 * @throws EngineError E_SHAPE if the lengths differ.
 */
export function binaryDice(gt: GroundTruth, prob: ArrayLike<number>): number | null {
  return sliceMetrics(gt, prob).binaryDice
}

/**
 * All per-slice numbers in one pass: soft Dice, binary Dice (null when both masks are empty), false-positive and
 * false-negative pixel counts, tumour and predicted pixel counts.
 *
 * @param gt   Ground truth `[H, W]`, tumour = value > 0.
 * @param prob Probabilities `[H, W]` float32 in [0, 1].
 * @returns SliceMetrics (types.ts).
 * @throws EngineError E_SHAPE if the lengths differ.
 */
export function sliceMetrics(gt: GroundTruth, prob: ArrayLike<number>): SliceMetrics {
  checkLengths(gt, prob, 'sliceMetrics')
  let sp = 0
  let syp = 0
  let tumor = 0
  let predicted = 0
  let truePositives = 0
  for (let i = 0; i < prob.length; i++) {
    const p = prob[i]
    const hit = p >= DICE_THRESHOLD
    sp += p
    if (hit) predicted++
    if (gt[i] > 0) {
      tumor++
      syp += p
      if (hit) truePositives++
    }
  }
  return {
    softDice: (2 * syp + SOFT_DICE_SMOOTH) / (tumor + sp + SOFT_DICE_SMOOTH),
    binaryDice: tumor + predicted === 0 ? null : (2 * truePositives) / (tumor + predicted),
    falsePositives: predicted - truePositives,
    falseNegatives: tumor - truePositives,
    tumorPixels: tumor,
    predictedPixels: predicted,
  }
}

/** Mean of per-slice Dice values with the empty-mask policy applied. */
export interface MeanDice {
  /** Mean of the defined values; null when there are none. */
  mean: number | null
  /** Values that entered the mean. */
  count: number
  /** Values left out because they were null (both masks empty). */
  excludedEmpty: number
}

/**
 * Mean Dice over slices, leaving out nulls (slices where the binary Dice is undefined) and counting them.
 *
 * @param values Per-slice Dice values; null = undefined.
 * @throws EngineError E_ARGS naming the index of a value that is neither null nor a finite number.
 */
export function meanDice(values: readonly (number | null | undefined)[]): MeanDice {
  let sum = 0
  let count = 0
  let excludedEmpty = 0
  values.forEach((v, i) => {
    if (v === null || v === undefined) {
      excludedEmpty++
      return
    }
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new EngineError('E_ARGS', `meanDice: value ${i} is ${String(v)}, expected a finite number or null`)
    sum += v
    count++
  })
  return { mean: count === 0 ? null : sum / count, count, excludedEmpty }
}

function checkLengths(gt: GroundTruth, prob: ArrayLike<number>, what: string): void {
  if (gt.length !== prob.length)
    throw new EngineError('E_SHAPE', `${what}: ground truth has ${gt.length} pixels, prediction ${prob.length}`)
}
