/**
 * Full-image, tiled and centre-crop inference through a real (small, freshly initialised) U-Net on the tfjs cpu
 * backend, against direct `model.predict` calls: checks the NHWC layout, padding and blending with a real
 * convolutional network, not only with oracles. Skipped under TILELAB_QUICK=1.
 */
import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { centreCropInference, cropSlice } from '../../src-main/engine/inference/centreCrop'
import { fullImageInference } from '../../src-main/engine/inference/fullImage'
import type { Predictor } from '../../src-main/engine/inference/predictor'
import { slidingWindowInference } from '../../src-main/engine/inference/slidingWindow'
import { tileLayout } from '../../src-main/engine/inference/tiling'
import { buildUnet } from '../../src-main/engine/model/unet'
import { firstDifference, randomImage } from '../helpers/oraclePredictors'

const quick = process.env.TILELAB_QUICK === '1'
const DEPTH = 2
const MULTIPLE = 2 ** DEPTH

describe.skipIf(quick)('inference through a real U-Net (tfjs cpu)', () => {
  let model: tf.LayersModel
  let predictor: Predictor
  const run = (batch: Float32Array, n: number, h: number, w: number): Float32Array =>
    tf.tidy(() => (model.predict(tf.tensor4d(batch, [n, h, w, 1])) as tf.Tensor).dataSync() as Float32Array).slice()

  beforeAll(async () => {
    await tf.setBackend('cpu')
    model = buildUnet({ baseFilters: 4, depth: DEPTH }, 42)
    predictor = {
      engine: 'tfjs-cpu-test',
      inputMultiple: MULTIPLE,
      maxBatch: () => 4,
      predict: async (batch, n, h, w) => run(batch, n, h, w),
      dispose: async () => {},
    }
  })
  afterAll(() => model.dispose())

  it('full image equals model.predict on the batch, with no tensor leak', async () => {
    const slices = [1, 2, 3].map((s) => randomImage(64 * 64, s))
    const before = tf.memory().numTensors
    const { probabilities } = await fullImageInference(slices, 64, 64, predictor)
    expect(tf.memory().numTensors).toBe(before)
    const batch = new Float32Array(3 * 64 * 64)
    slices.forEach((s, k) => batch.set(s, k * 64 * 64))
    const direct = run(batch, 3, 64, 64)
    slices.forEach((_, k) => expect(firstDifference(probabilities[k], direct.subarray(k * 4096, (k + 1) * 4096))).toBeNull())
  })

  it('full image of a 50×70 slice equals model.predict on the slice padded with its minimum to 52×72, cropped', async () => {
    const image = randomImage(50 * 70, 9)
    const min = image.reduce((a, b) => Math.min(a, b), Infinity)
    const padded = new Float32Array(52 * 72).fill(min)
    for (let y = 0; y < 50; y++) padded.set(image.subarray(y * 70, (y + 1) * 70), y * 72)
    const direct = cropSlice(run(padded, 1, 52, 72), 52, 72, { y0: 0, x0: 0, height: 50, width: 70 })
    const { probabilities } = await fullImageInference([image], 50, 70, predictor)
    expect(firstDifference(probabilities[0], direct)).toBeNull()
  })

  it('one tile covering the slice gives exactly the full-image prediction', async () => {
    const image = randomImage(64 * 64, 5)
    const full = await fullImageInference([image], 64, 64, predictor)
    const tiled = await slidingWindowInference([image], 64, 64, predictor, { tile: 64, overlap: 0, blend: 'mean' })
    expect(firstDifference(tiled.probabilities[0], full.probabilities[0])).toBeNull()
  })

  it('tiled 32/0.5 is the mean of model.predict on each tile (paper blend)', async () => {
    const image = randomImage(64 * 64, 6)
    const layout = tileLayout(64, 64, { tile: 32, overlap: 0.5, blend: 'mean' })
    const sum = new Float64Array(64 * 64)
    const count = new Float64Array(64 * 64)
    for (const [oy, ox] of layout.origins) {
      const tile = cropSlice(image, 64, 64, { y0: oy, x0: ox, height: 32, width: 32 })
      const p = run(tile, 1, 32, 32)
      for (let r = 0; r < 32; r++)
        for (let c = 0; c < 32; c++) {
          sum[(oy + r) * 64 + ox + c] += p[r * 32 + c]
          count[(oy + r) * 64 + ox + c] += 1
        }
    }
    const expected = Float32Array.from(sum, (v, i) => v / count[i])
    const { probabilities, stats } = await slidingWindowInference([image], 64, 64, predictor, { tile: 32, overlap: 0.5, blend: 'mean' })
    expect(stats.forwardPasses).toBe(9)
    expect(firstDifference(probabilities[0], expected)).toBeNull()
    // A real net disagrees with itself across tiles: tiled ≠ full somewhere (the paper's point).
    const full = await fullImageInference([image], 64, 64, predictor)
    expect(firstDifference(probabilities[0], full.probabilities[0])).not.toBeNull()
  })

  it('centre crop equals model.predict on the crop', async () => {
    const image = randomImage(60 * 60, 8)
    const { window, probabilities } = await centreCropInference([image], 60, 60, predictor, 32)
    expect(window).toEqual({ y0: 14, x0: 14, height: 32, width: 32 })
    expect(firstDifference(probabilities[0], run(cropSlice(image, 60, 60, window), 1, 32, 32))).toBeNull()
  })
})
