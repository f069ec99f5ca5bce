import { describe, expect, it } from 'vitest'
import { CONFIDENCE_STOPS, confidenceOpacityMapping, differenceOpacityMapping, interpolate, parseColor } from './colormaps'

describe('overlay opacity mappings (stored uint8 units)', () => {
  it('keeps the confidence map transparent below p = 0.1 and scales with the user opacity', () => {
    const m = confidenceOpacityMapping(0.5)
    expect(m[0]).toEqual({ value: 0, opacity: 0 })
    expect(m.find((p) => p.value === 0.1 * 255)?.opacity).toBe(0)
    expect(m.at(-1)).toEqual({ value: 255, opacity: 0.95 * 0.5 })
  })

  it('makes the difference map symmetric around d = 0 (127.5) and transparent there', () => {
    const m = differenceOpacityMapping(1)
    const at = (v: number) => interpolate(m.map((p) => [p.value, p.opacity] as [number, number]), v)
    expect(at(127.5)).toBe(0)
    for (const d of [0.1, 0.3, 0.8]) expect(at(127.5 * (1 + d))).toBeCloseTo(at(127.5 * (1 - d)), 10)
    expect(m.map((p) => p.value)).toEqual([...m.map((p) => p.value)].sort((a, b) => a - b))
  })
})

describe('colour stops', () => {
  it('parses d3 colour strings', () => {
    expect(parseColor('#0d0887')).toEqual([13 / 255, 8 / 255, 135 / 255])
    expect(parseColor('rgb(140, 13, 37)')).toEqual([140 / 255, 13 / 255, 37 / 255])
    expect(() => parseColor('plasma')).toThrow(/not #rrggbb/)
  })

  it('samples plasma from dark blue (p = 0) to yellow (p = 1)', () => {
    expect(CONFIDENCE_STOPS).toHaveLength(11)
    expect(CONFIDENCE_STOPS[0]).toEqual([0, 13 / 255, 8 / 255, 135 / 255])
    const [, r, g, b] = CONFIDENCE_STOPS[10]
    expect(r).toBeGreaterThan(0.9)
    expect(g).toBeGreaterThan(0.9)
    expect(b).toBeLessThan(0.2)
  })
})
