import { describe, expect, it } from 'vitest'
import { accumulateWindow, blendWeights, finishBlend, gaussianImportanceMap, weightSumMap } from './blend'
import { tileLayout } from './tiling'

// Precomputed with numpy (float64): g = exp(-(i-(P-1)/2)^2 / (2 (P/8)^2)); w = max(outer(g, g), 1e-3).
// That is MONAI's compute_importance_map(mode='gaussian', sigma_scale=0.125) in float64.
const GAUSS_7_ROW3 = [0.002801638035, 0.073369651368, 0.520450121021, 1.0, 0.520450121021, 0.073369651368, 0.002801638035]
const GAUSS_7_ROW1 = [0.001, 0.005383105742, 0.038185243934, 0.073369651368, 0.038185243934, 0.005383105742, 0.001]
const GAUSS_8 = [
  [0.001, 0.001, 0.001, 0.001930454136, 0.001930454136, 0.001, 0.001, 0.001],
  [0.001, 0.001930454136, 0.014264233909, 0.038774207832, 0.038774207832, 0.014264233909, 0.001930454136, 0.001],
  [0.001, 0.014264233909, 0.105399224562, 0.28650479686, 0.28650479686, 0.105399224562, 0.014264233909, 0.001],
  [0.001930454136, 0.038774207832, 0.28650479686, 0.778800783071, 0.778800783071, 0.28650479686, 0.038774207832, 0.001930454136],
]

describe('gaussianImportanceMap (sigma = P/8, MONAI)', () => {
  it('matches precomputed values for P = 8 (even: centred between pixels 3 and 4)', () => {
    const map = gaussianImportanceMap(8)
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 8; x++) {
        expect(map[y * 8 + x]).toBeCloseTo(GAUSS_8[y][x], 11)
        expect(map[(7 - y) * 8 + x]).toBeCloseTo(GAUSS_8[y][x], 11)
      }
    }
  })

  it('matches precomputed values for P = 7 (odd: peak exactly 1)', () => {
    const map = gaussianImportanceMap(7)
    GAUSS_7_ROW3.forEach((v, x) => expect(map[3 * 7 + x]).toBeCloseTo(v, 11))
    GAUSS_7_ROW1.forEach((v, x) => expect(map[1 * 7 + x]).toBeCloseTo(v, 11))
    expect(map[3 * 7 + 3]).toBe(1)
  })

  it('is symmetric, peaks in the centre and never drops below 1e-3', () => {
    const P = 128
    const map = gaussianImportanceMap(P)
    let min = Infinity
    let max = -Infinity
    let asymmetric = 0
    for (let y = 0; y < P; y++) {
      for (let x = 0; x < P; x++) {
        const v = map[y * P + x]
        if (v !== map[x * P + y] || v !== map[(P - 1 - y) * P + x]) asymmetric++
        min = Math.min(min, v)
        max = Math.max(max, v)
      }
    }
    expect(asymmetric).toBe(0)
    expect(min).toBe(1e-3)
    expect(max).toBe(map[63 * P + 64])
    expect(max).toBeCloseTo(Math.exp(-0.25 / 256), 12) // g(63.5 − 63)² with σ = 16, twice
  })

  it('rejects bad arguments', () => {
    expect(() => gaussianImportanceMap(0)).toThrowError(/received 0/)
    expect(() => gaussianImportanceMap(8, 0)).toThrowError(/sigmaScale must be > 0, received 0/)
    expect(() => gaussianImportanceMap(8, 0.125, 0)).toThrowError(/minWeight must be in \(0, 1\], received 0/)
    expect(() => blendWeights('max' as never, 8)).toThrowError(/received "max"/)
  })
})

describe('weightSumMap: the count map of the paper', () => {
  it('counts 1 to 9 tiles per pixel for 240/128/64', () => {
    const layout = tileLayout(240, 240, { tile: 128, overlap: 0.5, blend: 'mean' })
    const count = weightSumMap({ y0: 0, x0: 0, height: 240, width: 240 }, 128, 128, layout.origins, null)
    const at = (y: number, x: number) => count[y * 240 + x]
    expect(at(0, 0)).toBe(1) // tile (0, 0) only
    expect(at(100, 100)).toBe(4) // rows and columns in tiles 0 and 64
    expect(at(120, 120)).toBe(9) // in all three tiles on both axes
    expect(at(239, 239)).toBe(1)
    expect(at(0, 120)).toBe(3)
    let sum = 0
    for (const c of count) sum += c
    expect(sum).toBe(9 * 128 * 128)
  })

  it.each([
    [240, 240, 128, 0.5],
    [240, 240, 64, 0.5],
    [155, 240, 128, 0.75],
    [100, 100, 256, 0.875],
    [239, 17, 16, 0.0625],
  ])('covers every pixel of %i×%i with tile %i overlap %f (mean and gaussian)', (h, w, tile, overlap) => {
    const layout = tileLayout(h, w, { tile, overlap, blend: 'mean' })
    for (const weights of [null, gaussianImportanceMap(tile)]) {
      const sum = weightSumMap({ y0: 0, x0: 0, height: h, width: w }, tile, tile, layout.origins, weights)
      expect(sum.every((s) => s >= 1e-3)).toBe(true)
    }
  })

  it('throws E_INTERNAL when a pixel is not covered', () => {
    expect(() => weightSumMap({ y0: 0, x0: 0, height: 10, width: 10 }, 4, 4, [[0, 0]], null)).toThrowError(
      /pixel \(0, 4\) is covered by no window/,
    )
  })
})

describe('accumulateWindow + finishBlend', () => {
  it('clips windows to the region and divides by the weight sum', () => {
    const region = { y0: 1, x0: 1, height: 2, width: 2 }
    const acc = new Float64Array(4)
    // A 3×3 window at (0, 0): values 0..8; the region sees rows 1..2, columns 1..2 → 4, 5, 7, 8.
    const prob = Float32Array.from({ length: 9 }, (_, i) => i)
    accumulateWindow(acc, region, prob, 0, 3, 3, 0, 0, null)
    accumulateWindow(acc, region, prob, 0, 3, 3, 0, 0, null)
    expect(Array.from(acc)).toEqual([8, 10, 14, 16])
    const out = finishBlend(acc, new Float64Array([2, 2, 2, 2]))
    expect(Array.from(out)).toEqual([4, 5, 7, 8])
    expect(Array.from(acc)).toEqual([0, 0, 0, 0])
  })
})
