/**
 * Tile geometry of tiled (sliding-window) inference: stride from overlap, tile offsets along an axis, and the
 * 2D layout of one slice. Pure arithmetic, no buffers: slidingWindow.ts turns a layout into forward passes.
 *
 * Conventions: offsets and origins are in pixels of the (padded) slice, origin (0, 0) at the top-left pixel;
 * an origin is `[y, x]` = `[row, column]` of the tile's top-left pixel. Padding is added at the bottom and right
 * only, so pixel (0, 0) of the slice stays pixel (0, 0) of the padded slice.
 *
 * @source paper-spec §4 (TSI `predict_tiles`): offsets {kS : kS < L − P} ∪ {L − P}; MONAI
 *   `sliding_window_inference` (overlap in [0, 1), images smaller than the tile padded to it).
 */
import { EngineError } from '../../common/errors'
import type { Blend, Tiling } from '../../common/types'

/** Where the tiles of one slice go. */
export interface TileLayout {
  /** Tile side P in pixels (square tiles). */
  tile: number
  /** Stride S in pixels between neighbouring tile offsets (the last offset may be closer: L − P). */
  stride: number
  /** The overlap actually used, 1 − S/P (differs from the requested one when P·(1 − overlap) is not an integer). */
  effectiveOverlap: number
  /** Slice size [H, W] in pixels. */
  height: number
  width: number
  /** Slice size after padding: max(H, P) × max(W, P). Padding goes at the bottom and the right. */
  paddedHeight: number
  paddedWidth: number
  /** Tile offsets along y (rows) and x (columns), ascending, from `tileOffsets`. */
  offsetsY: number[]
  offsetsX: number[]
  /** Tile origins `[y, x]`, the Cartesian product offsetsY × offsetsX, row-major (y outer, x inner). */
  origins: [number, number][]
  /** origins.length = offsetsY.length · offsetsX.length: forward passes per slice. */
  tilesPerSlice: number
}

const BLENDS: readonly Blend[] = ['mean', 'gaussian']

/**
 * Tile offsets along one axis: start at 0 and advance by `stride`; while an offset is < L − P it is kept,
 * otherwise the last tile is shifted back to end flush with the border (offset L − P) and the axis stops.
 * So the offsets are {kS : kS < L − P} ∪ {L − P}. When P ≥ L the axis is padded to P and the result is [0].
 *
 * Examples: (240, 128, 64) → [0, 64, 112]; (240, 128, 32) → [0, 32, 64, 96, 112];
 * (240, 64, 32) → [0, 32, …, 160, 176]; (155, 128, 64) → [0, 27]; (100, 256, 32) → [0].
 *
 * @param length Image length L in pixels, integer ≥ 1.
 * @param tile   Tile side P in pixels, integer ≥ 1.
 * @param stride Step S in pixels, integer in [1, P] (a larger step would leave pixels uncovered).
 * @returns Ascending offsets; every pixel in [0, max(L, P)) lies in at least one tile [o, o + P).
 * @throws EngineError E_ARGS naming the value when L, P or S is not an integer in its range.
 * @source paper-spec §4 (TSI `predict_tiles`).
 */
export function tileOffsets(length: number, tile: number, stride: number): number[] {
  requireInteger('image length', length, 1)
  requireInteger('tile', tile, 1)
  requireInteger('stride', stride, 1)
  if (stride > tile) throw new EngineError('E_ARGS', `tiling: stride ${stride} > tile ${tile} would leave gaps`)
  const last = length - tile
  if (last <= 0) return [0]
  const offsets: number[] = []
  for (let idx = 0; ; idx += stride) {
    if (idx < last) offsets.push(idx)
    else {
      offsets.push(last)
      return offsets
    }
  }
}

/**
 * Stride from overlap: S = max(1, round(P · (1 − overlap))), rounding half up. The product is first snapped to
 * 1e-9 so that decimal overlaps round as their decimal value would (P = 10, overlap 0.55 → 4.5 → S = 5, although
 * 1 − 0.55 is 0.4499… in binary). Exact for the paper's settings: 128/0.5 → 64, 128/0.75 → 32, 64/0.5 → 32.
 *
 * @param tile    Tile side P in pixels, integer ≥ 1.
 * @param overlap Fraction of a tile shared with its neighbour, 1 − S/P, in [0, 1).
 * @returns S in pixels, integer in [1, P].
 * @throws EngineError E_ARGS naming the value when P is not an integer ≥ 1 or overlap is outside [0, 1).
 * @source MONAI `sliding_window_inference` (overlap in [0, 1)); paper-spec §4 (overlap = 100 − 100·S/P %).
 */
export function strideFor(tile: number, overlap: number): number {
  requireInteger('tile', tile, 1)
  requireOverlap(overlap)
  const exact = Math.round(tile * (1 - overlap) * 1e9) / 1e9
  return Math.min(tile, Math.max(1, Math.floor(exact + 0.5)))
}

/**
 * Checks a tiling before any work: tile an integer ≥ 1 and a multiple of the predictor's inputMultiple,
 * overlap in [0, 1), blend 'mean' or 'gaussian'.
 *
 * @param tiling        The settings to check.
 * @param inputMultiple The predictor's `inputMultiple` (16 for the paper's U-Net); 1 accepts any tile.
 * @throws EngineError E_ARGS naming the offending value.
 */
export function validateTiling(tiling: Tiling, inputMultiple = 1): void {
  if (tiling === null || typeof tiling !== 'object')
    throw new EngineError('E_ARGS', `tiling: expected {tile, overlap, blend}, received ${String(tiling)}`)
  requireInteger('tile', tiling.tile, 1)
  requireOverlap(tiling.overlap)
  if (!BLENDS.includes(tiling.blend))
    throw new EngineError(
      'E_ARGS',
      `tiling: blend must be 'mean' or 'gaussian', received ${JSON.stringify(tiling.blend)}`,
    )
  requireInteger('inputMultiple', inputMultiple, 1)
  if (tiling.tile % inputMultiple !== 0)
    throw new EngineError(
      'E_ARGS',
      `tiling: tile ${tiling.tile} is not a multiple of the model's input multiple ${inputMultiple}`,
    )
}

/**
 * Layout of the tiles of one `[H, W]` slice: offsets per axis (`tileOffsets`), their Cartesian product, stride
 * (`strideFor`) and padding. 240×240 with 128/0.5 gives 9 tiles; 128/0.75 gives 25; 64/0.5 gives 49.
 *
 * @param height H in pixels, integer ≥ 1.
 * @param width  W in pixels, integer ≥ 1.
 * @param tiling Tile side and overlap (blend is checked but does not change the layout).
 * @param inputMultiple When given, the tile must be a multiple of it (the predictor's `inputMultiple`).
 * @throws EngineError E_ARGS naming the value (see `validateTiling`, `tileOffsets`).
 * @source paper-spec §4 ("Number of tile calculations = 9").
 */
export function tileLayout(height: number, width: number, tiling: Tiling, inputMultiple = 1): TileLayout {
  validateTiling(tiling, inputMultiple)
  requireInteger('height', height, 1)
  requireInteger('width', width, 1)
  const tile = tiling.tile
  const stride = strideFor(tile, tiling.overlap)
  const offsetsY = tileOffsets(height, tile, stride)
  const offsetsX = tileOffsets(width, tile, stride)
  const origins: [number, number][] = []
  for (const y of offsetsY) for (const x of offsetsX) origins.push([y, x])
  return {
    tile,
    stride,
    effectiveOverlap: 1 - stride / tile,
    height,
    width,
    paddedHeight: Math.max(height, tile),
    paddedWidth: Math.max(width, tile),
    offsetsY,
    offsetsX,
    origins,
    tilesPerSlice: origins.length,
  }
}

function requireInteger(name: string, value: number, min: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
    throw new EngineError('E_ARGS', `tiling: ${name} must be an integer ≥ ${min}, received ${String(value)}`)
}

function requireOverlap(overlap: number): void {
  if (typeof overlap !== 'number' || !Number.isFinite(overlap) || overlap < 0 || overlap >= 1)
    throw new EngineError('E_ARGS', `tiling: overlap must be in [0, 1), received ${String(overlap)}`)
}
