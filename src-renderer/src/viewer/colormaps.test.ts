import { describe, expect, it } from 'vitest'
import {
  CONFIDENCE_COLORMAP as SHARED_CONFIDENCE, DIFFERENCE_COLORMAP as SHARED_DIFFERENCE, colormapRgba,
} from '../../../src-main/common/colormaps'
import {
  CONFIDENCE_COLORMAP, confidenceOpacityMapping, cornerstoneColormap, differenceOpacityMapping, interpolate, legendGradient,
} from './colormaps'

/** RGB in 0..255 of a registered colormap at a stored value (vtk interpolates RGBPoints linearly). */
function rgbAt(points: number[], x: number): [number, number, number] {
  const pts: [number, number, number, number][] = []
  for (let i = 0; i < points.length; i += 4) pts.push([points[i], points[i + 1], points[i + 2], points[i + 3]])
  return [1, 2, 3].map((c) => Math.round(255 * interpolate(pts.map((p) => [p[0], p[c]] as [number, number]), x))) as [number, number, number]
}

describe('viewer colormaps = the shared ones of the PNG reports, in stored uint8 units', () => {
  it('registers the shared confidence colours at p·255', () => {
    const cm = cornerstoneColormap('confidence')
    expect(cm.name).toBe(SHARED_CONFIDENCE.name)
    expect(CONFIDENCE_COLORMAP).toBe(SHARED_CONFIDENCE.name)
    for (const p of [0, 0.25, 0.5, 0.75, 1]) {
      const [r, g, b] = colormapRgba(SHARED_CONFIDENCE, p)
      const got = rgbAt(cm.RGBPoints, 255 * p)
      for (const [i, want] of [r, g, b].entries()) expect(Math.abs(got[i] - want), `p=${p}`).toBeLessThanOrEqual(3)
    }
  })

  it('registers the shared difference colours at 127.5·(d + 1): red where full is higher, blue where tiled is', () => {
    const cm = cornerstoneColormap('difference')
    for (const d of [-1, -0.5, 0, 0.5, 1]) {
      const [r, g, b] = colormapRgba(SHARED_DIFFERENCE, d)
      const got = rgbAt(cm.RGBPoints, 127.5 * (d + 1))
      for (const [i, want] of [r, g, b].entries()) expect(Math.abs(got[i] - want), `d=${d}`).toBeLessThanOrEqual(3)
    }
    const [rHi, , bHi] = rgbAt(cm.RGBPoints, 255)
    expect(rHi).toBeGreaterThan(bHi)
  })

  it('keeps the confidence map transparent up to p = 0.05 and scales the shared ramp by the user opacity', () => {
    const m = confidenceOpacityMapping(0.5)
    const at = (v: number) => interpolate(m.map((p) => [p.value, p.opacity] as [number, number]), v)
    expect(at(0)).toBe(0)
    expect(at(0.05 * 255)).toBe(0)
    expect(at(255)).toBeCloseTo(0.86 * 0.5, 6)
    expect(at(0.5 * 255)).toBeCloseTo(0.86 * 0.5, 6)
  })

  it('makes the difference map symmetric around d = 0 (127.5) and transparent there', () => {
    const m = differenceOpacityMapping(1)
    const at = (v: number) => interpolate(m.map((p) => [p.value, p.opacity] as [number, number]), v)
    expect(at(127.5)).toBe(0)
    for (const d of [0.1, 0.3, 0.8]) expect(at(127.5 * (1 + d))).toBeCloseTo(at(127.5 * (1 - d)), 10)
    expect(m.map((p) => p.value)).toEqual([...m.map((p) => p.value)].sort((a, b) => a - b))
  })

  it('draws the legend with the shared colours and the applied opacity as alpha', () => {
    const g = legendGradient('confidence', 1)
    const [r, gg, b] = colormapRgba(SHARED_CONFIDENCE, 1)
    expect(g).toContain(`rgba(${r}, ${gg}, ${b}, 0.860) 100.0%`)
    expect(g.startsWith('linear-gradient(to right, rgba(')).toBe(true)
    expect(g).toMatch(/, 0\.000\) 0\.0%/)
  })
})
