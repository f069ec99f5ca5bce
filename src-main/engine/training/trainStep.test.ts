/**
 * trainStep on wasm: exact gradient accumulation, no tensor leaks, memory errors before any work.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { initBackend } from '../backend/initBackend'
import { relativeError, seededValues } from '../backend/kernels/float64Reference'
import { buildUnet } from '../model/unet'
import { accumulationFor, computeGradients, modelSizeOf, trainStep } from './trainStep'

beforeAll(async () => {
  await initBackend('wasm')
})

function batch(n: number, size: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor4D } {
  const x = tf.tensor4d(seededValues(n * size * size, seed), [n, size, size, 1])
  const y = tf.tensor4d(seededValues(n * size * size, seed + 1).map((v) => (v > 0.3 ? 1 : 0)), [n, size, size, 1])
  return { x, y }
}

describe('computeGradients', () => {
  it('accumulating 2 micro-batches of 4 gives the gradient of one batch of 8 (dropout off)', () => {
    const model = buildUnet({ baseFilters: 4, depth: 2, dropout: 0 }, 3)
    const { x, y } = batch(8, 16, 10)
    const whole = computeGradients(model, x, y)
    const split = computeGradients(model, x, y, { accumulate: 2 })
    expect(split.microBatches).toBe(2)
    expect(split.microBatchSize).toBe(4)
    expect(split.loss).toBeCloseTo(whole.loss, 5)
    expect(Object.keys(split.grads).sort()).toEqual(Object.keys(whole.grads).sort())
    for (const name of Object.keys(whole.grads))
      expect(relativeError(split.grads[name].dataSync(), whole.grads[name].dataSync()), name).toBeLessThan(1e-5)
    // Uneven split: 3 micro-batches of ≤ 3.
    const uneven = computeGradients(model, x, y, { accumulate: 3 })
    expect(uneven.microBatchSize).toBe(3)
    for (const name of Object.keys(whole.grads))
      expect(relativeError(uneven.grads[name].dataSync(), whole.grads[name].dataSync()), name).toBeLessThan(1e-5)
    tf.dispose([whole.grads, split.grads, uneven.grads, x, y])
    model.dispose()
  })

  it('refuses mismatched shapes, sizes that are not multiples of 2^depth, and a bad accumulate', () => {
    const model = buildUnet({ baseFilters: 2, depth: 2, dropout: 0 }, 1)
    const { x, y } = batch(2, 16, 1)
    const odd = batch(2, 10, 1)
    expect(() => computeGradients(model, x, y.slice([0], [1]) as tf.Tensor4D)).toThrow(/E_SHAPE|y must have x's shape/)
    expect(() => computeGradients(model, odd.x, odd.y)).toThrow('trainStep: H and W must be multiples of 4, got 10×10')
    expect(() => computeGradients(model, x, y, { accumulate: 3 })).toThrow('accumulate must be an integer in 1..2 (the batch), got 3')
    tf.dispose([x, y, odd.x, odd.y])
    model.dispose()
  })
})

describe('trainStep', () => {
  it('leaks no tensor over 50 steps (Adam, accumulation on) and lowers the loss', async () => {
    const model = buildUnet({ baseFilters: 2, depth: 1, dropout: 0.2 }, 5)
    const optimizer = tf.train.adam(1e-2)
    const { x, y } = batch(4, 8, 20)
    const first = await trainStep(model, optimizer, x, y, { accumulate: 2 })
    const tensorsAfterFirst = tf.memory().numTensors
    let last = first
    for (let i = 1; i < 50; i++) last = await trainStep(model, optimizer, x, y, { accumulate: i % 2 ? 1 : 2 })
    expect(tf.memory().numTensors).toBe(tensorsAfterFirst)
    expect(last.loss).toBeLessThan(first.loss)
    tf.dispose([x, y])
    optimizer.dispose()
    model.dispose()
  })

  it('fails with E_MEMORY and the accumulate to use, before any work, when a micro-batch cannot fit the wasm heap', async () => {
    const model = buildUnet({}, 1) // the paper's model, base 32
    expect(modelSizeOf(model)).toEqual({ baseFilters: 32, parameters: 7_846_081 })
    const x = tf.zeros([32, 128, 128, 1]) as tf.Tensor4D
    const optimizer = tf.train.adam()
    const before = tf.memory().numTensors
    const err = await trainStep(model, optimizer, x, x).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'E_MEMORY' })
    expect((err as Error).message).toMatch(
      /^trainStep: a micro-batch of 32 image\(s\) of 128×128 needs about 4\.\d GiB \(base 32\), over the 3\.4 GiB budget of the wasm heap; use accumulate ≥ 2 \(micro-batches of at most 2\d\) \(now 1\)$/,
    )
    expect(tf.memory().numTensors).toBe(before)
    // The paper's effective batch of 128 at 128×128: at most 21 per micro-batch, so 7 micro-batches.
    expect(accumulationFor(model, 128, 128, 128)).toBe(7)
    x.dispose()
    optimizer.dispose()
    model.dispose()
  })
})
