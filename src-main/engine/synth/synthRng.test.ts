import { describe, expect, it } from 'vitest'
import { caseRng, mix32 } from './synthRng'
import { createNoise3 } from './perlinNoise'

const draws = (seed: number, c: number, s: 'anatomy' | 'lesions', n = 8): number[] => {
  const r = caseRng(seed, c, s)
  return Array.from({ length: n }, () => r.uniform())
}

describe('caseRng', () => {
  it('is a pure function of (seed, case, stream)', () => {
    expect(draws(7, 3, 'anatomy')).toEqual(draws(7, 3, 'anatomy'))
    expect(draws(7, 3, 'anatomy')).not.toEqual(draws(7, 4, 'anatomy'))
    expect(draws(7, 3, 'anatomy')).not.toEqual(draws(8, 3, 'anatomy'))
    expect(draws(7, 3, 'anatomy')).not.toEqual(draws(7, 3, 'lesions'))
  })

  it('draws in range with plausible moments', () => {
    const r = caseRng(1, 0, 'anatomy')
    let s = 0, s2 = 0, lo = 1, hi = 0
    const n = 20000
    for (let i = 0; i < n; i++) {
      const u = r.uniform()
      lo = Math.min(lo, u)
      hi = Math.max(hi, u)
      const g = r.normal()
      s += g
      s2 += g * g
    }
    expect(lo).toBeGreaterThanOrEqual(0)
    expect(hi).toBeLessThan(1)
    expect(Math.abs(s / n)).toBeLessThan(0.03)
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05)
    const ints = new Set(Array.from({ length: 200 }, () => r.int(2, 4)))
    expect([...ints].sort()).toEqual([2, 3, 4])
  })

  it('rejects seeds and indices outside [0, 2^32)', () => {
    expect(() => caseRng(-1, 0, 'anatomy')).toThrow(/seed/)
    expect(() => caseRng(1.5, 0, 'anatomy')).toThrow(/seed/)
    expect(() => caseRng(0, 2 ** 32, 'anatomy')).toThrow(/caseIndex/)
  })

  it('mix32 spreads nearby keys', () => {
    expect(mix32([1, 2, 3])).not.toBe(mix32([1, 2, 4]))
    expect(mix32([1, 2, 3])).toBe(mix32([1, 2, 3]))
  })
})

describe('createNoise3', () => {
  it('is smooth, seeded and near unit variance', () => {
    const a = createNoise3(caseRng(1, 0, 'texture'))
    const b = createNoise3(caseRng(1, 0, 'texture'))
    const c = createNoise3(caseRng(2, 0, 'texture'))
    expect(a.at(1.3, 2.7, 0.2)).toBe(b.at(1.3, 2.7, 0.2))
    expect(a.at(1.3, 2.7, 0.2)).not.toBe(c.at(1.3, 2.7, 0.2))
    expect(a.at(3, 4, 5)).toBeCloseTo(0, 10) // zero on lattice points
    expect(Math.abs(a.at(1.3, 2.7, 0.2) - a.at(1.3001, 2.7, 0.2))).toBeLessThan(0.01)
    const r = caseRng(5, 0, 'anatomy')
    let s2 = 0
    for (let i = 0; i < 20000; i++) s2 += a.at(r.range(0, 50), r.range(0, 50), r.range(0, 50)) ** 2
    expect(Math.sqrt(s2 / 20000)).toBeGreaterThan(0.8)
    expect(Math.sqrt(s2 / 20000)).toBeLessThan(1.2)
  })
})
