import * as tf from '@tensorflow/tfjs'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTempDir } from '../../../test/helpers/niftiFixtures'
import { loadLayersModel } from '../model/layersFiles'
import { buildUnet } from '../model/unet'
import { loadCheckpoint, readManifest, saveCheckpoint } from './checkpoint'
import { batchStep } from './trainer'
import { createAdam } from './optimizerState'

let tmp: { dir: string; cleanup: () => Promise<void> }
beforeAll(async () => {
  await tf.setBackend('cpu')
  tmp = await makeTempDir('tilelab-ckpt-')
})
afterAll(() => tmp.cleanup())

const batch = (seed: number) => {
  const x = new Float32Array(2 * 8 * 8).map((_, i) => Math.sin(i * 0.7 + seed))
  const y = new Float32Array(2 * 8 * 8).map((_, i) => (Math.cos(i * 1.3 + seed) > 0.3 ? 1 : 0))
  return [x, y] as const
}
const step = batchStep(1)
const stepOn = (m: tf.LayersModel, opt: tf.AdamOptimizer, x: Float32Array, y: Float32Array) =>
  step(m, opt, { images: x, masks: y, n: 2, height: 8, width: 8, picks: [] })
const weightsOf = (m: tf.LayersModel): number[][] => m.getWeights().map((w) => Array.from(w.dataSync()))

describe('checkpoints', () => {
  it('restore model + Adam state, then further steps equal those of the uninterrupted optimiser bit for bit', async () => {
    const a = buildUnet({ baseFilters: 2, depth: 1 }, 5)
    const optA = createAdam(1e-2)
    for (let s = 0; s < 3; s++) await stepOn(a, optA, ...batch(s))
    const dir = join(tmp.dir, 'last')
    await saveCheckpoint(dir, a, optA, { step: 3 })
    const loaded = await loadCheckpoint<{ step: number }>(dir)
    expect(loaded.manifest.state).toEqual({ step: 3 })
    const optB = createAdam(1e-2)
    await loaded.restoreOptimizer(optB)
    expect(optB.iterations).toBe(3)
    const before = tf.memory().numTensors
    for (let s = 3; s < 6; s++) {
      await stepOn(a, optA, ...batch(s))
      await stepOn(loaded.model, optB, ...batch(s))
    }
    expect(tf.memory().numTensors).toBe(before)
    expect(weightsOf(loaded.model)).toEqual(weightsOf(a))
    a.dispose()
    loaded.model.dispose()
    optA.dispose()
    optB.dispose()
  })

  it('the manifest commits a save: stale files go, model.json loads alone, corrupt weights are refused', async () => {
    const m = buildUnet({ baseFilters: 2, depth: 1 }, 1)
    const dir = join(tmp.dir, 'best')
    await saveCheckpoint(dir, m, null, { n: 1 })
    await saveCheckpoint(dir, m, null, { n: 2 })
    const manifest = await readManifest<{ n: number }>(dir)
    expect(manifest.seq).toBe(2)
    expect(manifest.optimizer).toBeNull()
    expect((await readdir(dir)).sort()).toEqual(['manifest.json', 'model.json', 'weights-000002.bin'])
    const plain = await loadLayersModel(dir)
    expect(weightsOf(plain)).toEqual(weightsOf(m))
    plain.dispose()
    await writeFile(join(dir, 'weights-000002.bin'), new Uint8Array(10))
    await expect(loadCheckpoint(dir)).rejects.toThrow(/sha256/)
    await expect(loadCheckpoint(join(tmp.dir, 'none'))).rejects.toThrow(/no checkpoint/)
    m.dispose()
  })
})
