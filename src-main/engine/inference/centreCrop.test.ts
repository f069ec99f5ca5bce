import { describe, expect, it } from 'vitest'
import { countingPredictor, firstDifference, plusOnePredictor, randomImage, throwingPredictor } from '../../../test/helpers/oraclePredictors'
import { centreCropInference, centreCropWindow, cropSlice } from './centreCrop'

describe('centreCropWindow', () => {
  it.each([
    [240, 240, 128, { y0: 56, x0: 56, height: 128, width: 128 }],
    [241, 241, 128, { y0: 56, x0: 56, height: 128, width: 128 }],
    [155, 240, 128, { y0: 13, x0: 56, height: 128, width: 128 }],
    [128, 128, 128, { y0: 0, x0: 0, height: 128, width: 128 }],
  ])('%i×%i, crop %i', (H, W, crop, window) => {
    expect(centreCropWindow(H, W, crop)).toEqual(window)
  })

  it('rejects a crop larger than the slice or not an integer', () => {
    expect(() => centreCropWindow(100, 240, 128)).toThrowError(/crop must be an integer in \[1, 100\] for a 100×240 slice, received 128/)
    expect(() => centreCropWindow(240, 240, 0)).toThrowError(/received 0/)
    expect(() => centreCropWindow(240, 240, 12.5)).toThrowError(/received 12.5/)
  })
})

describe('cropSlice', () => {
  it('copies the window of a label slice, keeping its type', () => {
    const labels = Uint8Array.from({ length: 4 * 5 }, (_, i) => i)
    const crop = cropSlice(labels, 4, 5, { y0: 1, x0: 2, height: 2, width: 3 })
    expect(crop).toBeInstanceOf(Uint8Array)
    expect(Array.from(crop)).toEqual([7, 8, 9, 12, 13, 14])
  })
  it('rejects windows outside the slice and wrong lengths', () => {
    expect(() => cropSlice(new Float32Array(20), 4, 5, { y0: 3, x0: 0, height: 2, width: 2 })).toThrowError(/not inside 4×5/)
    expect(() => cropSlice(new Float32Array(19), 4, 5, { y0: 0, x0: 0, height: 2, width: 2 })).toThrowError(/19 values/)
  })
})

describe('centreCropInference (paper Fig. 3, CCF)', () => {
  it('predicts the [56:184, 56:184] crop of a 240 slice in one pass', async () => {
    const slices = [randomImage(240 * 240, 1), randomImage(240 * 240, 2)]
    const p = countingPredictor(plusOnePredictor())
    const { window, probabilities, stats } = await centreCropInference(slices, 240, 240, p, 128)
    expect(window).toEqual({ y0: 56, x0: 56, height: 128, width: 128 })
    expect(p.calls.map((c) => [c.n, c.height, c.width])).toEqual([[2, 128, 128]])
    slices.forEach((s, k) => {
      const expected = cropSlice(s, 240, 240, window).map((v) => v + 1)
      expect(firstDifference(probabilities[k], expected)).toBeNull()
    })
    expect(probabilities[0][0]).toBe(slices[0][56 * 240 + 56] + 1)
    expect(stats.forwardPasses).toBe(2)
  })

  it('rejects a crop that is not a multiple of the model input before any work', async () => {
    const p = throwingPredictor()
    await expect(centreCropInference([new Float32Array(240 * 240)], 240, 240, p, 120)).rejects.toThrowError(
      /crop 120 is not a multiple of the model's input multiple 16/,
    )
    await expect(centreCropInference([new Float32Array(100 * 100)], 100, 100, p, 128)).rejects.toMatchObject({ code: 'E_ARGS' })
    expect(p.calls).toBe(0)
  })
})
