import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { buildUnet } from '../model/unet'
import { ONNX_META, readOnnxMetadata, tfjsWeightsSha256 } from './exportOnnx'
import { ONNX_META_WEIGHTS_BIN_SHA256, ensureOnnx } from './ensureOnnx'
import { createOnnxPredictor } from './onnxPredictor'

const root = mkdtempSync(join(tmpdir(), 'tilelab-ensure-onnx-'))

/** Writes a tfjs layers model folder the way tfjs' file handler does: model.json + weights.bin (+ card.json). */
async function writeModelFolder(dir: string, model: tf.LayersModel, card?: object): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = tf.io.CompositeArrayBuffer.join(artifacts.weightData!)
      writeFileSync(join(dir, 'weights.bin'), new Uint8Array(weights))
      writeFileSync(
        join(dir, 'model.json'),
        JSON.stringify({
          format: artifacts.format,
          generatedBy: artifacts.generatedBy,
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        }),
      )
      if (card) writeFileSync(join(dir, 'card.json'), JSON.stringify(card))
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }
    }),
  )
}

function folder(name: string): string {
  const dir = join(root, name)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir)
  return dir
}

beforeAll(async () => {
  await tf.setBackend('cpu')
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('ensureOnnx', () => {
  it('writes model.onnx once, then reports it up to date, and re-exports when the weights change', async () => {
    const dir = folder('a')
    const model = buildUnet({ baseFilters: 2, depth: 2, upsampling: 'transpose' }, 4)
    await writeModelFolder(dir, model, { architecture: { baseFilters: 2, depth: 2, upsampling: 'transpose' } })

    const first = await ensureOnnx(dir)
    expect(first).toMatchObject({ written: true, reason: 'missing', path: join(dir, 'model.onnx') })
    const meta = readOnnxMetadata(readFileSync(first.path))
    expect(meta[ONNX_META.weightsSha256]).toBe(tfjsWeightsSha256(model))
    expect(meta[ONNX_META_WEIGHTS_BIN_SHA256]).toBe(first.weightsBinSha256)
    expect(meta[ONNX_META.upsampling]).toBe('transpose')
    const mtime = statSync(first.path).mtimeMs

    const second = await ensureOnnx(dir)
    expect(second).toMatchObject({ written: false, reason: 'up to date' })
    expect(statSync(first.path).mtimeMs).toBe(mtime)
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]) // atomic write left nothing behind

    // New weights (a retrained model saved over the folder) make the export stale.
    const retrained = buildUnet({ baseFilters: 2, depth: 2, upsampling: 'transpose' }, 5)
    await writeModelFolder(dir, retrained)
    const third = await ensureOnnx(dir)
    expect(third).toMatchObject({ written: true, reason: 'weights changed (hash mismatch)' })
    expect(readOnnxMetadata(readFileSync(third.path))[ONNX_META.weightsSha256]).toBe(tfjsWeightsSha256(retrained))

    // The written file serves the new weights.
    const x = Float32Array.from({ length: 16 * 16 }, (_, i) => Math.sin(i))
    const predictor = await createOnnxPredictor(third.path, { executionProvider: 'cpu' })
    const got = await predictor.predict(x, 1, 16, 16)
    await predictor.dispose()
    const want = tf.tidy(() => (retrained.predict(tf.tensor4d(x, [1, 16, 16, 1])) as tf.Tensor).dataSync())
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-5)
    model.dispose()
    retrained.dispose()
  })

  it('rewrites a corrupt model.onnx and honours force', async () => {
    const dir = folder('b')
    const model = buildUnet({ baseFilters: 2, depth: 1 }, 1)
    await writeModelFolder(dir, model)
    writeFileSync(join(dir, 'model.onnx'), 'not protobuf at all')
    expect((await ensureOnnx(dir)).reason).toMatch(/^unreadable|weights changed|exporter version/)
    expect((await ensureOnnx(dir)).written).toBe(false)
    expect(await ensureOnnx(dir, { force: true })).toMatchObject({ written: true, reason: 'forced' })
    model.dispose()
  })

  it('fails with E_MODEL when card.json disagrees with the model', async () => {
    const dir = folder('c')
    const model = buildUnet({ baseFilters: 2, depth: 1 }, 1)
    await writeModelFolder(dir, model, { architecture: { baseFilters: 32, depth: 1, upsampling: 'upsample' } })
    await expect(ensureOnnx(dir)).rejects.toMatchObject({
      code: 'E_MODEL',
      message: expect.stringMatching(/architecture.baseFilters is 32 but model.json has 2/),
    })
    model.dispose()
  })

  it('fails with E_MODEL for a folder without model.json or with a missing weight file', async () => {
    const dir = folder('d')
    await expect(ensureOnnx(dir)).rejects.toMatchObject({ code: 'E_MODEL', message: expect.stringMatching(/model.json/) })
    const model = buildUnet({ baseFilters: 2, depth: 1 }, 1)
    await writeModelFolder(dir, model)
    rmSync(join(dir, 'weights.bin'))
    await expect(ensureOnnx(dir)).rejects.toMatchObject({ code: 'E_MODEL', message: expect.stringMatching(/weights.bin/) })
    model.dispose()
  })
})
