import { describe, expect, it } from 'vitest'
import { CancellationTokenSource } from '../../common/cancellation'
import {
  countingPredictor,
  firstDifference,
  identityPredictor,
  plusOnePredictor,
  randomImage,
  throwingPredictor,
} from '../../../test/helpers/oraclePredictors'
import { fullImageInference, fullImagePlan } from './fullImage'

describe('fullImageInference', () => {
  it('sends a 240×240 slice unpadded and returns x + 1 exactly', async () => {
    const image = randomImage(240 * 240, 11)
    const p = countingPredictor(plusOnePredictor())
    const { probabilities, stats } = await fullImageInference([image], 240, 240, p)
    expect(p.calls.map((c) => [c.n, c.height, c.width])).toEqual([[1, 240, 240]])
    expect(firstDifference(probabilities[0], image.map((v) => v + 1))).toBeNull()
    expect(stats).toMatchObject({ slices: 1, forwardPasses: 1, forwardPassesPerSlice: 1, predictorCalls: 1 })
  })

  it.each([
    [155, 100, 160, 112],
    [17, 241, 32, 256],
    [1, 1, 16, 16],
  ])('pads %i×%i to %i×%i with the slice minimum and crops back', async (H, W, Hp, Wp) => {
    const image = randomImage(H * W, H)
    const min = image.reduce((a, b) => Math.min(a, b), Infinity)
    const p = countingPredictor(plusOnePredictor())
    const { probabilities } = await fullImageInference([image], H, W, p)
    const { input, height, width } = p.calls[0]
    expect([height, width]).toEqual([Hp, Wp])
    expect(input[(H - 1) * Wp + (W - 1)]).toBe(image[H * W - 1])
    expect(input[(Hp - 1) * Wp + (Wp - 1)]).toBe(min)
    expect(input[0 * Wp + W]).toBe(W < Wp ? min : image[1 * W])
    expect(firstDifference(probabilities[0], image.map((v) => v + 1))).toBeNull()
  })

  it('uses the model multiple it is given (8 for a depth-3 U-Net)', () => {
    const plan = fullImagePlan(155, 100, 8)
    expect([plan.windowHeight, plan.windowWidth]).toEqual([160, 104])
  })

  it('batches several slices per call, never above maxBatch, each slice once in order', async () => {
    const slices = Array.from({ length: 10 }, (_, k) => new Float32Array(240 * 240).fill(k))
    const p = countingPredictor(identityPredictor({ maxBatch: 4 }))
    const seen: number[] = []
    const { probabilities } = await fullImageInference(slices, 240, 240, p, {
      onSlice: (i, prob, info) => {
        seen.push(i)
        expect(prob[0]).toBe(i)
        expect(info).toMatchObject({ forwardPasses: 1, done: seen.length, total: 10 })
      },
    })
    expect(p.calls.map((c) => c.n)).toEqual([4, 4, 2])
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(probabilities.map((q) => q[123])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    // Each output owns its buffer (safe to transfer).
    expect(new Set(probabilities.map((q) => q.buffer)).size).toBe(10)
  })

  it('validates before the predictor is ever called', async () => {
    const p = throwingPredictor()
    await expect(fullImageInference([new Float32Array(5)], 240, 240, p)).rejects.toMatchObject({ code: 'E_SHAPE' })
    await expect(fullImageInference([], 240, 240, p)).rejects.toMatchObject({ code: 'E_ARGS' })
    await expect(fullImageInference([new Float32Array(0)], 0, 240, p)).rejects.toThrowError(/height must be an integer ≥ 1, received 0/)
    const bad = { ...throwingPredictor(), inputMultiple: 0 }
    await expect(fullImageInference([new Float32Array(4)], 2, 2, bad)).rejects.toMatchObject({ code: 'E_MODEL' })
    expect(p.calls).toBe(0)
  })

  it('stops between batches when cancelled', async () => {
    const source = new CancellationTokenSource()
    const p = countingPredictor(identityPredictor({ maxBatch: 2 }))
    const slices = Array.from({ length: 6 }, () => new Float32Array(32 * 32))
    const done: number[] = []
    await expect(
      fullImageInference(slices, 32, 32, p, {
        token: source.token,
        onSlice: (i) => {
          done.push(i)
          if (i === 2) source.cancel()
        },
      }),
    ).rejects.toMatchObject({ code: 'E_CANCELLED' })
    expect(done).toEqual([0, 1, 2, 3])
    expect(p.calls).toHaveLength(2)
  })
})
