/**
 * Colormaps shared by the PNG panels of `tilelab evaluate` (engine/render) and the viewer (Cornerstone3D), so a
 * heatmap looks the same in a report and on screen. Pure TS: d3-scale-chromatic is plain math, no DOM.
 *
 * - CONFIDENCE: foreground probability in [0, 1] → matplotlib's perceptual 'plasma', sampled on t ∈ [0.08, 0.80]
 *   (violet → magenta → orange). The top of plasma (and inferno, viridis) is a pale yellow that vanishes over the
 *   bright FLAIR signal of a tumour, so it is cut off at orange. Opacity ramps from 0 (p ≤ 0.05) to 0.86 (p ≥ 0.5):
 *   confident tumour is opaque, the sigmoid floor of the background stays transparent.
 * - DIFFERENCE: full − tiled probability in [−1, 1] → ColorBrewer RdBu, red where the whole-image prediction is
 *   higher, blue where the tiled one is higher, white at 0. Opacity grows with |d| from 0 (|d| ≤ 0.02) to 0.9
 *   (|d| ≥ 0.5), so agreement is transparent.
 *
 * Each colormap is given three ways: a 256-entry RGBA lookup table (index i ↔ value lo + (hi − lo)·i/255), the
 * `RGBPoints` list of Cornerstone's `utilities.colormap.registerColormap` ([x, r, g, b, …], r/g/b in [0, 1], x in
 * data units), and the matching opacity points of a viewport's `colormap.opacity`.
 *
 * @source d3-scale-chromatic (interpolatePlasma: matplotlib viridis family, van der Walt & Smith; interpolateRdBu:
 *   ColorBrewer, Brewer 2002); Cornerstone3D ColormapRegistration / OpacityMapping types.
 */
import { interpolatePlasma, interpolateRdBu } from 'd3-scale-chromatic'

/** One Cornerstone opacity mapping point (value in data units, opacity in [0, 1]). */
export interface OpacityPoint {
  value: number
  opacity: number
}

export interface Colormap {
  /** Registered name, e.g. 'tilelab-confidence'. */
  name: string
  /** Data range [lo, hi] the table spans; values outside are clamped. */
  domain: [number, number]
  /** 256 × RGBA, row i ↔ value lo + (hi − lo)·i/255. Alpha is the opacity ramp. */
  lut: Uint8Array
  /** Cornerstone `RGBPoints`: [x0, r0, g0, b0, x1, …], x in data units, colours in [0, 1]. */
  rgbPoints: number[]
  /** Cornerstone `colormap.opacity` points matching the alpha of `lut`. */
  opacityPoints: OpacityPoint[]
}

/** Cornerstone3D's `ColormapRegistration` (types/Colormap.d.ts), repeated here so `common` imports no renderer. */
export interface CornerstoneColormapRegistration {
  ColorSpace: 'RGB'
  Name: string
  name: string
  RGBPoints: number[]
}

const CONFIDENCE_T: [number, number] = [0.08, 0.8]

/** Opacity of a probability p on the confidence map: 0 up to 0.05, linear to 0.86 at 0.5, then flat. */
export function confidenceOpacity(p: number): number {
  return ramp(p, 0.05, 0.5, 0.86)
}

/** Opacity of a probability difference d on the difference map: 0 up to |d| = 0.02, linear to 0.9 at 0.5. */
export function differenceOpacity(d: number): number {
  return ramp(Math.abs(d), 0.02, 0.5, 0.9)
}

/** The confidence (probability) heatmap. */
export const CONFIDENCE_COLORMAP: Colormap = buildColormap(
  'tilelab-confidence',
  [0, 1],
  (v) => interpolatePlasma(CONFIDENCE_T[0] + (CONFIDENCE_T[1] - CONFIDENCE_T[0]) * v),
  confidenceOpacity,
  [0, 0.05, 0.2, 0.35, 0.5, 1],
)

/** The full − tiled difference map. */
export const DIFFERENCE_COLORMAP: Colormap = buildColormap(
  'tilelab-difference',
  [-1, 1],
  // `unit` is (d + 1)/2; RdBu runs red (t = 0) → white (0.5) → blue (1), so d = +1 (whole image higher) → red.
  (unit) => interpolateRdBu(1 - unit),
  differenceOpacity,
  [-1, -0.5, -0.02, 0, 0.02, 0.5, 1],
)

/**
 * Index into a colormap's 256-entry table for a value (clamped to the domain; NaN → 0).
 * @returns Integer in [0, 255].
 */
export function lutIndex(colormap: Colormap, value: number): number {
  const [lo, hi] = colormap.domain
  if (!(value === value)) return 0
  const t = (value - lo) / (hi - lo)
  return Math.max(0, Math.min(255, Math.round(t * 255)))
}

/** RGBA of a value: `[r, g, b, a]`, each 0..255. */
export function colormapRgba(colormap: Colormap, value: number): [number, number, number, number] {
  const o = lutIndex(colormap, value) * 4
  const l = colormap.lut
  return [l[o], l[o + 1], l[o + 2], l[o + 3]]
}

/** The object to pass to Cornerstone's `utilities.colormap.registerColormap`. */
export function toCornerstoneColormap(colormap: Colormap): CornerstoneColormapRegistration {
  return { ColorSpace: 'RGB', Name: colormap.name, name: colormap.name, RGBPoints: colormap.rgbPoints }
}

/** CSS `linear-gradient(...)` of a colormap (opaque colours), for legends in HTML. */
export function cssGradient(colormap: Colormap, direction = 'to right', stops = 16): string {
  const parts: string[] = []
  for (let s = 0; s <= stops; s++) {
    const i = Math.round((s / stops) * 255) * 4
    const l = colormap.lut
    parts.push(`rgb(${l[i]},${l[i + 1]},${l[i + 2]}) ${((s / stops) * 100).toFixed(1)}%`)
  }
  return `linear-gradient(${direction}, ${parts.join(', ')})`
}

function buildColormap(
  name: string,
  domain: [number, number],
  color: (unit: number) => string,
  opacity: (value: number) => number,
  opacityAt: number[],
): Colormap {
  const lut = new Uint8Array(256 * 4)
  const [lo, hi] = domain
  const rgbPoints: number[] = []
  for (let i = 0; i < 256; i++) {
    const unit = i / 255
    const value = lo + (hi - lo) * unit
    const [r, g, b] = parseCssColor(color(unit))
    lut.set([r, g, b, Math.round(opacity(value) * 255)], i * 4)
    if (i % 8 === 0 || i === 255) rgbPoints.push(+value.toFixed(6), r / 255, g / 255, b / 255)
  }
  const opacityPoints = opacityAt.map((value) => ({ value, opacity: +opacity(value).toFixed(4) }))
  return { name, domain, lut, rgbPoints, opacityPoints }
}

function ramp(x: number, start: number, end: number, max: number): number {
  if (!(x > start)) return 0
  if (x >= end) return max
  return (max * (x - start)) / (end - start)
}

/** Parses d3's colour strings: '#rrggbb' or 'rgb(r, g, b)'. */
export function parseCssColor(css: string): [number, number, number] {
  if (css.startsWith('#') && css.length === 7)
    return [1, 3, 5].map((o) => parseInt(css.slice(o, o + 2), 16)) as [number, number, number]
  const m = /^rgb\((\d+),\s*(\d+),\s*(\d+)\)$/.exec(css)
  if (!m) throw new Error(`colormaps: unexpected colour string ${JSON.stringify(css)}`)
  return [Number(m[1]), Number(m[2]), Number(m[3])]
}
