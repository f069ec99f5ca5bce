import { describe, expect, it } from 'vitest'
import { randomInt, rngFor, sampleDistinct, shuffled } from './random'

describe('random', () => {
  it('rngFor is a pure function of (seed, purpose, keys)', () => {
    const a = Array.from({ length: 5 }, ((r) => () => randomInt(r, 0, 1e6))(rngFor(1, 'batch', 2, 3)))
    const b = Array.from({ length: 5 }, ((r) => () => randomInt(r, 0, 1e6))(rngFor(1, 'batch', 2, 3)))
    const c = Array.from({ length: 5 }, ((r) => () => randomInt(r, 0, 1e6))(rngFor(1, 'batch', 2, 4)))
    const d = Array.from({ length: 5 }, ((r) => () => randomInt(r, 0, 1e6))(rngFor(1, 'split', 2, 3)))
    expect(a).toEqual(b)
    expect(a).not.toEqual(c)
    expect(a).not.toEqual(d)
    expect(() => rngFor(-1, 'x')).toThrow(/non-negative/)
  })

  it('sampleDistinct draws k distinct indices, uniformly', () => {
    const rng = rngFor(5, 't')
    const hits = new Array<number>(10).fill(0)
    for (let i = 0; i < 4000; i++) {
      const s = sampleDistinct(rng, 10, 3)
      expect(new Set(s).size).toBe(3)
      for (const v of s) hits[v]++
    }
    for (const h of hits) expect(Math.abs(h / 12000 - 0.1)).toBeLessThan(0.015)
    expect(sampleDistinct(rng, 6, 6).sort()).toEqual([0, 1, 2, 3, 4, 5])
    expect(() => sampleDistinct(rng, 3, 4)).toThrow(/k = 4/)
    expect(shuffled(rng, ['a', 'b', 'c']).sort()).toEqual(['a', 'b', 'c'])
  })
})
