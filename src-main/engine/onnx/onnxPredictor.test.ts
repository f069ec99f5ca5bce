import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import type { Predictor } from '../inference/predictor'
import { buildUnet } from '../model/unet'
import { exportOnnx } from './exportOnnx'
import { createOnnxPredictor, tryCreateOnnxPredictor } from './onnxPredictor'
import { cudaProviderStatus, isOutOfMemoryMessage } from './onnxRuntime'

let model: tf.LayersModel
let bytes: Uint8Array
let predictor: Predictor

beforeAll(async () => {
  await tf.setBackend('cpu')
  model = buildUnet({ baseFilters: 8, depth: 2 }, 21)
  bytes = exportOnnx(model)
  predictor = await createOnnxPredictor(bytes, { executionProvider: 'cpu', intraOpNumThreads: 1 })
})

afterAll(async () => {
  await predictor.dispose()
  model.dispose()
})

const ramp = (length: number) => Float32Array.from({ length }, (_, i) => Math.cos(i * 0.11) * 2)

describe('createOnnxPredictor', () => {
  it('reports its engine and the input multiple 2^depth', () => {
    expect(predictor.engine).toBe('onnxruntime-cpu')
    expect(predictor.inputMultiple).toBe(4)
  })

  it("picks CUDA only where its provider is installed ('auto')", async () => {
    const auto = await createOnnxPredictor(bytes)
    expect(auto.engine).toBe(cudaProviderStatus().installed ? 'onnxruntime-cuda' : 'onnxruntime-cpu')
    await auto.dispose()
  })

  it.skipIf(cudaProviderStatus().installed)("fails with E_BACKEND when 'cuda' is required but not installed", async () => {
    await expect(createOnnxPredictor(bytes, { executionProvider: 'cuda' })).rejects.toMatchObject({
      code: 'E_BACKEND',
      message: expect.stringMatching(/CUDA provider|cuda12/),
    })
  })

  it('bounds the batch by pixels × base filters (8 slices of 240×240 at base 32), capped at 64, at least 1', () => {
    // base 8: budget 8·240²·32 / (240²·8) = 32 slices; 128×128 tiles: 112 → cap 64.
    expect(predictor.maxBatch(240, 240)).toBe(32)
    expect(predictor.maxBatch(128, 128)).toBe(64)
    expect(predictor.maxBatch(4096, 4096)).toBe(1)
  })

  it('honours batchBudget', async () => {
    const p = await createOnnxPredictor(bytes, { executionProvider: 'cpu', batchBudget: 240 * 240 * 8 * 3 })
    expect(p.maxBatch(240, 240)).toBe(3)
    await p.dispose()
  })

  it('runs with spin-waiting intra-op threads (allowSpinning: true) and gives the same output', async () => {
    const p = await createOnnxPredictor(bytes, { executionProvider: 'cpu', intraOpNumThreads: 2, allowSpinning: true })
    const x = ramp(2 * 8 * 12)
    const [a, b] = [await p.predict(x, 2, 8, 12), await predictor.predict(x, 2, 8, 12)]
    expect(a.every((v, i) => Math.abs(v - b[i]) < 1e-6)).toBe(true)
    await p.dispose()
  })

  it('fails with E_IO for a missing file and E_MODEL for an ONNX file without TileLab metadata', async () => {
    await expect(createOnnxPredictor('/nonexistent/model.onnx')).rejects.toMatchObject({ code: 'E_IO' })
    await expect(createOnnxPredictor(new Uint8Array([8, 8]))).rejects.toMatchObject({ code: 'E_MODEL' })
  })
})

describe('tryCreateOnnxPredictor', () => {
  it('returns null (and logs why) instead of throwing, so callers fall back to tfjs', async () => {
    expect(await tryCreateOnnxPredictor(new Uint8Array([1, 2, 3]))).toBeNull()
    expect(await tryCreateOnnxPredictor('/nonexistent/model.onnx')).toBeNull()
  })

  it('returns a working predictor when ONNX Runtime is present', async () => {
    const p = await tryCreateOnnxPredictor(bytes, { executionProvider: 'cpu' })
    expect(p?.engine).toBe('onnxruntime-cpu')
    await p?.dispose()
  })
})

describe('predict', () => {
  it('matches tfjs, on a subarray of a larger buffer, and returns a new array the caller owns', async () => {
    const volume = ramp(5 * 16 * 20)
    const view = volume.subarray(2 * 16 * 20, 4 * 16 * 20)
    const a = await predictor.predict(view, 2, 16, 20)
    const b = await predictor.predict(view, 2, 16, 20)
    expect(a).not.toBe(b)
    expect(a.byteOffset).toBe(0)
    expect(a.buffer.byteLength).toBe(a.byteLength)
    expect(a.length).toBe(2 * 16 * 20)
    const want = tf.tidy(() => (model.predict(tf.tensor4d(view, [2, 16, 20, 1])) as tf.Tensor).dataSync())
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - want[i])).toBeLessThan(1e-5)
    expect(Array.from(volume.subarray(2 * 16 * 20, 4 * 16 * 20))).toEqual(Array.from(view)) // input untouched
  })

  it('gives the same answer for concurrent calls', async () => {
    const x = ramp(3 * 8 * 8)
    const [p, q] = await Promise.all([predictor.predict(x, 3, 8, 8), predictor.predict(x.slice(), 3, 8, 8)])
    expect(Array.from(p)).toEqual(Array.from(q))
  })

  it.each([
    ['length ≠ N·H·W', new Float32Array(10), 1, 8, 8, /10 values, expected/],
    ['height not a multiple of 4', new Float32Array(6 * 8), 1, 6, 8, /height must be a positive multiple of 4, got 6/],
    ['width 0', new Float32Array(0), 1, 8, 0, /width must be a positive multiple of 4, got 0/],
    ['N = 0', new Float32Array(0), 0, 8, 8, /batch size must be a positive integer, got 0/],
    ['N fractional', new Float32Array(64), 1.5, 8, 8, /batch size must be a positive integer, got 1.5/],
  ])('rejects %s with E_SHAPE', async (_label, batch, n, h, w, message) => {
    await expect(predictor.predict(batch, n, h, w)).rejects.toMatchObject({ code: 'E_SHAPE', message: expect.stringMatching(message) })
  })

  it('refuses to run after dispose', async () => {
    const p = await createOnnxPredictor(bytes, { executionProvider: 'cpu' })
    await p.dispose()
    await p.dispose() // idempotent
    await expect(p.predict(new Float32Array(64), 1, 8, 8)).rejects.toMatchObject({ code: 'E_MODEL' })
  })
})

describe('isOutOfMemoryMessage', () => {
  it('recognises allocation failures from the CPU and CUDA providers', () => {
    expect(isOutOfMemoryMessage('std::bad_alloc')).toBe(true)
    expect(isOutOfMemoryMessage('Failed to allocate memory for requested buffer of size 123')).toBe(true)
    expect(isOutOfMemoryMessage('CUDA failure 2: out of memory')).toBe(true)
    expect(isOutOfMemoryMessage('Invalid rank for input: flair')).toBe(false)
  })
})
