import { describe, expect, it } from 'vitest'
import { CancellationTokenSource } from '../../common/cancellation'
import { EngineError } from '../../common/errors'
import type { Blend, Tiling } from '../../common/types'
import {
  constantPredictor,
  countingPredictor,
  firstDifference,
  identityPredictor,
  oraclePredictor,
  plusOnePredictor,
  randomImage,
  throwingPredictor,
} from '../../../test/helpers/oraclePredictors'
import { gaussianImportanceMap } from './blend'
import { slidingWindowInference } from './slidingWindow'
import { tileLayout } from './tiling'

const tiling = (tile: number, overlap: number, blend: Blend = 'mean'): Tiling => ({ tile, overlap, blend })

/** Output depends on the pixel's position inside its tile, so overlapping tiles disagree. */
const positional = (o = {}) =>
  oraclePredictor((b, n, h, w) => {
    const out = new Float32Array(b.length)
    for (let k = 0; k < n; k++)
      for (let r = 0; r < h; r++)
        for (let c = 0; c < w; c++) {
          const i = (k * h + r) * w + c
          out[i] = 1 / (1 + Math.exp(-(b[i] + 0.01 * r - 0.02 * c)))
        }
    return out
  }, o)

/** Straight transcription of TSI `predict_tiles` (float64 combined/count), with optional Gaussian weights. */
function referenceTiled(image: Float32Array, H: number, W: number, t: Tiling): Float32Array {
  const layout = tileLayout(H, W, t)
  const P = layout.tile
  const weights = t.blend === 'gaussian' ? gaussianImportanceMap(P) : null
  const Hp = layout.paddedHeight
  const Wp = layout.paddedWidth
  let min = Infinity
  for (const v of image) min = Math.min(min, v)
  const padded = new Float64Array(Hp * Wp).fill(min)
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) padded[y * Wp + x] = image[y * W + x]
  const combined = new Float64Array(Hp * Wp)
  const count = new Float64Array(Hp * Wp)
  for (const oy of layout.offsetsY) {
    for (const ox of layout.offsetsX) {
      for (let r = 0; r < P; r++) {
        for (let c = 0; c < P; c++) {
          const x = Math.fround(padded[(oy + r) * Wp + ox + c])
          const p = Math.fround(1 / (1 + Math.exp(-(x + 0.01 * r - 0.02 * c))))
          const w = weights ? weights[r * P + c] : 1
          combined[(oy + r) * Wp + ox + c] += w * p
          count[(oy + r) * Wp + ox + c] += w
        }
      }
    }
  }
  const out = new Float32Array(H * W)
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out[y * W + x] = combined[y * Wp + x] / count[y * Wp + x]
  return out
}

const CASES: [number, number, number, number][] = [
  [240, 240, 128, 0.5],
  [240, 240, 128, 0.75],
  [240, 240, 64, 0.5],
  [155, 240, 128, 0.5],
  [100, 100, 256, 0.875],
  [48, 200, 32, 0.3],
]

describe('slidingWindowInference: oracles', () => {
  it.each(CASES)('a constant %i×%i slice through identity comes back exactly (tile %i, overlap %f)', async (H, W, tile, overlap) => {
    const image = new Float32Array(H * W).fill(0.3)
    for (const blend of ['mean', 'gaussian'] as const) {
      const { probabilities } = await slidingWindowInference([image], H, W, identityPredictor(), tiling(tile, overlap, blend))
      expect(firstDifference(probabilities[0], image)).toBeNull()
    }
  })

  it.each(CASES)('x + 1 returns input + 1 exactly on %i×%i (tile %i, overlap %f)', async (H, W, tile, overlap) => {
    const image = randomImage(H * W, H + W)
    const expected = image.map((v) => v + 1)
    for (const blend of ['mean', 'gaussian'] as const) {
      const { probabilities } = await slidingWindowInference([image], H, W, plusOnePredictor(), tiling(tile, overlap, blend))
      expect(firstDifference(probabilities[0], expected)).toBeNull()
    }
  })

  it.each(CASES)('matches a transcription of TSI predict_tiles bit for bit on %i×%i (tile %i, overlap %f)', async (H, W, tile, overlap) => {
    const image = randomImage(H * W, 7)
    for (const blend of ['mean', 'gaussian'] as const) {
      const t = tiling(tile, overlap, blend)
      const { probabilities } = await slidingWindowInference([image], H, W, positional(), t)
      expect(firstDifference(probabilities[0], referenceTiled(image, H, W, t))).toBeNull()
    }
  })

  it('returns the predictor constant everywhere (every pixel covered)', async () => {
    const { probabilities } = await slidingWindowInference([randomImage(155 * 240)], 155, 240, constantPredictor(0.25), tiling(64, 0.5, 'gaussian'))
    expect(probabilities[0].every((v) => v === 0.25)).toBe(true)
  })

  it('pads a slice smaller than the tile with its minimum and crops back', async () => {
    const image = randomImage(100 * 100, 3)
    const min = image.reduce((a, b) => Math.min(a, b), Infinity)
    const p = countingPredictor(plusOnePredictor())
    const { probabilities, layout } = await slidingWindowInference([image], 100, 100, p, tiling(256, 0.5))
    expect(layout.origins).toEqual([[0, 0]])
    expect(p.calls).toHaveLength(1)
    const { input, height, width } = p.calls[0]
    expect([height, width]).toEqual([256, 256])
    expect(input[5 * 256 + 7]).toBe(image[5 * 100 + 7])
    expect(input[50 * 256 + 100]).toBe(min) // right of the slice
    expect(input[255 * 256 + 255]).toBe(min) // below it
    expect(firstDifference(probabilities[0], image.map((v) => v + 1))).toBeNull()
  })
})

describe('slidingWindowInference: batching', () => {
  it('never exceeds maxBatch and packs tiles of several slices into one batch', async () => {
    const slices = [1, 2, 3].map((v) => new Float32Array(240 * 240).fill(v))
    const p = countingPredictor(plusOnePredictor({ maxBatch: 4 }))
    const seen: number[] = []
    const { probabilities, stats } = await slidingWindowInference(slices, 240, 240, p, tiling(128, 0.5), {
      onSlice: (i, prob, info) => {
        seen.push(i)
        expect(info.forwardPasses).toBe(9)
        expect(prob.every((v) => v === slices[i][0] + 1)).toBe(true)
      },
    })
    expect(p.calls.map((c) => c.n)).toEqual([4, 4, 4, 4, 4, 4, 3])
    // Batch 3 holds tile 9 of slice 0 and tiles 1-3 of slice 1.
    expect(new Set(p.calls[2].input)).toEqual(new Set([1, 2]))
    expect(seen).toEqual([0, 1, 2])
    expect(probabilities).toHaveLength(3)
    expect(stats).toMatchObject({ slices: 3, forwardPasses: 27, forwardPassesPerSlice: 9, predictorCalls: 7, batchSize: 4 })
  })

  it('sends the first slice alone when asked to prioritise it', async () => {
    const slices = [0, 1, 2].map(() => randomImage(240 * 240))
    const p = countingPredictor(plusOnePredictor({ maxBatch: 16 }))
    await slidingWindowInference(slices, 240, 240, p, tiling(128, 0.5), { prioritizeFirstSlice: true })
    expect(p.calls.map((c) => c.n)).toEqual([9, 16, 2])
  })

  it('reuses its input buffer rather than allocating one per batch', async () => {
    const buffers = new Set<ArrayBufferLike>()
    const p = oraclePredictor((b) => {
      buffers.add(b.buffer)
      return b.slice()
    }, { maxBatch: 5 })
    await slidingWindowInference([0, 1, 2, 3].map(() => randomImage(240 * 240)), 240, 240, p, tiling(128, 0.5))
    expect(buffers.size).toBe(1)
  })
})

describe('slidingWindowInference: errors and cancellation', () => {
  const image = new Float32Array(240 * 240)
  it.each([
    [tiling(128, 1), /overlap must be in \[0, 1\), received 1/],
    [tiling(128, -0.5), /received -0.5/],
    [tiling(0, 0.5), /tile must be an integer ≥ 1, received 0/],
    [tiling(100, 0.5), /tile 100 is not a multiple of the model's input multiple 16/],
    [tiling(127.5, 0.5), /received 127.5/],
  ])('rejects %j before the predictor is called', async (t, message) => {
    const p = throwingPredictor()
    await expect(slidingWindowInference([image], 240, 240, p, t)).rejects.toThrowError(message)
    expect(p.calls).toBe(0)
  })

  it('rejects a slice of the wrong length before any work', async () => {
    const p = throwingPredictor()
    const err = await slidingWindowInference([image, new Float32Array(10)], 240, 240, p, tiling(128, 0.5)).catch((e) => e)
    expect(err).toBeInstanceOf(EngineError)
    expect(err.code).toBe('E_SHAPE')
    expect(err.message).toMatch(/slice 1 has 10 values/)
    expect(p.calls).toBe(0)
  })

  it('rejects a predictor with an invalid maxBatch or a wrong-sized answer (E_MODEL)', async () => {
    await expect(slidingWindowInference([image], 240, 240, identityPredictor({ maxBatch: 0 }), tiling(128, 0.5))).rejects.toThrowError(
      /maxBatch\(128, 128\) must be an integer ≥ 1, returned 0/,
    )
    const short = oraclePredictor((b) => b.slice(1))
    await expect(slidingWindowInference([image], 240, 240, short, tiling(128, 0.5))).rejects.toMatchObject({ code: 'E_MODEL' })
  })

  it('stops between batches when the token fires', async () => {
    const source = new CancellationTokenSource()
    const p = countingPredictor(identityPredictor({ maxBatch: 4 }), () => source.cancel())
    const err = await slidingWindowInference([image, image], 240, 240, p, tiling(128, 0.5), { token: source.token }).catch((e) => e)
    expect(err).toBeInstanceOf(EngineError)
    expect(err.code).toBe('E_CANCELLED')
    expect(p.calls).toHaveLength(1)
  })

  it('does not call the predictor when already cancelled', async () => {
    const source = new CancellationTokenSource()
    source.cancel()
    const p = throwingPredictor()
    await expect(slidingWindowInference([image], 240, 240, p, tiling(128, 0.5), { token: source.token })).rejects.toMatchObject({
      code: 'E_CANCELLED',
    })
    expect(p.calls).toBe(0)
  })
})
