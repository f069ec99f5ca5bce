/**
 * Tiled (sliding-window) inference, the paper's "tiled" prediction: the U-Net runs on overlapping P×P tiles at the
 * paper's offsets and the tile probabilities are blended back into the slice (mean over a count map, or Gaussian).
 *
 * @source paper-spec §4 (TSI `predict_tiles`: 128×128 tiles, stride 64, offsets 0/64/112, mean blend);
 *   MONAI `sliding_window_inference` (batching, importance-map blending, padding of small images).
 */
import { blendWeights, weightSumMap } from './blend'
import type { Predictor } from './predictor'
import { tileLayout, type TileLayout } from './tiling'
import {
  inputMultipleOf,
  runWindowedInference,
  validateSlices,
  type InferenceOptions,
  type InferenceResult,
  type WindowPlan,
} from './windowedInference'
import type { Tiling } from '../../common/types'

/** A tile plan and the layout it came from; reusable for every slice of a volume. */
export interface TilePlan {
  layout: TileLayout
  plan: WindowPlan
}

/**
 * Builds the tile windows and blend maps of an `[H, W]` slice (validated first).
 *
 * @param inputMultiple The predictor's inputMultiple: the tile must be a multiple of it.
 * @throws EngineError E_ARGS naming the value (tile < 1 or not an integer or not a multiple of inputMultiple,
 *   overlap outside [0, 1), unknown blend, bad height/width).
 */
export function tilePlan(height: number, width: number, tiling: Tiling, inputMultiple: number): TilePlan {
  const layout = tileLayout(height, width, tiling, inputMultiple)
  const weights = blendWeights(tiling.blend, layout.tile)
  const region = { y0: 0, x0: 0, height, width }
  const weightSum = weightSumMap(region, layout.tile, layout.tile, layout.origins, weights)
  return {
    layout,
    plan: { windowHeight: layout.tile, windowWidth: layout.tile, origins: layout.origins, region, weights, weightSum },
  }
}

/**
 * Tiled inference of one or many axial slices of the same size.
 *
 * Every tile `[P, P]` is cut from the slice at the layout's origins (slices smaller than P are padded at the
 * bottom/right with the slice minimum, see padding.ts), tiles of consecutive slices are packed into batches of at
 * most `predictor.maxBatch(P, P)`, and each pixel's probability is Σ w·p / Σ w over the tiles covering it (w = 1:
 * the paper's mean; w = Gaussian, σ = P/8). Padding is cropped away, so every output is `[H, W]` and every pixel
 * is covered by at least one tile.
 *
 * @param slices    Axial slices, each `[H, W]` float32 row-major, z-scored (views into a volume are fine).
 * @param height    H in pixels.
 * @param width     W in pixels.
 * @param predictor The model (predictor.ts).
 * @param tiling    Tile side P (a multiple of predictor.inputMultiple), overlap in [0, 1), blend.
 * @param options   Cancellation token (checked before every batch), per-slice callback, retention.
 * @returns Probabilities `[H, W]` float32 in [0, 1] per slice (input order), stats (forward passes = tiles).
 * @throws EngineError E_ARGS / E_SHAPE before any forward pass for bad tiling or slices; E_MODEL for a predictor
 *   that breaks its contract; E_CANCELLED when the token fires.
 * @source paper-spec §4; MONAI `sliding_window_inference`.
 */
export async function slidingWindowInference(
  slices: readonly Float32Array[],
  height: number,
  width: number,
  predictor: Predictor,
  tiling: Tiling,
  options: InferenceOptions = {},
): Promise<InferenceResult & { layout: TileLayout }> {
  const { layout, plan } = tilePlan(height, width, tiling, inputMultipleOf(predictor))
  validateSlices(slices, height, width, 'slidingWindow')
  const result = await runWindowedInference(slices, height, width, plan, predictor, options, 'tiled inference')
  return { ...result, layout }
}
