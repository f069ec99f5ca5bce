import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initBackend } from '../backend/initBackend'
import { buildCard } from './card'
import { listModels, loadModel, readCard, saveModel } from './store'
import { buildUnet } from './unet'

let root: string
const tiny = { baseFilters: 4, depth: 2 } as const

beforeAll(async () => {
  await initBackend('cpu')
  root = await mkdtemp(join(tmpdir(), 'tilelab-store-'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

async function savedModel(name: string, seed: number): Promise<{ dir: string; model: tf.LayersModel }> {
  const dir = join(root, name)
  const model = buildUnet(tiny, seed)
  await saveModel(dir, model, buildCard({ name, architecture: tiny }))
  return { dir, model }
}

const exists = (p: string) => stat(p).then(() => true, () => false)

describe('saveModel / loadModel', () => {
  it('round-trips weights, predictions and card through model.json + weights.bin + card.json', async () => {
    const { dir, model } = await savedModel('roundtrip', 1)
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'))
    expect(json.format).toBe('layers-model')
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin'])
    expect((await stat(join(dir, 'weights.bin'))).size).toBe(7_465 * 4)
    const loaded = await loadModel(dir)
    expect(loaded.card).toEqual(await readCard(dir))
    expect(loaded.card.architecture.parameters).toBe(7_465)
    const x = tf.randomNormal([1, 16, 16, 1])
    const a = (model.predict(x) as tf.Tensor).dataSync()
    const b = (loaded.model.predict(x) as tf.Tensor).dataSync()
    expect(Array.from(b)).toEqual(Array.from(a))
    expect(loaded.model.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name))
    tf.dispose([x])
    model.dispose()
    loaded.model.dispose()
  })

  it('refuses a card whose parameter count is not the model', async () => {
    const model = buildUnet(tiny, 1)
    await expect(saveModel(join(root, 'bad'), model, buildCard({ name: 'bad' }))).rejects.toThrow(
      /card says 7846081 parameters, the model has 7465/,
    )
    model.dispose()
  })

  it('removes a model.onnx exported from weights it replaces', async () => {
    const { dir, model } = await savedModel('overwrite', 1)
    await writeFile(join(dir, 'model.onnx'), 'onnx')
    await saveModel(dir, model, buildCard({ name: 'overwrite', architecture: tiny })) // same weights: kept
    expect(await exists(join(dir, 'model.onnx'))).toBe(true)
    model.setWeights(model.getWeights().map((w) => w.add(1)))
    await saveModel(dir, model, buildCard({ name: 'overwrite', architecture: tiny }))
    expect(await exists(join(dir, 'model.onnx'))).toBe(false)
    model.dispose()
  })
})

describe('loadModel errors (E_MODEL naming the file)', () => {
  const broken = async (name: string, breakIt: (dir: string) => Promise<void>) => {
    const { dir, model } = await savedModel(name, 2)
    model.dispose()
    await breakIt(dir)
    const err = await loadModel(dir).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'E_MODEL' })
    return { dir, message: (err as Error).message }
  }

  it('missing model.json', async () => {
    const r = await broken('no-json', (d) => rm(join(d, 'model.json')))
    expect(r.message).toBe(`${join(r.dir, 'model.json')}: missing`)
  })
  it('missing weights.bin', async () => {
    const r = await broken('no-weights', (d) => rm(join(d, 'weights.bin')))
    expect(r.message).toBe(`${join(r.dir, 'weights.bin')}: missing`)
  })
  it('truncated weights.bin', async () => {
    const r = await broken('short-weights', async (d) => writeFile(join(d, 'weights.bin'), new Uint8Array(100)))
    expect(r.message).toBe(`${join(r.dir, 'weights.bin')}: 100 bytes, but model.json describes 29860 (truncated or mismatched)`)
  })
  it('weights.bin from another save', async () => {
    const r = await broken('other-weights', async (d) => writeFile(join(d, 'weights.bin'), new Uint8Array(29860)))
    expect(r.message).toBe(`${join(r.dir, 'weights.bin')}: does not match model.json (SHA-256 differs; interrupted save?)`)
  })
  it('corrupt card.json', async () => {
    const r = await broken('bad-card', (d) => writeFile(join(d, 'card.json'), '{"name": '))
    expect(r.message).toMatch(new RegExp(`^${join(r.dir, 'card.json')}: not valid JSON`))
  })
  it('corrupt model.json', async () => {
    const r = await broken('bad-json', (d) => writeFile(join(d, 'model.json'), '{"format": "graph-model"}'))
    expect(r.message).toBe(`${join(r.dir, 'model.json')}: format is 'graph-model', expected 'layers-model'`)
  })
})

describe('listModels', () => {
  it('lists model folders by id with their cards, ONNX presence and origin; skips broken ones', async () => {
    const lib = join(root, 'library')
    const shipped = join(root, 'shipped')
    await mkdir(lib, { recursive: true })
    for (const [parent, name] of [[lib, 'beta'], [lib, 'alpha'], [shipped, 'paper']] as const) {
      const model = buildUnet(tiny, 3)
      await saveModel(join(parent, name), model, buildCard({ name: `${name} model`, architecture: tiny }))
      model.dispose()
    }
    await writeFile(join(lib, 'alpha', 'model.onnx'), 'onnx')
    await mkdir(join(lib, 'not-a-model'))
    await mkdir(join(lib, 'broken'))
    await writeFile(join(lib, 'broken', 'model.json'), '{}') // no card.json: skipped
    const models = await listModels([lib, join(root, 'absent'), shipped, join(lib, 'alpha')], { bundled: [shipped] })
    expect(models.map((m) => [m.id, m.name, m.hasOnnx, m.bundled])).toEqual([
      ['alpha', 'alpha model', true, false],
      ['beta', 'beta model', false, false],
      ['paper', 'paper model', false, true],
    ])
    expect(models[0].dir).toBe(join(lib, 'alpha'))
    expect(models[0].card.architecture.parameters).toBe(7_465)
  })
})
