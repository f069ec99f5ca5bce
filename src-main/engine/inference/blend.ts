/**
 * Blending of overlapping window predictions: every window's probabilities are added, times a per-pixel weight,
 * into a float64 accumulator; the blended probability is the accumulator divided by the sum of the weights that
 * reached that pixel.
 *
 * - 'mean' (the paper): weight 1 everywhere, so the result is the plain mean of the overlapping probabilities over
 *   a count map (TSI: `combined[...] += tile; count[...] += 1; combined /= count`).
 * - 'gaussian' (nnU-Net, MONAI): a separable Gaussian importance map with sigma = P/8 centred on the tile, so tile
 *   borders, where the U-Net sees padding instead of context, count less.
 *
 * Accumulation is in float64 (as numpy's default `np.zeros` in TSI), so a constant or `x + 1` oracle comes back
 * bit-exact after the final float32 rounding.
 *
 * @source paper-spec §4 (TSI `predict_tiles`); MONAI `compute_importance_map` (mode 'gaussian', sigma_scale
 *   0.125, clamp at 1e-3); nnU-Net `compute_gaussian` (sigma_scale 1/8).
 */
import { EngineError } from '../../common/errors'
import type { Blend } from '../../common/types'

/** Default Gaussian sigma as a fraction of the tile side (nnU-Net, MONAI). */
export const GAUSSIAN_SIGMA_SCALE = 1 / 8

/** Smallest Gaussian weight; no pixel of a tile gets weight 0 (MONAI's floor). */
export const GAUSSIAN_MIN_WEIGHT = 1e-3

/**
 * The Gaussian importance map of a P×P tile, exactly as MONAI's `compute_importance_map(mode='gaussian')`:
 * w(y, x) = g(y) · g(x) with g(i) = exp(−(i − (P − 1)/2)² / (2σ²)), σ = sigmaScale · P, centred between the two
 * middle pixels when P is even (symmetric under flips). Not renormalised: the peak is g(centre)² ≤ 1 (exactly 1
 * for odd P, 0.9990… for P = 128) — the scale cancels in the blend's division. Then every weight is clamped to
 * at least `minWeight` (1e-3; for P/8 the corner would be exp(−16) ≈ 1e-7), so pixels covered only by tile
 * borders keep a well-defined blended value.
 *
 * @param tile       Tile side P in pixels, integer ≥ 1.
 * @param sigmaScale σ / P, > 0; default 1/8.
 * @param minWeight  Lower clamp, in (0, 1]; default 1e-3.
 * @returns `[P, P]` float64 weights, row-major, in [minWeight, 1].
 * @throws EngineError E_ARGS naming the value when an argument is out of range.
 * @source MONAI monai/data/utils.py `compute_importance_map`; nnU-Net `compute_gaussian`.
 */
export function gaussianImportanceMap(
  tile: number,
  sigmaScale = GAUSSIAN_SIGMA_SCALE,
  minWeight = GAUSSIAN_MIN_WEIGHT,
): Float64Array {
  if (!Number.isInteger(tile) || tile < 1)
    throw new EngineError('E_ARGS', `blend: tile must be an integer ≥ 1, received ${String(tile)}`)
  if (!(sigmaScale > 0) || !Number.isFinite(sigmaScale))
    throw new EngineError('E_ARGS', `blend: sigmaScale must be > 0, received ${String(sigmaScale)}`)
  if (!(minWeight > 0 && minWeight <= 1))
    throw new EngineError('E_ARGS', `blend: minWeight must be in (0, 1], received ${String(minWeight)}`)
  const sigma = sigmaScale * tile
  const centre = (tile - 1) / 2
  const g = new Float64Array(tile)
  for (let i = 0; i < tile; i++) g[i] = Math.exp(-((i - centre) ** 2) / (2 * sigma * sigma))
  const map = new Float64Array(tile * tile)
  for (let y = 0; y < tile; y++) {
    for (let x = 0; x < tile; x++) map[y * tile + x] = Math.max(g[y] * g[x], minWeight)
  }
  return map
}

/**
 * Per-pixel weights of a P×P tile for a blend mode.
 *
 * @returns null for 'mean' (every weight is 1), the Gaussian importance map for 'gaussian'.
 * @throws EngineError E_ARGS for an unknown blend.
 */
export function blendWeights(blend: Blend, tile: number): Float64Array | null {
  if (blend === 'mean') return null
  if (blend === 'gaussian') return gaussianImportanceMap(tile)
  throw new EngineError('E_ARGS', `blend: must be 'mean' or 'gaussian', received ${JSON.stringify(blend)}`)
}

/** A rectangle of an `[H, W]` slice: rows [y0, y0 + height), columns [x0, x0 + width). */
export interface Region {
  y0: number
  x0: number
  height: number
  width: number
}

/**
 * Adds one window's probabilities (times its weights) into a region accumulator. Only the pixels of the window
 * that fall inside the region are added; window pixels beyond it (padding, or outside a crop) are ignored.
 *
 * @param acc     Region accumulator `[region.height, region.width]` float64, row-major.
 * @param region  The region of the slice that `acc` covers.
 * @param prob    Model output holding the window at `probOffset`: `[wh, ww]` float32, row-major.
 * @param originY Slice row of the window's top-left pixel (≥ 0).
 * @param originX Slice column of the window's top-left pixel (≥ 0).
 * @param weights `[wh, ww]` float64 weights, or null for weight 1.
 */
export function accumulateWindow(
  acc: Float64Array,
  region: Region,
  prob: Float32Array,
  probOffset: number,
  windowHeight: number,
  windowWidth: number,
  originY: number,
  originX: number,
  weights: Float64Array | null,
): void {
  const yStart = Math.max(region.y0, originY)
  const yEnd = Math.min(region.y0 + region.height, originY + windowHeight)
  const xStart = Math.max(region.x0, originX)
  const xEnd = Math.min(region.x0 + region.width, originX + windowWidth)
  const n = xEnd - xStart
  if (n <= 0) return
  for (let y = yStart; y < yEnd; y++) {
    const a = (y - region.y0) * region.width + (xStart - region.x0)
    const w = (y - originY) * windowWidth + (xStart - originX)
    const p = probOffset + w
    if (weights === null) {
      for (let i = 0; i < n; i++) acc[a + i] += prob[p + i]
    } else {
      for (let i = 0; i < n; i++) acc[a + i] += weights[w + i] * prob[p + i]
    }
  }
}

/**
 * Sum of the window weights reaching each pixel of a region: the paper's count map for 'mean', Σ Gaussian
 * weights for 'gaussian'. Computed once per layout and shared by every slice.
 *
 * @param region  The region of the slice being blended.
 * @param origins Window origins `[y, x]` in slice pixels.
 * @returns `[region.height, region.width]` float64.
 * @throws EngineError E_INTERNAL if a pixel of the region is reached by no window (a layout bug).
 */
export function weightSumMap(
  region: Region,
  windowHeight: number,
  windowWidth: number,
  origins: readonly (readonly [number, number])[],
  weights: Float64Array | null,
): Float64Array {
  const sum = new Float64Array(region.height * region.width)
  for (const [originY, originX] of origins) {
    const yStart = Math.max(region.y0, originY)
    const yEnd = Math.min(region.y0 + region.height, originY + windowHeight)
    const xStart = Math.max(region.x0, originX)
    const xEnd = Math.min(region.x0 + region.width, originX + windowWidth)
    for (let y = yStart; y < yEnd; y++) {
      for (let x = xStart; x < xEnd; x++) {
        sum[(y - region.y0) * region.width + (x - region.x0)] +=
          weights === null ? 1 : weights[(y - originY) * windowWidth + (x - originX)]
      }
    }
  }
  for (let i = 0; i < sum.length; i++) {
    if (!(sum[i] > 0)) {
      const y = region.y0 + Math.floor(i / region.width)
      const x = region.x0 + (i % region.width)
      throw new EngineError('E_INTERNAL', `blend: pixel (${y}, ${x}) is covered by no window`)
    }
  }
  return sum
}

/**
 * Final blend of one slice: out = acc / weightSum, rounded to float32; then clears `acc` for reuse.
 *
 * @param acc       Region accumulator, float64; zeroed on return.
 * @param weightSum Region weight sums from `weightSumMap`, all > 0.
 * @returns A new `[region.height, region.width]` float32 array that the caller owns.
 */
export function finishBlend(acc: Float64Array, weightSum: Float64Array): Float32Array {
  const out = new Float32Array(acc.length)
  for (let i = 0; i < acc.length; i++) out[i] = acc[i] / weightSum[i]
  acc.fill(0)
  return out
}
