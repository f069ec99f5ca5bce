/**
 * Where the tiles of a tiling fall on a slice: the layout the viewer draws as the tile grid. Pure TS.
 *
 * Rule (paper-spec §4, TSI `predict_tiles`): along an axis of length L with tile P and step S, start at 0 and advance
 * by S; an offset idx is kept while idx < L − P; then the last tile is shifted back to end flush with the border
 * (offset L − P) and the axis stops. No padding. S = round(P·(1 − overlap)) (common/types.ts Tiling).
 * The same rule as the engine's engine/inference/tiling.ts (tileOffsets, strideFromOverlap); the renderer may import
 * only from common/, hence this copy for drawing the grid.
 * Examples on 240: 128/64 → {0, 64, 112} (9 tiles); 128/32 → {0, 32, 64, 96, 112}; 64/32 → {0, 32, …, 160, 176}.
 * A tile at least as long as the axis gives the single offset 0 (the engine pads such a slice; the grid shows
 * one tile clipped to the slice).
 */
import type { Tiling } from './types'

/**
 * Tile offsets along one axis.
 * @param length Axis length L in pixels (≥ 1).
 * @param tile   Tile side P in pixels (≥ 1).
 * @param overlap Fraction in [0, 1).
 * @returns Ascending offsets in pixels.
 * @throws RangeError when an argument is out of range (this is display code: the engine validates requests).
 */
export function tileOffsets(length: number, tile: number, overlap: number): number[] {
  if (!(length >= 1) || !(tile >= 1) || !(overlap >= 0 && overlap < 1))
    throw new RangeError(`tileOffsets: length ${length}, tile ${tile}, overlap ${overlap}`)
  if (tile >= length) return [0]
  // Snapped to 1e-9 before rounding half up, as the engine does (engine/inference/tiling.ts), so that decimal
  // overlaps round as their decimal value would.
  const step = Math.max(1, Math.round(Math.round(tile * (1 - overlap) * 1e9) / 1e9))
  const out: number[] = []
  for (let idx = 0; ; idx += step) {
    if (idx < length - tile) out.push(idx)
    else {
      out.push(length - tile)
      return out
    }
  }
}

/** One tile of a slice: pixel rectangle [x0, x0 + width) × [y0, y0 + height), x along i (columns), y along j (rows). */
export interface TileRect {
  x0: number
  y0: number
  width: number
  height: number
}

/**
 * All tiles of an `[H, W] = [ny, nx]` slice, row by row.
 * @returns nTilesY·nTilesX rectangles, clipped to the slice.
 */
export function tileLayout(nx: number, ny: number, tiling: Pick<Tiling, 'tile' | 'overlap'>): TileRect[] {
  const xs = tileOffsets(nx, tiling.tile, tiling.overlap)
  const ys = tileOffsets(ny, tiling.tile, tiling.overlap)
  const rects: TileRect[] = []
  for (const y0 of ys)
    for (const x0 of xs) rects.push({ x0, y0, width: Math.min(tiling.tile, nx), height: Math.min(tiling.tile, ny) })
  return rects
}
