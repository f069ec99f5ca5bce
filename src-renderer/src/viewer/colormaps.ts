/**
 * The overlay colour maps of the viewer: TileLab's shared colormaps (src-main/common/colormaps.ts, the ones the PNG
 * panels of `tilelab predict` / `evaluate` use), translated to the viewer's stored units, so a heatmap looks the
 * same on screen and in a report.
 *
 * Heat volumes are stored as uint8 (heatVolumes.ts): probability p ∈ [0, 1] → round(255·p); difference
 * d = full − tiled ∈ [−1, 1] → round(127.5·(d + 1)). The shared maps are defined in data units (p, d); here their
 * colour points and opacity ramps are rescaled to stored units, and the ramp is multiplied by the user's opacity.
 *
 * - Confidence: matplotlib plasma cut at orange (violet → magenta → orange), transparent up to p = 0.05, opaque
 *   0.86 from p = 0.5 (at user opacity 1, as in the reports).
 * - Difference: ColorBrewer RdBu, red where the whole-image prediction is higher, blue where the tiled one is,
 *   transparent near d = 0.
 */
import {
  CONFIDENCE_COLORMAP as CONFIDENCE, confidenceOpacity, DIFFERENCE_COLORMAP as DIFFERENCE, differenceOpacity,
  type Colormap,
} from '../../../src-main/common/colormaps'

export const CONFIDENCE_COLORMAP = CONFIDENCE.name
export const DIFFERENCE_COLORMAP = DIFFERENCE.name

/** Stored uint8 value of a data value of each map. */
const toStored = {
  confidence: (p: number) => 255 * p,
  difference: (d: number) => 127.5 * (d + 1),
}

/**
 * The colormap object Cornerstone's `utilities.colormap.registerColormap` takes (vtk preset format), with the
 * shared map's colour points moved to stored units.
 */
export function cornerstoneColormap(kind: 'confidence' | 'difference') {
  const map = kind === 'confidence' ? CONFIDENCE : DIFFERENCE
  const points = [...map.rgbPoints]
  for (let i = 0; i < points.length; i += 4) points[i] = +toStored[kind](points[i]).toFixed(4)
  return { Name: map.name, name: map.name, ColorSpace: 'RGB', RGBPoints: points }
}

/** Opacity mapping in stored uint8 units for the confidence heatmaps, scaled by the user opacity in [0, 1]. */
export function confidenceOpacityMapping(userOpacity: number): { value: number; opacity: number }[] {
  return CONFIDENCE.opacityPoints.map(({ value, opacity }) => ({ value: toStored.confidence(value), opacity: opacity * userOpacity }))
}

/** Opacity mapping in stored uint8 units for the difference map (symmetric around 127.5), scaled by the user opacity. */
export function differenceOpacityMapping(userOpacity: number): { value: number; opacity: number }[] {
  return DIFFERENCE.opacityPoints.map(({ value, opacity }) => ({ value: toStored.difference(value), opacity: opacity * userOpacity }))
}

/** Opacity of a data value of each map (before the user's factor): the shared ramps. */
export const OVERLAY_OPACITY = { confidence: confidenceOpacity, difference: differenceOpacity }

/**
 * CSS linear-gradient (left → right) of a map as the viewer draws it: the shared colours with the opacity ramp
 * times the user opacity as alpha (the legend shows it over a checkerboard).
 */
export function legendGradient(kind: 'confidence' | 'difference', userOpacity: number, stops = 32): string {
  const map: Colormap = kind === 'confidence' ? CONFIDENCE : DIFFERENCE
  const [lo, hi] = map.domain
  const parts: string[] = []
  for (let s = 0; s <= stops; s++) {
    const i = Math.round((s / stops) * 255)
    const value = lo + ((hi - lo) * i) / 255
    const [r, g, b] = map.lut.subarray(i * 4, i * 4 + 3)
    const a = (OVERLAY_OPACITY[kind](value) * userOpacity).toFixed(3)
    parts.push(`rgba(${r}, ${g}, ${b}, ${a}) ${((s / stops) * 100).toFixed(1)}%`)
  }
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
