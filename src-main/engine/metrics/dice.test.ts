import { describe, expect, it } from 'vitest'
import { binaryDice, meanDice, sliceMetrics, softDice, thresholdedSoftDice, thresholdSoft } from './dice'

const f32 = (...v: number[]) => Float32Array.from(v)
const u8 = (...v: number[]) => Uint8Array.from(v)

describe('the four empty / non-empty cases', () => {
  it('both empty: binary Dice null (undefined), soft Dice 1/(Σp + 1)', () => {
    const m = sliceMetrics(u8(0, 0, 0, 0), f32(0, 0.1, 0.2, 0.49))
    expect(m.binaryDice).toBeNull()
    expect(m.softDice).toBeCloseTo(1 / (Math.fround(0.1) + Math.fround(0.2) + Math.fround(0.49) + 1), 12)
    expect(m).toMatchObject({ falsePositives: 0, falseNegatives: 0, tumorPixels: 0, predictedPixels: 0 })
  })

  it('empty ground truth, non-empty prediction: binary 0, every predicted pixel a false positive', () => {
    const m = sliceMetrics(u8(0, 0, 0, 0), f32(0.9, 0.5, 0, 0))
    expect(m.binaryDice).toBe(0)
    expect(m.softDice).toBeCloseTo(1 / (Math.fround(0.9) + 0.5 + 1), 12)
    expect(m).toMatchObject({ falsePositives: 2, falseNegatives: 0, tumorPixels: 0, predictedPixels: 2 })
  })

  it('non-empty ground truth, empty prediction: binary 0, every tumour pixel a false negative', () => {
    const m = sliceMetrics(u8(1, 1, 1, 0), f32(0.1, 0.2, 0, 0))
    expect(m.binaryDice).toBe(0)
    expect(m.softDice).toBeCloseTo((2 * (Math.fround(0.1) + Math.fround(0.2)) + 1) / (3 + Math.fround(0.1) + Math.fround(0.2) + 1), 12)
    expect(m).toMatchObject({ falsePositives: 0, falseNegatives: 3, tumorPixels: 3, predictedPixels: 0 })
  })

  it('both non-empty: 2|Y∩P|/(|Y|+|P|)', () => {
    // Y = {0, 1, 2}, P = {1, 2, 3} → 2·2/(3+3) = 2/3.
    const m = sliceMetrics(u8(1, 1, 1, 0), f32(0.2, 0.8, 1, 0.5))
    expect(m.binaryDice).toBeCloseTo(2 / 3, 15)
    expect(m).toMatchObject({ falsePositives: 1, falseNegatives: 1, tumorPixels: 3, predictedPixels: 3 })
    expect(binaryDice(u8(1, 1, 1, 0), f32(0.2, 0.8, 1, 0.5))).toBe(m.binaryDice)
  })
})

describe('soft Dice (paper, smooth 1)', () => {
  it('matches a hand computation', () => {
    // y = [1, 1, 0, 0], p = [0.75, 0.5, 0.25, 0] → Σyp = 1.25, Σy = 2, Σp = 1.5 → (2.5 + 1)/(2 + 1.5 + 1) = 3.5/4.5.
    const gt = u8(1, 1, 0, 0)
    const p = f32(0.75, 0.5, 0.25, 0)
    expect(softDice(gt, p)).toBe(3.5 / 4.5)
    expect(sliceMetrics(gt, p).softDice).toBe(3.5 / 4.5)
  })

  it('is 1 for a perfect binary prediction and treats BraTS labels {1, 2, 4} as tumour', () => {
    expect(softDice(u8(0, 1, 2, 4), f32(0, 1, 1, 1))).toBe(1)
    expect(sliceMetrics(u8(0, 1, 2, 4), f32(0, 1, 1, 1))).toMatchObject({ binaryDice: 1, tumorPixels: 3 })
  })

  it('accumulates in float64 (a float32 sum over 57,600 pixels would drift)', () => {
    const n = 240 * 240
    const p = new Float32Array(n).fill(0.1)
    const gt = new Uint8Array(n).fill(1, 0, n / 2)
    const p32 = Math.fround(0.1)
    const expected = (2 * (n / 2) * p32 + 1) / (n / 2 + n * p32 + 1)
    expect(softDice(gt, p)).toBeCloseTo(expected, 12)
  })

  it('counts p = 0.5 as predicted tumour', () => {
    expect(sliceMetrics(u8(1), f32(0.5))).toMatchObject({ binaryDice: 1, predictedPixels: 1 })
    expect(sliceMetrics(u8(1), f32(0.49999997))).toMatchObject({ binaryDice: 0, predictedPixels: 0 })
  })

  it('rejects mismatched lengths with E_SHAPE', () => {
    expect(() => softDice(u8(1, 0), f32(1))).toThrowError(/ground truth has 2 pixels, prediction 1/)
    expect(() => sliceMetrics(u8(1, 0), f32(1))).toThrowError(expect.objectContaining({ code: 'E_SHAPE' }))
  })
})

describe("the paper's thresholded variant keeps soft values", () => {
  const gt = u8(1, 1, 0, 0)
  const p = f32(0.75, 0.5, 0.25, 0.125)

  it('zeroes p < 0.5 and keeps p ≥ 0.5 as they are', () => {
    expect(Array.from(thresholdSoft(p))).toEqual([0.75, 0.5, 0, 0])
  })

  it('scores (2Σyp′ + 1)/(Σy + Σp′ + 1) on the soft values, not on a binarised map', () => {
    // p′ = [0.75, 0.5, 0, 0]: Σyp′ = 1.25, Σp′ = 1.25 → 3.5/4.25. Binarised it would be 5/5 = 1.
    expect(thresholdedSoftDice(gt, p)).toBe(3.5 / 4.25)
    expect(thresholdedSoftDice(gt, p)).toBe(softDice(gt, thresholdSoft(p)))
    expect(thresholdedSoftDice(gt, p)).not.toBe(1)
  })
})

describe('meanDice', () => {
  it('leaves nulls out of the mean and counts them', () => {
    expect(meanDice([1, null, 0.5, null, 0])).toEqual({ mean: 0.5, count: 3, excludedEmpty: 2 })
  })
  it('gives mean null when every value is undefined', () => {
    expect(meanDice([null, null])).toEqual({ mean: null, count: 0, excludedEmpty: 2 })
    expect(meanDice([])).toEqual({ mean: null, count: 0, excludedEmpty: 0 })
  })
  it('rejects NaN naming the index', () => {
    expect(() => meanDice([0.5, Number.NaN])).toThrowError(/value 1 is NaN/)
  })
  it('averages per-slice binary Dice of a small cohort', () => {
    const slices = [
      sliceMetrics(u8(0, 0), f32(0, 0)), // null
      sliceMetrics(u8(1, 0), f32(1, 0)), // 1
      sliceMetrics(u8(1, 0), f32(0, 1)), // 0
    ]
    expect(meanDice(slices.map((m) => m.binaryDice))).toEqual({ mean: 0.5, count: 2, excludedEmpty: 1 })
  })
})
