import { describe, expect, it } from 'vitest'
import { toWindowLevel, windowPresets } from './windowPresets'

describe('windowPresets', () => {
  it('derives auto, full and lesion windows from the intensity percentiles', () => {
    const p = windowPresets({ intensity: { min: 0, max: 1000, p01: 100, p99: 900 } })
    expect(p.map((x) => [x.id, x.lower, x.upper])).toEqual([
      ['auto', 100, 900],
      ['full', 0, 1000],
      ['lesion', 100 + 0.35 * 800, 900 + 80],
    ])
  })

  it('never gives an empty window for a constant image', () => {
    for (const w of windowPresets({ intensity: { min: 5, max: 5, p01: 5, p99: 5 } })) expect(w.upper).toBeGreaterThan(w.lower)
  })

  it('converts a range to width and level', () => {
    expect(toWindowLevel(100, 900)).toEqual({ width: 800, level: 500 })
  })
})
