import { describe, expect, it } from 'vitest'
import { isoContourPath } from './isoContour'

/** Parses "M x y L x y ..." into segments. */
function segments(path: string): [number, number, number, number][] {
  return [...path.matchAll(/M([\d.-]+) ([\d.-]+)L([\d.-]+) ([\d.-]+)/g)].map((m) => m.slice(1).map(Number) as [number, number, number, number])
}

describe('isoContourPath', () => {
  it('is empty when nothing crosses the level', () => {
    expect(isoContourPath(new Float32Array(16), 4, 4)).toBe('')
    expect(isoContourPath(new Float32Array(16).fill(1), 4, 4)).toBe('')
  })

  it('surrounds a single pixel at 1 with a diamond through the edge midpoints', () => {
    const v = new Float32Array(9)
    v[4] = 1 // centre of a 3×3 slice, i = j = 1
    const segs = segments(isoContourPath(v, 3, 3, 0.5))
    expect(segs).toHaveLength(4)
    const points = new Set(segs.flatMap(([a, b, c, d]) => [`${a},${b}`, `${c},${d}`]))
    expect(points).toEqual(new Set(['0.5,1', '1,0.5', '1.5,1', '1,1.5']))
  })

  it('places a vertical edge by linear interpolation (columns 0 | 1 with values 0 | 1 → x = 0.5)', () => {
    const v = Float32Array.from([0, 1, 0, 1]) // 2×2, row-major
    expect(segments(isoContourPath(v, 2, 2, 0.5))).toEqual([[0.5, 0, 0.5, 1]])
    expect(segments(isoContourPath(Float32Array.from([0, 0.8, 0, 0.8]), 2, 2, 0.4))).toEqual([[0.5, 0, 0.5, 1]])
  })

  it('splits a saddle by the cell centre value', () => {
    // a=1 (top-left), b=0, c=1 (bottom-right), d=0: centre 0.5 ≥ level → the two high corners are joined.
    const segs = segments(isoContourPath(Float32Array.from([1, 0, 0, 1]), 2, 2, 0.5))
    expect(segs).toHaveLength(2)
  })
})
