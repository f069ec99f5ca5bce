/**
 * Whole-network check: the gradient of the paper's U-Net (tiny: base 4, depth 2; both decoder variants) on wasm,
 * with TileLab's kernels, equals the gradient on tfjs's cpu backend, whose kernels are plain reference loops —
 * with its one wrong kernel (ResizeNearestNeighborGrad) replaced by the exact adjoint checked in
 * resizeAndPoolGrad.test.ts. Dropout off, fixed weights and inputs; every trainable variable compared.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { initBackend } from '../initBackend'
import { buildUnet } from '../../model/unet'
import { relativeError, seededValues } from './float64Reference'

beforeAll(async () => {
  await initBackend('wasm')
})

function gradients(backend: string, model: tf.LayersModel, x: Float32Array, r: Float32Array, shape: [number, number, number, number]): Map<string, Float32Array> {
  tf.setBackend(backend)
  const before = tf.memory().numTensors
  const out: Record<string, Float32Array> = tf.tidy(() => {
    const input = tf.tensor4d(x, shape)
    const weight = tf.tensor4d(r, shape)
    // A loss that weights every output pixel differently, so that each pixel's gradient path is exercised.
    const { grads } = tf.variableGrads(() => (model.apply(input, { training: true }) as tf.Tensor).mul(weight).sum() as tf.Scalar)
    return Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, g.dataSync() as Float32Array]))
  }) as Record<string, Float32Array>
  expect(tf.memory().numTensors).toBe(before)
  return new Map(Object.entries(out))
}

describe.each(['upsample', 'transpose'] as const)('U-Net (base 4, depth 2, %s) gradient', (upsampling) => {
  it('on wasm equals the cpu backend reference for every variable', () => {
    const shape: [number, number, number, number] = [2, 16, 16, 1]
    const model = buildUnet({ baseFilters: 4, depth: 2, dropout: 0, upsampling }, 42)
    const x = seededValues(2 * 16 * 16, 5)
    const r = seededValues(2 * 16 * 16, 6)
    const onWasm = gradients('wasm', model, x, r, shape)
    const onCpu = gradients('cpu', model, x, r, shape)
    tf.setBackend('wasm')
    expect(onWasm.size).toBe(model.trainableWeights.length)
    const errors: Record<string, number> = {}
    for (const [name, g] of onWasm) errors[name] = relativeError(g, onCpu.get(name)!)
    for (const [name, e] of Object.entries(errors)) expect(e, name).toBeLessThan(1e-5)
    model.dispose()
  })
})
