import { describe, expect, it } from 'vitest'
import { confidenceOpacityMapping, differenceOpacityMapping, interpolate } from './colormaps'

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
