import * as tf from '@tensorflow/tfjs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTempDir } from '../../../test/helpers/niftiFixtures'
import { saveTinyUnet } from '../../../test/helpers/tinyModel'
import { readModelInfo } from './modelInfo'

let root: string
let cleanup: () => Promise<void>
beforeAll(async () => {
  ;({ dir: root, cleanup } = await makeTempDir('tilelab-model-'))
  await tf.setBackend('cpu')
})
afterAll(() => cleanup())

describe('readModelInfo', () => {
  it('reads name, architecture (from layer names) and a content fingerprint', async () => {
    const dir = await saveTinyUnet(join(root, 'unet-a'), { baseFilters: 4, depth: 3, upsampling: 'transpose' }, 7, { card: false })
    const info = await readModelInfo(dir)
    expect(info).toMatchObject({ name: 'unet-a', dir, normalization: null, card: null })
    expect(info.architecture).toEqual({ baseFilters: 4, depth: 3, upsampling: 'transpose', dropout: 0.2 })
    expect(info.fingerprint).toMatch(/^[0-9a-f]{64}$/)
    expect((await readModelInfo(dir)).fingerprint).toBe(info.fingerprint)
    const w = await readFile(join(dir, 'weights.bin'))
    w[0] ^= 1
    await writeFile(join(dir, 'weights.bin'), w)
    expect((await readModelInfo(dir)).fingerprint).not.toBe(info.fingerprint)
  })

  it('prefers card.json for name, architecture and normalisation', async () => {
    const dir = await saveTinyUnet(join(root, 'unet-b'), undefined, 7, { card: false })
    await writeFile(join(dir, 'card.json'), JSON.stringify({ name: 'carded', normalization: 'volume',
      architecture: { baseFilters: 4, depth: 2, upsampling: 'upsample', dropout: 0.2, parameters: 1, inputChannels: 1 } }))
    expect(await readModelInfo(dir)).toMatchObject({ name: 'carded', normalization: 'volume', architecture: { baseFilters: 4, depth: 2 } })
  })

  it('names the folder when it is not a model', async () => {
    await expect(readModelInfo(join(root, 'none'))).rejects.toThrow(/none: model folder does not exist/)
    await expect(readModelInfo(root)).rejects.toThrow(/not a model folder \(no model.json or model.onnx\)/)
  })
})
