/**
 * The report's picture of one axial slice, after the paper's Figs. 4 and 8-10: five panels side by side,
 * 1. FLAIR (gray, percentile window), 2. ground truth (filled, outlined), 3. whole-image prediction heatmap,
 * 4. tiled prediction heatmap with the tile borders dashed, 5. probability difference full − tiled.
 * Every panel after the first carries the ground-truth outline. Heatmaps use CONFIDENCE_COLORMAP and the difference
 * DIFFERENCE_COLORMAP (common/colormaps.ts), so the viewer shows the same colours. Panels are shown in
 * radiological orientation (screen left = patient right, anterior up; io/orientation.ts) and upscaled by an
 * integer factor so small slices stay legible. Captions are written by the HTML, not into the pixels.
 *
 * @source Reina & Panchumarthy 2018, Figs. 4, 8-10 (FLAIR, ground truth, whole-image and tiled predictions).
 */
import { CONFIDENCE_COLORMAP, DIFFERENCE_COLORMAP } from '../../common/colormaps'
import type { Affine } from '../../common/types'
import { radiologicalSlice } from '../io/orientation'
import {
  encodePng,
  fillMask,
  grayImage,
  outlineMask,
  overlayColormap,
  sideBySide,
  upscale,
  type RgbaImage,
} from './rgbaImage'

/** Ground-truth colour (outline and fill): a green that stands apart from plasma and RdBu. */
export const GROUND_TRUTH_RGB: [number, number, number] = [64, 255, 96]
const TILE_GRID_RGB: [number, number, number] = [235, 235, 235]
/** Background between panels. */
export const BACKGROUND_RGB: [number, number, number] = [17, 17, 17]

/** Titles of the five panels, left to right. */
export const PANEL_TITLES = ['FLAIR', 'Ground truth', 'Whole image', 'Tiled', 'Difference (whole − tiled)'] as const

export interface SlicePanelInput {
  /** FLAIR axial slice `[ny, nx]` as stored (NIfTI order, row j, column i), raw intensities. */
  flair: Float32Array
  /** Ground truth `[ny, nx]`, tumour > 0. */
  groundTruth: Uint8Array
  /** Probabilities `[ny, nx]` in [0, 1]. */
  full: Float32Array
  tiled: Float32Array
  /** nx, ny of the grid (dims[0], dims[1]). */
  nx: number
  ny: number
  /** Voxel → world affine, for the radiological display. */
  affine: Affine
  /** FLAIR window [lo, hi] (intensityWindow). */
  window: [number, number]
  /** Tile origins `[y, x]` and side in slice pixels (tiling.ts TileLayout), drawn dashed on panel 4. */
  tiles?: { origins: readonly (readonly [number, number])[]; tile: number }
  /** Smallest displayed side in pixels (default 200): the integer upscale factor is ⌈minSide / max(h, w)⌉. */
  minSide?: number
  /**
   * Crop every panel to the head (FLAIR above the slice's minimum, ground truth, or p ≥ 0.05 in either
   * prediction) plus an 8-pixel margin, so the brain fills the picture (default true).
   */
  crop?: boolean
}

export interface SlicePanels {
  png: Uint8Array
  width: number
  height: number
  /** Width of one panel in pixels (after upscaling); panels are separated by 4 px. */
  panelWidth: number
}

/** The five panels as one RGBA image, before PNG encoding (composeSlicePanels). */
export interface SlicePanelImage {
  image: RgbaImage
  /** Width and height of one panel in pixels (after upscaling). */
  panelWidth: number
  panelHeight: number
  /** Gap between neighbouring panels, pixels. */
  gap: number
  /** Integer upscale factor applied to the (cropped) slice. */
  factor: number
}

/** Pixels between neighbouring panels. */
export const PANEL_GAP = 4

/**
 * Renders the five-panel PNG of a slice.
 * @returns PNG bytes and geometry; the same inputs give the same bytes.
 */
export function renderSlicePanels(input: SlicePanelInput): SlicePanels {
  const { image, panelWidth } = composeSlicePanels(input)
  return { png: encodePng(image), width: image.width, height: image.height, panelWidth }
}

/**
 * The five panels of a slice side by side as an RGBA image (what renderSlicePanels encodes), for pictures that add
 * captions around them (e.g. `tilelab predict`).
 * @returns The image and its panel geometry: panel p spans x ∈ [p·(panelWidth + gap), p·(panelWidth + gap) + panelWidth).
 */
export function composeSlicePanels(input: SlicePanelInput): SlicePanelImage {
  const { nx, ny, affine } = input
  const dims = [nx, ny]
  const orient = <T extends Float32Array | Uint8Array>(a: T): { data: T; width: number; height: number } =>
    radiologicalSlice(a, dims, affine)
  let flair = orient(input.flair)
  let gt = orient(input.groundTruth).data
  let full = orient(input.full).data
  let tiled = orient(input.tiled).data
  let grid = input.tiles ? orient(tileGridMask(nx, ny, input.tiles.origins, input.tiles.tile)).data : null
  const box = input.crop === false ? null : contentBox(flair.data, gt, full, tiled, flair.width, flair.height, 8)
  if (box) {
    const stored = flair.width
    const c = <T extends Float32Array | Uint8Array>(a: T): T => cropArray(a, stored, box)
    flair = { data: c(flair.data), width: box.width, height: box.height }
    gt = c(gt)
    full = c(full)
    tiled = c(tiled)
    grid = grid ? c(grid) : null
  }
  const diff = new Float32Array(full.length)
  for (let i = 0; i < diff.length; i++) diff[i] = full[i] - tiled[i]
  const { width: w, height: h } = flair
  const gray = (brightness = 1): RgbaImage => grayImage(flair.data, w, h, input.window, brightness)

  const panels = [
    gray(),
    outlineMask(fillMask(gray(), gt, GROUND_TRUTH_RGB, 0.35), gt, GROUND_TRUTH_RGB),
    outlineMask(overlayColormap(gray(0.85), full, CONFIDENCE_COLORMAP), gt, GROUND_TRUTH_RGB),
    outlineMask(drawMask(overlayColormap(gray(0.85), tiled, CONFIDENCE_COLORMAP), grid), gt, GROUND_TRUTH_RGB),
    outlineMask(overlayColormap(gray(0.6), diff, DIFFERENCE_COLORMAP), gt, GROUND_TRUTH_RGB),
  ]
  const factor = Math.max(1, Math.ceil((input.minSide ?? 200) / Math.max(w, h)))
  const image = sideBySide(
    panels.map((p) => upscale(p, factor)),
    PANEL_GAP,
    BACKGROUND_RGB,
  )
  return { image, panelWidth: w * factor, panelHeight: h * factor, gap: PANEL_GAP, factor }
}

/**
 * FLAIR display window from the volume's intensity percentiles, background excluded.
 *
 * Background is taken to be the volume's minimum (0 for BraTS, a negative constant for z-scored BraTS 2015); the
 * window is the [low, high] percentiles of the remaining voxels, sampled with a fixed stride (≤ 200,000 samples).
 * @param data FLAIR voxels.
 * @returns [lo, hi] with hi > lo (falls back to [min, max], then [min, min + 1]).
 */
export function intensityWindow(data: Float32Array, low = 0.5, high = 99.5): [number, number] {
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < data.length; i++) {
    const v = data[i]
    if (v < min) min = v
    if (v > max) max = v
  }
  if (!(max > min)) return [min, min + 1]
  const stride = Math.max(1, Math.floor(data.length / 200_000))
  const samples: number[] = []
  for (let i = 0; i < data.length; i += stride) if (data[i] > min && Number.isFinite(data[i])) samples.push(data[i])
  if (samples.length < 2) return [min, max]
  samples.sort((a, b) => a - b)
  const at = (p: number): number => samples[Math.min(samples.length - 1, Math.floor((p / 100) * (samples.length - 1)))]
  const lo = at(low)
  const hi = at(high)
  return hi > lo ? [lo, hi] : [min, max]
}

/** Dashed borders (2 px on, 2 px off) of every tile, clipped to the slice: `[ny, nx]` uint8. */
export function tileGridMask(nx: number, ny: number, origins: readonly (readonly [number, number])[], tile: number): Uint8Array {
  const mask = new Uint8Array(nx * ny)
  const set = (r: number, c: number): void => {
    if (r >= 0 && r < ny && c >= 0 && c < nx && (r + c) % 4 < 2) mask[r * nx + c] = 1
  }
  for (const [y, x] of origins) {
    const y1 = Math.min(ny, y + tile) - 1
    const x1 = Math.min(nx, x + tile) - 1
    for (let c = x; c <= x1; c++) {
      set(y, c)
      set(y1, c)
    }
    for (let r = y; r <= y1; r++) {
      set(r, x)
      set(r, x1)
    }
  }
  return mask
}

interface Box {
  x0: number
  y0: number
  width: number
  height: number
}

/** Bounding box of the head and of any label or prediction, plus a margin, clipped; null when nothing is there. */
function contentBox(
  flair: Float32Array,
  gt: Uint8Array,
  full: Float32Array,
  tiled: Float32Array,
  w: number,
  h: number,
  margin: number,
): Box | null {
  let min = Infinity
  for (const v of flair) if (v < min) min = v
  let [x0, y0, x1, y1] = [w, h, -1, -1]
  for (let r = 0; r < h; r++)
    for (let c = 0; c < w; c++) {
      const i = r * w + c
      if (!(flair[i] > min || gt[i] > 0 || full[i] >= 0.05 || tiled[i] >= 0.05)) continue
      if (c < x0) x0 = c
      if (c > x1) x1 = c
      if (r < y0) y0 = r
      if (r > y1) y1 = r
    }
  if (x1 < 0) return null
  x0 = Math.max(0, x0 - margin)
  y0 = Math.max(0, y0 - margin)
  x1 = Math.min(w - 1, x1 + margin)
  y1 = Math.min(h - 1, y1 + margin)
  return { x0, y0, width: x1 - x0 + 1, height: y1 - y0 + 1 }
}

function cropArray<T extends Float32Array | Uint8Array>(a: T, width: number, box: Box): T {
  const out = new (a.constructor as new (n: number) => T)(box.width * box.height)
  for (let r = 0; r < box.height; r++)
    out.set(a.subarray((box.y0 + r) * width + box.x0, (box.y0 + r) * width + box.x0 + box.width), r * box.width)
  return out
}

function drawMask(image: RgbaImage, mask: Uint8Array | null): RgbaImage {
  return mask ? fillMask(image, mask, TILE_GRID_RGB, 0.4) : image
}
