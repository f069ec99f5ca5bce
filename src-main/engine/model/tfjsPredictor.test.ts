import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initBackend } from '../backend/initBackend'
import { seededValues } from '../backend/kernels/float64Reference'
import { buildCard } from './card'
import { saveModel } from './store'
import { createTfjsPredictor, MAX_BATCH_CAP, TfjsPredictor } from './tfjsPredictor'
import { buildUnet } from './unet'

const tiny = { baseFilters: 4, depth: 2 } as const
let root: string

beforeAll(async () => {
  await initBackend('wasm')
  root = await mkdtemp(join(tmpdir(), 'tilelab-predictor-'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

function direct(model: tf.LayersModel, batch: Float32Array, n: number, h: number, w: number): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor4d(batch, [n, h, w, 1])) as tf.Tensor).dataSync() as Float32Array)
}

describe('TfjsPredictor', () => {
  it('returns the model output for [N, H, W] batches and leaks no tensor', async () => {
    const model = buildUnet(tiny, 7)
    const p = new TfjsPredictor(model)
    expect(p.engine).toBe('tfjs-wasm')
    expect(p.inputMultiple).toBe(4)
    for (const [n, h, w] of [[3, 16, 16], [1, 32, 48]]) {
      const batch = seededValues(n * h * w, h + w)
      const before = tf.memory().numTensors
      const out = await p.predict(batch, n, h, w)
      expect(tf.memory().numTensors).toBe(before)
      expect(out.length).toBe(n * h * w)
      expect(Array.from(out)).toEqual(Array.from(direct(model, batch, n, h, w)))
      expect(out.every((v) => v >= 0 && v <= 1)).toBe(true)
    }
    await p.dispose()
    await expect(p.predict(new Float32Array(16 * 16), 1, 16, 16)).rejects.toMatchObject({ code: 'E_MODEL' })
  })

  it('splits batches larger than maxBatch and gives the same result', async () => {
    const model = buildUnet(tiny, 8)
    const whole = direct(model, seededValues(5 * 16 * 16, 1), 5, 16, 16)
    // A budget that fits two 16×16 images of this model at a time.
    const budget = 16 * 1024 ** 2 + 24 * 7465 + 2.5 * 28 * 4 * 256
    const p = new TfjsPredictor(model, { memoryBudgetBytes: budget })
    expect(p.maxBatch(16, 16)).toBe(2)
    expect(Array.from(await p.predict(seededValues(5 * 16 * 16, 1), 5, 16, 16))).toEqual(Array.from(whole))
    await p.dispose()
  })

  it('bounds the batch by the wasm heap: the paper model takes the cap at 240×240, less for huge images', () => {
    const p = new TfjsPredictor(buildUnet({}, 1))
    expect(p.maxBatch(240, 240)).toBe(MAX_BATCH_CAP)
    expect(p.maxBatch(1024, 1024)).toBe(3)
    expect(p.maxBatch(4096, 4096)).toBe(1)
    void p.dispose()
  })

  it('validates shapes (E_SHAPE) and memory (E_MEMORY) before any work', async () => {
    const p = new TfjsPredictor(buildUnet(tiny, 1))
    await expect(p.predict(new Float32Array(10), 1, 16, 16)).rejects.toThrow(
      'tfjs predictor: batch holds 10 values, expected N·H·W = 1·16·16 = 256',
    )
    await expect(p.predict(new Float32Array(18 * 16), 1, 18, 16)).rejects.toThrow('H and W must be positive multiples of 4, got 18×16')
    await expect(p.predict(new Float32Array(0), 0, 16, 16)).rejects.toMatchObject({ code: 'E_SHAPE' })
    const big = new TfjsPredictor(buildUnet({}, 1))
    await expect(big.predict(new Float32Array(2048 * 2048), 1, 2048, 2048)).rejects.toThrow(
      /^tfjs predictor: one 2048×2048 image needs about \d+\.\d GiB, over the 3\.4 GiB budget; use tiled inference or a smaller image$/,
    )
    await p.dispose()
    await big.dispose()
  })

  it("maps wasm's 'memory access out of bounds' to E_MEMORY with a hint", async () => {
    const model = buildUnet(tiny, 1)
    const failing = Object.assign(Object.create(model) as tf.LayersModel, {
      predict: () => {
        throw new Error('memory access out of bounds')
      },
    })
    const p = new TfjsPredictor(failing)
    const err = await p.predict(new Float32Array(256), 1, 16, 16).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'E_MEMORY' })
    expect((err as Error).message).toBe(
      'tfjs predictor (tfjs-wasm): batch of 1 image(s) of 16×16: out of memory (memory access out of bounds); lower the batch size, use tiled inference, or restart TileLab if the wasm backend keeps failing',
    )
    model.dispose()
  })

  it('loads a stored model with its card', async () => {
    const model = buildUnet(tiny, 9)
    await saveModel(join(root, 'm'), model, buildCard({ name: 'm', architecture: tiny }))
    const p = await createTfjsPredictor(join(root, 'm'))
    const batch = seededValues(2 * 16 * 16, 4)
    expect(Array.from(await p.predict(batch, 2, 16, 16))).toEqual(Array.from(direct(model, batch, 2, 16, 16)))
    await p.dispose()
    model.dispose()
  })
})
