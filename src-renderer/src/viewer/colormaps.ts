/**
 * Colour maps of the overlays, as data shared by Cornerstone (registered colormaps + opacity mappings) and the
 * legends (CSS gradients). Heat volumes are stored as uint8: probability p ∈ [0, 1] → round(255·p); the difference
 * d = full − tiled ∈ [−1, 1] → round(127.5·(d + 1)). Opacity mappings are in those stored units.
 *
 * - Confidence: matplotlib's "plasma" via d3-scale-chromatic (perceptually uniform; no white peak, which would
 *   vanish on bright FLAIR tissue). Transparent below p = 0.1, ramping to the user opacity at p = 1.
 * - Difference: diverging blue/red after ColorBrewer RdBu: blue where tiled > full, red where full > tiled,
 *   transparent near 0.
 */
import { interpolatePlasma, interpolateRdBu } from 'd3-scale-chromatic'

/** Stops [t, r, g, b] with t ∈ [0, 1] and r, g, b ∈ [0, 1]. */
export type ColorStops = [number, number, number, number][]

/** Parses d3's colour strings ('#rrggbb' or 'rgb(r, g, b)') into [r, g, b] in [0, 1]. */
export function parseColor(c: string): [number, number, number] {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(c)
  if (hex) return [1, 2, 3].map((i) => parseInt(hex[i], 16) / 255) as [number, number, number]
  const rgb = /^rgb\((\d+),\s*(\d+),\s*(\d+)\)$/.exec(c)
  if (rgb) return [1, 2, 3].map((i) => Number(rgb[i]) / 255) as [number, number, number]
  throw new Error(`colour ${c}: not #rrggbb or rgb(r, g, b)`)
}

const sample = (f: (t: number) => string, t: number, at: number): [number, number, number, number] => [t, ...parseColor(f(at))]

/** matplotlib's plasma (d3-scale-chromatic, the map TileLab's PNG outputs use too), 11 stops. */
export const CONFIDENCE_STOPS: ColorStops = Array.from({ length: 11 }, (_, i) => sample(interpolatePlasma, i / 10, i / 10))

/**
 * ColorBrewer RdBu (d3-scale-chromatic) without its white middle: t = 0 ↔ d = −1 blue, t = 1 ↔ d = +1 red. Near
 * d = 0 the map is transparent anyway, and a white tint would be mistaken for hyperintense FLAIR.
 */
export const DIFFERENCE_STOPS: ColorStops = [
  sample(interpolateRdBu, 0, 0.95),
  sample(interpolateRdBu, 0.3, 0.85),
  sample(interpolateRdBu, 0.49, 0.72),
  [0.5, 0.5, 0.5, 0.5],
  sample(interpolateRdBu, 0.51, 0.28),
  sample(interpolateRdBu, 0.7, 0.15),
  sample(interpolateRdBu, 1, 0.05),
]

/** Opacity at probability p (before the user's opacity factor). */
export const CONFIDENCE_OPACITY: [number, number][] = [
  [0, 0],
  [0.1, 0],
  [0.3, 0.45],
  [0.5, 0.75],
  [1, 0.95],
]

/** Opacity at |d| (before the user's opacity factor). */
export const DIFFERENCE_OPACITY: [number, number][] = [
  [0, 0],
  [0.05, 0],
  [0.2, 0.55],
  [0.5, 0.85],
  [1, 0.95],
]

export const CONFIDENCE_COLORMAP = 'tilelab-confidence'
export const DIFFERENCE_COLORMAP = 'tilelab-difference'

/** The colormap object Cornerstone's `utilities.colormap.registerColormap` takes (vtk preset format). */
export function cornerstoneColormap(name: string, stops: ColorStops) {
  return { Name: name, name, ColorSpace: 'RGB', RGBPoints: stops.flat() }
}

/** Opacity mapping in stored uint8 units for the confidence heatmaps, scaled by the user opacity in [0, 1]. */
export function confidenceOpacityMapping(userOpacity: number): { value: number; opacity: number }[] {
  return CONFIDENCE_OPACITY.map(([p, o]) => ({ value: p * 255, opacity: o * userOpacity }))
}

/** Opacity mapping in stored uint8 units for the difference map (symmetric around 127.5). */
export function differenceOpacityMapping(userOpacity: number): { value: number; opacity: number }[] {
  const pos = DIFFERENCE_OPACITY.map(([d, o]) => ({ value: 127.5 * (1 + d), opacity: o * userOpacity }))
  const neg = DIFFERENCE_OPACITY.slice(1).map(([d, o]) => ({ value: 127.5 * (1 - d), opacity: o * userOpacity }))
  return [...neg.reverse(), ...pos]
}

/** CSS linear-gradient (left → right) of a colour map, with the opacity ramp applied as alpha. */
export function cssGradient(stops: ColorStops, opacity: (t: number) => number): string {
  const parts = stops.map(([t, r, g, b]) => {
    const a = opacity(t).toFixed(3)
    return `rgba(${Math.round(r * 255)}, ${Math.round(g * 255)}, ${Math.round(b * 255)}, ${a}) ${(t * 100).toFixed(1)}%`
  })
  return `linear-gradient(to right, ${parts.join(', ')})`
}

/** Piecewise-linear interpolation of [x, y] points. */
export function interpolate(points: [number, number][], x: number): number {
  if (x <= points[0][0]) return points[0][1]
  for (let i = 1; i < points.length; i++) {
    const [x1, y1] = points[i]
    const [x0, y0] = points[i - 1]
    if (x <= x1) return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0 || 1)
  }
  return points[points.length - 1][1]
}

/** Prediction colours (contours, plot lines, labels), shared across the UI. */
export const MODE_COLORS = { full: '#4cc9f0', tiled: '#ff9f1c', gt: '#3ddc84' } as const
