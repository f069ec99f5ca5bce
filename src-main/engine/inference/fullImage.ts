/**
 * Full-image inference, the paper's "whole" prediction: the U-Net sees the whole axial slice in one forward pass
 * (the net is fully convolutional, so the weights trained on 128×128 crops run on 240×240).
 *
 * @source paper-spec §2 (input (None, None, 1)), §4 ("model.predict on the full 240×240 FLAIR slice").
 */
import type { Predictor } from './predictor'
import { roundUpToMultiple } from './padding'
import {
  inputMultipleOf,
  runWindowedInference,
  validateSlices,
  type InferenceOptions,
  type InferenceResult,
  type WindowPlan,
} from './windowedInference'

/**
 * The plan of full-image inference: one window, the slice padded at the bottom/right to the next multiple of
 * `inputMultiple` (240 stays 240 for the paper's U-Net; 155 becomes 160), output the whole slice.
 *
 * @param inputMultiple The predictor's inputMultiple (2^depth), integer ≥ 1.
 */
export function fullImagePlan(height: number, width: number, inputMultiple: number): WindowPlan {
  const region = { y0: 0, x0: 0, height, width }
  return {
    windowHeight: roundUpToMultiple(height, inputMultiple),
    windowWidth: roundUpToMultiple(width, inputMultiple),
    origins: [[0, 0]],
    region,
    weights: null,
    weightSum: new Float64Array(height * width).fill(1),
  }
}

/**
 * Full-image inference of one or many axial slices of the same size, several slices per predictor call
 * (at most `predictor.maxBatch(H', W')`).
 *
 * When H or W is not a multiple of `predictor.inputMultiple`, each slice is padded at the bottom/right to
 * `[H', W']` = the next multiples, with the slice's minimum (its z-scored background; padding.ts says why), and
 * the output is cropped back to `[H, W]`.
 *
 * @param slices    Axial slices, each `[H, W]` float32 row-major, z-scored (views into a volume are fine).
 * @param height    H in pixels.
 * @param width     W in pixels.
 * @param predictor The model (predictor.ts).
 * @param options   Cancellation token (checked before every batch), per-slice callback, retention.
 * @returns Probabilities `[H, W]` float32 in [0, 1] per slice (input order) and stats (1 forward pass a slice).
 * @throws EngineError E_ARGS / E_SHAPE before any forward pass for bad sizes or slices; E_MODEL for a predictor
 *   that breaks its contract; E_CANCELLED when the token fires.
 * @source paper-spec §4 (TSI whole-image `model.predict`).
 */
export async function fullImageInference(
  slices: readonly Float32Array[],
  height: number,
  width: number,
  predictor: Predictor,
  options: InferenceOptions = {},
): Promise<InferenceResult> {
  const multiple = inputMultipleOf(predictor)
  validateSlices(slices, height, width, 'fullImage')
  const plan = fullImagePlan(height, width, multiple)
  return runWindowedInference(slices, height, width, plan, predictor, options, 'full-image inference')
}
