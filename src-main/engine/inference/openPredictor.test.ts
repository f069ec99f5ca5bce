import * as tf from '@tensorflow/tfjs'
import { chmod, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTempDir } from '../../../test/helpers/niftiFixtures'
import { randomImage } from '../../../test/helpers/oraclePredictors'
import { saveTinyUnet } from '../../../test/helpers/tinyModel'
import { initBackend } from '../backend/initBackend'
import { buildUnet } from '../model/unet'
import { openPredictor } from './openPredictor'

let root: string
let cleanup: () => Promise<void>
beforeAll(async () => {
  ;({ dir: root, cleanup } = await makeTempDir('tilelab-open-'))
  await initBackend('cpu')
})
afterAll(() => cleanup())

/** What buildUnet(config, seed) predicts for a batch, on the tfjs cpu backend. */
function reference(config: { baseFilters: number; depth: number }, seed: number, batch: Float32Array, n: number, s: number): Float32Array {
  const model = buildUnet(config, seed)
  const out = tf.tidy(() => (model.predict(tf.tensor4d(batch, [n, s, s, 1])) as tf.Tensor).dataSync() as Float32Array)
  model.dispose()
  return out
}

describe('openPredictor', () => {
  const config = { baseFilters: 4, depth: 2 }

  it('runs ONNX Runtime by default, exporting model.onnx beside the model, within 1e-4 of tfjs', async () => {
    const dir = await saveTinyUnet(join(root, 'auto'), config, 11)
    const predictor = await openPredictor(dir)
    expect(predictor.engine).toMatch(/^onnxruntime-/)
    expect(predictor.inputMultiple).toBe(4)
    expect((await stat(join(dir, 'model.onnx'))).size).toBeGreaterThan(1000)
    const batch = randomImage(2 * 16 * 16, 3)
    const p = await predictor.predict(batch, 2, 16, 16)
    const expected = reference(config, 11, batch, 2, 16)
    let maxDiff = 0
    for (let i = 0; i < p.length; i++) maxDiff = Math.max(maxDiff, Math.abs(p[i] - expected[i]))
    expect(maxDiff).toBeLessThan(1e-4)
    await predictor.dispose()
  })

  it("falls back to tfjs with engine 'tfjs', with the same probabilities and no tensor leak", async () => {
    const dir = await saveTinyUnet(join(root, 'tfjs'), config, 12)
    const predictor = await openPredictor(dir, { engine: 'tfjs', backend: 'cpu' })
    expect(predictor.engine).toBe('tfjs-cpu')
    const batch = randomImage(16 * 16, 5)
    const before = tf.memory().numTensors
    const p = await predictor.predict(batch, 1, 16, 16)
    expect(tf.memory().numTensors).toBe(before)
    expect(Array.from(p)).toEqual(Array.from(reference(config, 12, batch, 1, 16)))
    await predictor.dispose()
  })

  it('exports in memory when the model folder is read-only (a packaged app)', async () => {
    if (process.getuid?.() === 0) return // root writes through a read-only mode; nothing to check
    const dir = await saveTinyUnet(join(root, 'readonly'), config, 13)
    await chmod(dir, 0o555)
    try {
      const predictor = await openPredictor(dir)
      expect(predictor.engine).toMatch(/^onnxruntime-/)
      await predictor.dispose()
    } finally {
      await chmod(dir, 0o755)
    }
  })

  it('names the folder when it is not a model', async () => {
    await expect(openPredictor(join(root, 'missing'))).rejects.toMatchObject({ code: 'E_MODEL' })
    await expect(openPredictor(join(root, 'missing'))).rejects.toThrow(/missing/)
    await expect(openPredictor(root, { engine: 'quantum' as never })).rejects.toMatchObject({ code: 'E_ARGS' })
    expect(await readFile(join(root, 'auto', 'card.json'), 'utf8')).toContain('"name": "auto"')
  })
})
