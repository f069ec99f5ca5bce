/**
 * A tfjs LayersModel as files: `model.json` (the tfjs layers-model format: topology plus a weights manifest
 * naming one weights file) and the weights file (float32 little-endian, manifest order). Any tfjs loader reads the
 * pair (`tf.loadLayersModel('file://…/model.json')` in tfjs-node, or loadModelFiles here).
 *
 * Writes are atomic per file, weights first: a reader never sees a model.json naming a missing or partial file.
 *
 * @source tfjs-core `io.ModelJSON`, `io.getModelArtifactsForJSON`, `io.withSaveHandler`.
 */
import * as tf from '@tensorflow/tfjs'
import { readFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { EngineError } from '../../common/errors'
import { writeFileAtomic, writeJsonAtomic } from '../io/atomicWrite'

/** The model's topology, weight specs and weight bytes. */
export interface ModelBytes {
  modelJson: tf.io.ModelJSON
  weights: Uint8Array
  /** sha256 of `weights`, hex. */
  sha256: string
}

/**
 * Serialises a model (topology + weights) in memory.
 * @param weightsName File name the manifest gives for the weights, e.g. 'weights.bin'.
 */
export async function modelBytes(model: tf.LayersModel, weightsName: string): Promise<ModelBytes> {
  let artifacts: tf.io.ModelArtifacts | null = null
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }
    }),
  )
  const a = artifacts as tf.io.ModelArtifacts | null
  if (!a || !a.weightSpecs || !a.weightData) throw new EngineError('E_MODEL', 'model files: tfjs returned no weights')
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(a.weightData))
  const modelJson: tf.io.ModelJSON = {
    modelTopology: a.modelTopology as object,
    format: a.format ?? 'layers-model',
    generatedBy: a.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    weightsManifest: [{ paths: [weightsName], weights: a.weightSpecs }],
  }
  return { modelJson, weights, sha256: sha256(weights) }
}

/** Writes model bytes into `dir`: the weights file first, then model.json (each atomic). */
export async function writeModelFiles(dir: string, bytes: ModelBytes): Promise<void> {
  const name = bytes.modelJson.weightsManifest[0].paths[0]
  await writeFileAtomic(join(dir, name), bytes.weights)
  await writeJsonAtomic(join(dir, 'model.json'), bytes.modelJson)
}

/**
 * Loads `dir/model.json` and its weights into a LayersModel.
 * @param expectedSha256 When given, the weights must hash to it.
 * @throws EngineError E_MODEL naming the folder when a file is missing, the weights are short or the hash differs.
 */
export async function loadModelFiles(dir: string, expectedSha256?: string): Promise<tf.LayersModel> {
  let json: tf.io.ModelJSON
  try {
    json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON
  } catch (err) {
    throw new EngineError('E_MODEL', `${dir}: cannot read model.json: ${(err as Error).message}`, { cause: err })
  }
  return loadModelFromJson(dir, json, expectedSha256)
}

/**
 * Builds a LayersModel from a parsed model.json whose weight paths are relative to `dir`.
 * @throws EngineError E_MODEL as loadModelFiles.
 */
export async function loadModelFromJson(
  dir: string,
  json: tf.io.ModelJSON,
  expectedSha256?: string,
): Promise<tf.LayersModel> {
  const artifacts = await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const specs = manifest.flatMap((g) => g.weights)
    const parts: Uint8Array[] = []
    for (const p of manifest.flatMap((g) => g.paths)) {
      const bytes = await readFile(join(dir, p)).catch((err: Error) => {
        throw new EngineError('E_MODEL', `${dir}: cannot read weights ${p}: ${err.message}`)
      })
      parts.push(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    }
    const all = concat(parts)
    if (expectedSha256 && sha256(all) !== expectedSha256)
      throw new EngineError('E_MODEL', `${dir}: weights do not match their recorded sha256 (corrupt or partial)`)
    const need = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0)
    if (all.byteLength < need)
      throw new EngineError('E_MODEL', `${dir}: weights hold ${all.byteLength} bytes, the manifest needs ${need}`)
    return [specs, all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer]
  })
  try {
    return await tf.loadLayersModel(tf.io.fromMemory(artifacts))
  } catch (err) {
    throw new EngineError('E_MODEL', `${dir}: tfjs cannot build the model: ${(err as Error).message}`, { cause: err })
  }
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}
