import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { createHash } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { makeTempDir } from '../../../test/helpers/niftiFixtures'
import { loadCheckpoint } from '../training/checkpoint'
import { buildCard } from './card'
import { checkLayersWeights, loadLayersModel, readLayersFiles, serializeLayersModel, weightSpecBytes, type LayersModelJson } from './layersFiles'
import { loadModel, saveModel } from './store'
import { buildUnet } from './unet'

let tmp: { dir: string; cleanup: () => Promise<void> }
const tiny = { baseFilters: 2, depth: 1 } as const

beforeAll(async () => {
  await tf.setBackend('cpu')
  tmp = await makeTempDir('tilelab-layers-files-')
})
afterAll(() => tmp.cleanup())

/** The artifacts tfjs hands a save handler, as the code before layersFiles.ts captured them. */
async function artifactsOf(model: tf.LayersModel): Promise<{ a: tf.io.ModelArtifacts; weights: Uint8Array }> {
  let artifacts: tf.io.ModelArtifacts | undefined
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }
    }),
  )
  return { a: artifacts!, weights: new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts!.weightData!)) }
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()))
/** writeJsonAtomic's text: 2-space indent and a trailing newline. */
const jsonText = (v: unknown) => JSON.stringify(v, null, 2) + '\n'

describe('model folders written before layersFiles.ts', () => {
  it('store: the old saveModel layout loads, and saveModel still writes the same model.json and weights.bin bytes', async () => {
    const model = buildUnet(tiny, 3)
    const { a, weights } = await artifactsOf(model)
    // model.json exactly as the old store.ts saveModel built it
    const oldJson = {
      format: 'layers-model',
      generatedBy: a.generatedBy,
      convertedBy: a.convertedBy ?? null,
      modelTopology: a.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
      userDefinedMetadata: { tilelab: { weightsSha256: sha(weights), weightsBytes: weights.byteLength } },
    }
    const card = buildCard({ name: 'old', architecture: tiny })
    const oldDir = join(tmp.dir, 'old-store')
    await mkdir(oldDir)
    await writeFile(join(oldDir, 'weights.bin'), weights)
    await writeFile(join(oldDir, 'card.json'), jsonText(card))
    await writeFile(join(oldDir, 'model.json'), jsonText(oldJson))

    const loaded = await loadModel(oldDir)
    expect(weightsOf(loaded.model)).toEqual(weightsOf(model))
    expect(loaded.card.name).toBe('old')
    loaded.model.dispose()

    const newDir = join(tmp.dir, 'new-store')
    await saveModel(newDir, model, card)
    expect(await readFile(join(newDir, 'model.json'), 'utf8')).toBe(jsonText(oldJson))
    expect(new Uint8Array(await readFile(join(newDir, 'weights.bin')))).toEqual(weights)
    model.dispose()
  })

  it('checkpoint: a folder in the old modelFiles.ts layout (model.json + weights-<seq>.bin + manifest.json v1) loads', async () => {
    const model = buildUnet(tiny, 4)
    const { a, weights } = await artifactsOf(model)
    const dir = join(tmp.dir, 'old-checkpoint')
    await mkdir(dir)
    const oldJson = {
      modelTopology: a.modelTopology,
      format: a.format ?? 'layers-model',
      generatedBy: a.generatedBy,
      convertedBy: null,
      weightsManifest: [{ paths: ['weights-000001.bin'], weights: a.weightSpecs }],
    }
    await writeFile(join(dir, 'weights-000001.bin'), weights)
    await writeFile(join(dir, 'model.json'), jsonText(oldJson))
    const manifest = {
      format: 'tilelab-checkpoint',
      version: 1,
      seq: 1,
      savedAt: '2025-01-01T00:00:00.000Z',
      weights: { file: 'weights-000001.bin', bytes: weights.byteLength, sha256: sha(weights) },
      optimizer: null,
      state: { epoch: 2 },
    }
    await writeFile(join(dir, 'manifest.json'), jsonText(manifest))
    const loaded = await loadCheckpoint<{ epoch: number }>(dir)
    expect(loaded.manifest.state).toEqual({ epoch: 2 })
    expect(weightsOf(loaded.model)).toEqual(weightsOf(model))
    loaded.model.dispose()
    const plain = await loadLayersModel(dir)
    expect(weightsOf(plain)).toEqual(weightsOf(model))
    plain.dispose()
    model.dispose()
  })
})

describe('serializeLayersModel / readLayersFiles', () => {
  it('records the weights hash only when asked, and reads back what it wrote', async () => {
    const model = buildUnet(tiny, 5)
    const plain = await serializeLayersModel(model, 'w.bin')
    expect(plain.modelJson.userDefinedMetadata).toBeUndefined()
    expect(plain.sha256).toBe(sha(plain.weights))
    expect(plain.weights.byteLength).toBe(model.countParams() * 4)
    const recorded = await serializeLayersModel(model, 'w.bin', { recordWeights: true })
    expect(recorded.modelJson.userDefinedMetadata).toEqual({ tilelab: { weightsSha256: plain.sha256, weightsBytes: plain.weights.byteLength } })
    const dir = join(tmp.dir, 'rw')
    await mkdir(dir)
    await writeFile(join(dir, 'w.bin'), recorded.weights)
    await writeFile(join(dir, 'model.json'), JSON.stringify(recorded.modelJson))
    const read = await readLayersFiles(dir)
    expect(read.sha256).toBe(plain.sha256)
    expect(read.weights).toEqual(plain.weights)
    model.dispose()
  })

  it('refuses a weights path that is not a plain file name inside the folder', async () => {
    const model = buildUnet(tiny, 6)
    const files = await serializeLayersModel(model, 'w.bin')
    model.dispose()
    const dir = join(tmp.dir, 'escape')
    await mkdir(dir)
    files.modelJson.weightsManifest[0].paths = ['../w.bin']
    await writeFile(join(dir, 'model.json'), JSON.stringify(files.modelJson))
    await expect(readLayersFiles(dir)).rejects.toMatchObject({
      code: 'E_MODEL',
      message: `${join(dir, 'model.json')}: weights path '../w.bin' must be a file name inside the model folder`,
    })
  })

  it('sizes quantized entries at their stored dtype and checks the exact length', () => {
    const f32: tf.io.WeightsManifestEntry = { name: 'a', shape: [2, 3], dtype: 'float32' }
    const u8 = { ...f32, quantization: { dtype: 'uint8' as const, scale: 1, min: 0 } }
    const f16 = { ...f32, quantization: { dtype: 'float16' as const } }
    expect([f32, u8, f16, { ...f32, dtype: 'bool' as const }].map(weightSpecBytes)).toEqual([24, 6, 12, 6])
    const json = { modelTopology: {}, weightsManifest: [{ paths: ['q.bin'], weights: [u8, f16] }] } as LayersModelJson
    expect(checkLayersWeights('/m', json, new Uint8Array(18))).toBe(sha(new Uint8Array(18)))
    expect(() => checkLayersWeights('/m', json, new Uint8Array(19))).toThrow(
      `${join('/m', 'q.bin')}: 19 bytes, but model.json describes 18 (truncated or mismatched)`,
    )
  })
})
