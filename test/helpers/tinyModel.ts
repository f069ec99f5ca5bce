/**
 * Writes a freshly initialised (untrained) U-Net as a TileLab model folder (model.json + weights.bin + card.json,
 * through the model store), or, with `card: false`, as a bare tfjs layers folder (model.json + weights.bin) as
 * other tools write them: enough for pipeline tests, nothing more.
 */
import * as tf from '@tensorflow/tfjs'
import { mkdir, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { buildCard } from '../../src-main/engine/model/card'
import { saveModel } from '../../src-main/engine/model/store'
import type { UnetConfig } from '../../src-main/common/types'
import { buildUnet } from '../../src-main/engine/model/unet'

/** Saves `buildUnet(config, seed)` to `dir`; returns dir. */
export async function saveTinyUnet(
  dir: string,
  config: Partial<UnetConfig> = { baseFilters: 4, depth: 2 },
  seed = 7,
  options: { card?: boolean } = {},
): Promise<string> {
  const model = buildUnet(config, seed)
  if (options.card ?? true) {
    await saveModel(dir, model, buildCard({ name: basename(dir), architecture: config }))
    model.dispose()
    return dir
  }
  let artifacts: tf.io.ModelArtifacts | undefined
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }
    }),
  )
  model.dispose()
  const a = artifacts!
  await mkdir(dir, { recursive: true })
  const json = {
    modelTopology: a.modelTopology,
    format: a.format,
    generatedBy: a.generatedBy,
    convertedBy: a.convertedBy ?? null,
    weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
  }
  await writeFile(join(dir, 'model.json'), JSON.stringify(json))
  await writeFile(join(dir, 'weights.bin'), new Uint8Array(a.weightData as ArrayBuffer))
  return dir
}
