import { describe, expect, it } from 'vitest'
import type { Dims3 } from '../../common/types'
import { meanStd, normalizeVolume, normalizedSlice, zscoreSlice } from './zscore'

describe('z-score', () => {
  it('meanStd is the population std', () => {
    expect(meanStd([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ mean: 5, std: 2 })
  })

  it('zscoreSlice gives mean 0, std 1', () => {
    const out = zscoreSlice(new Float32Array([2, 4, 4, 4, 5, 5, 7, 9]))
    expect(Array.from(out)).toEqual([-1.5, -0.5, -0.5, -0.5, 0, 0, 1, 2])
  })

  it('a constant slice (std 0) becomes zeros, never NaN', () => {
    expect(Array.from(zscoreSlice(new Float32Array([3, 3, 3, 3])))).toEqual([0, 0, 0, 0])
    expect(Array.from(zscoreSlice(new Float32Array([0, 0])))).toEqual([0, 0])
  })

  const dims: Dims3 = [2, 2, 3]
  // slice 0: constant 7; slice 1: 0, 2, 0, 2; slice 2: 10, 10, 30, 30
  const data = new Float32Array([7, 7, 7, 7, 0, 2, 0, 2, 10, 10, 30, 30])

  it("'slice' normalises each axial slice by its own statistics", () => {
    const out = normalizeVolume({ data, dims }, 'slice')
    expect(Array.from(out)).toEqual([0, 0, 0, 0, -1, 1, -1, 1, -1, -1, 1, 1])
    expect(Array.from(normalizedSlice({ data, dims }, 2))).toEqual([-1, -1, 1, 1])
  })

  it("'volume' uses one mean and std (the paper code's variant, FLAIR only)", () => {
    const { mean, std } = meanStd(data)
    const out = normalizeVolume({ data, dims }, 'volume')
    out.forEach((v, i) => expect(v).toBeCloseTo((data[i] - mean) / std, 5))
    expect(Array.from(normalizedSlice({ data, dims }, 0, 'volume'))).toEqual(Array.from(out.subarray(0, 4)))
    expect(meanStd(out).std).toBeCloseTo(1, 5)
  })

  it('a constant volume becomes zeros; bad shapes and slices are errors', () => {
    expect(Array.from(normalizeVolume({ data: new Float32Array(12).fill(5), dims }, 'volume'))).toEqual(new Array(12).fill(0))
    expect(() => normalizeVolume({ data: new Float32Array(5), dims })).toThrow(/5 voxels/)
    expect(() => normalizedSlice({ data, dims }, 3)).toThrow(/slice 3 outside 0\.\.2/)
  })
})
