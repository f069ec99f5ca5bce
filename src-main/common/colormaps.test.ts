import { describe, expect, it } from 'vitest'
import {
  CONFIDENCE_COLORMAP,
  DIFFERENCE_COLORMAP,
  colormapRgba,
  confidenceOpacity,
  cssGradient,
  lutIndex,
  parseCssColor,
  toCornerstoneColormap,
} from './colormaps'

const luminance = ([r, g, b]: number[]): number => 0.2126 * r + 0.7152 * g + 0.0722 * b

describe('colormaps', () => {
  it('tables are 256 RGBA entries', () => {
    expect(CONFIDENCE_COLORMAP.lut.length).toBe(1024)
    expect(DIFFERENCE_COLORMAP.lut.length).toBe(1024)
  })

  it('confidence: transparent at low probability, opaque and not near-white at 1', () => {
    expect(colormapRgba(CONFIDENCE_COLORMAP, 0)[3]).toBe(0)
    expect(colormapRgba(CONFIDENCE_COLORMAP, 0.05)[3]).toBe(0)
    const top = colormapRgba(CONFIDENCE_COLORMAP, 1)
    expect(top[3]).toBe(Math.round(0.86 * 255))
    expect(Math.min(top[0], top[1], top[2])).toBeLessThan(120) // saturated: one channel well below white
    expect(confidenceOpacity(0.275)).toBeCloseTo(0.43, 10)
  })

  it('confidence colours get brighter with probability (perceptual ramp)', () => {
    const l = [0.1, 0.3, 0.5, 0.7, 0.9].map((p) => luminance(colormapRgba(CONFIDENCE_COLORMAP, p)))
    for (let i = 1; i < l.length; i++) expect(l[i]).toBeGreaterThan(l[i - 1])
  })

  it('difference: red for whole higher, blue for tiled higher, white and transparent at 0', () => {
    const [r1, , b1, a1] = colormapRgba(DIFFERENCE_COLORMAP, 1)
    const [r2, , b2] = colormapRgba(DIFFERENCE_COLORMAP, -1)
    expect(r1).toBeGreaterThan(b1)
    expect(b2).toBeGreaterThan(r2)
    expect(a1).toBe(Math.round(0.9 * 255))
    const mid = colormapRgba(DIFFERENCE_COLORMAP, 0)
    expect(Math.min(mid[0], mid[1], mid[2])).toBeGreaterThan(225)
    expect(mid[3]).toBe(0)
    expect(lutIndex(DIFFERENCE_COLORMAP, -5)).toBe(0)
    expect(lutIndex(DIFFERENCE_COLORMAP, 5)).toBe(255)
  })

  it('Cornerstone registration: RGBPoints are [x, r, g, b] in data units and [0, 1] colours', () => {
    const reg = toCornerstoneColormap(DIFFERENCE_COLORMAP)
    expect(reg).toMatchObject({ ColorSpace: 'RGB', Name: 'tilelab-difference' })
    expect(reg.RGBPoints.length % 4).toBe(0)
    expect(reg.RGBPoints[0]).toBe(-1)
    expect(reg.RGBPoints[reg.RGBPoints.length - 4]).toBe(1)
    expect(reg.RGBPoints.every((v, i) => i % 4 === 0 || (v >= 0 && v <= 1))).toBe(true)
    expect(CONFIDENCE_COLORMAP.opacityPoints[0]).toEqual({ value: 0, opacity: 0 })
  })

  it('helpers: CSS colours parse, gradients list stops', () => {
    expect(parseCssColor('#0d0887')).toEqual([13, 8, 135])
    expect(parseCssColor('rgb(5, 48, 97)')).toEqual([5, 48, 97])
    expect(cssGradient(CONFIDENCE_COLORMAP, 'to right', 4).match(/rgb\(/g)).toHaveLength(5)
  })
})
