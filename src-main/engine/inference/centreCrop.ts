/**
 * The paper's centre-crop experiment (Fig. 3): the U-Net predicts only the P×P centre crop of a slice (128×128
 * = [56:184, 56:184] of a 240×240 slice), and that crop's Dice is computed against the ground truth cropped to the
 * same window, while the whole-image Dice uses the whole slice: the two use different ground-truth regions.
 *
 * @source paper-spec §4 (CCF `compare_cropped_to_full.ipynb`).
 */
import { EngineError } from '../../common/errors'
import type { Region } from './blend'
import type { Predictor } from './predictor'
import {
  inputMultipleOf,
  runWindowedInference,
  validateSlices,
  type InferenceOptions,
  type InferenceResult,
} from './windowedInference'

/** The paper's crop side. */
export const PAPER_CROP = 128

/**
 * The centred P×P window of an `[H, W]` slice: y0 = ⌊(H − P)/2⌋, x0 = ⌊(W − P)/2⌋ (240, 128 → 56, so rows and
 * columns [56, 184)).
 *
 * @param crop P in pixels, integer in [1, min(H, W)].
 * @throws EngineError E_ARGS naming the value when P is not an integer in range or H, W are not integers ≥ 1.
 */
export function centreCropWindow(height: number, width: number, crop: number = PAPER_CROP): Region {
  for (const [name, v] of [['height', height], ['width', width]] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new EngineError('E_ARGS', `centreCrop: ${name} must be an integer ≥ 1, received ${v}`)
  }
  const max = Math.min(height, width)
  if (!Number.isInteger(crop) || crop < 1 || crop > max)
    throw new EngineError(
      'E_ARGS',
      `centreCrop: crop must be an integer in [1, ${max}] for a ${height}×${width} slice, received ${crop}`,
    )
  return { y0: Math.floor((height - crop) / 2), x0: Math.floor((width - crop) / 2), height: crop, width: crop }
}

/** Typed arrays `cropSlice` accepts (probabilities, images, label maps). */
export type SliceArray = Float32Array | Float64Array | Uint8Array | Uint16Array | Int16Array | Int32Array

/**
 * Copies a window out of an `[H, W]` slice (e.g. the ground truth, for the crop's Dice).
 *
 * @param data   `[height, width]` row-major.
 * @param window Inside the slice.
 * @returns A new `[window.height, window.width]` array of the same type.
 * @throws EngineError E_SHAPE if data.length ≠ height·width; E_ARGS if the window leaves the slice.
 */
export function cropSlice<T extends SliceArray>(data: T, height: number, width: number, window: Region): T {
  if (data.length !== height * width)
    throw new EngineError('E_SHAPE', `cropSlice: ${data.length} values, [${height}, ${width}] needs ${height * width}`)
  const { y0, x0, height: h, width: w } = window
  const integers = [y0, x0, h, w].every(Number.isInteger)
  if (!integers || y0 < 0 || x0 < 0 || h < 1 || w < 1 || y0 + h > height || x0 + w > width)
    throw new EngineError('E_ARGS', `cropSlice: window ${JSON.stringify(window)} is not inside ${height}×${width}`)
  const out = new (data.constructor as new (n: number) => T)(h * w)
  for (let r = 0; r < h; r++) out.set(data.subarray((y0 + r) * width + x0, (y0 + r) * width + x0 + w), r * w)
  return out
}

/**
 * Centre-crop inference of one or many slices: one forward pass of the P×P centre crop per slice, batched.
 *
 * @param slices    Axial slices, each `[H, W]` float32 row-major, z-scored.
 * @param crop      P, a multiple of predictor.inputMultiple, ≤ min(H, W); default 128 (the paper).
 * @returns `window` (the crop, in slice pixels), probabilities `[P, P]` float32 per slice, stats.
 * @throws EngineError E_ARGS / E_SHAPE before any forward pass (bad crop, crop not a multiple of inputMultiple,
 *   bad slices); E_CANCELLED when the token fires.
 * @source paper-spec §4 (CCF).
 */
export async function centreCropInference(
  slices: readonly Float32Array[],
  height: number,
  width: number,
  predictor: Predictor,
  crop: number = PAPER_CROP,
  options: InferenceOptions = {},
): Promise<InferenceResult & { window: Region }> {
  const window = centreCropWindow(height, width, crop)
  const multiple = inputMultipleOf(predictor)
  if (crop % multiple !== 0)
    throw new EngineError(
      'E_ARGS',
      `centreCrop: crop ${crop} is not a multiple of the model's input multiple ${multiple}`,
    )
  validateSlices(slices, height, width, 'centreCrop')
  const plan = {
    windowHeight: crop,
    windowWidth: crop,
    origins: [[window.y0, window.x0]] as [number, number][],
    region: window,
    weights: null,
    weightSum: new Float64Array(crop * crop).fill(1),
  }
  const result = await runWindowedInference(slices, height, width, plan, predictor, options, 'centre-crop inference')
  return { ...result, window }
}
