/**
 * The tfjs layers-model folder format, the one place TileLab reads and writes it:
 * - `model.json`: `{format: 'layers-model', generatedBy, convertedBy, modelTopology, weightsManifest,
 *   [trainingConfig], [userDefinedMetadata]}`; `weightsManifest` is `[{paths: [<weights file>], weights: specs}]`;
 * - the weights file(s) it names (plain file names inside the folder): the weights concatenated in manifest order,
 *   little-endian, float32 (or the stored dtype of quantized entries).
 * TileLab's model store also records the SHA-256 and byte length of the weights in
 * `userDefinedMetadata.tilelab = {weightsSha256, weightsBytes}`; every reader here checks the weights against it
 * when present. Any tfjs loader reads the pair (`tf.loadLayersModel('file://…/model.json')` in tfjs-node).
 *
 * Writes are atomic per file, weights first, model.json last: a reader never sees a model.json naming a missing
 * or partial weights file, and an interrupted overwrite is detected by the recorded hash.
 *
 * tfjs is imported lazily (only to serialise or build a model), so reading and hashing the files loads no engine.
 *
 * @source tfjs-core io/types.ts (ModelJSON, WeightsManifestEntry), io.withSaveHandler, io.fromMemory.
 */
import type * as tf from '@tensorflow/tfjs'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { EngineError } from '../../common/errors'
import { writeFileAtomic, writeJsonAtomic } from '../io/atomicWrite'

export const MODEL_JSON = 'model.json'

/** What TileLab records about the weights in `model.json` (`userDefinedMetadata.tilelab`). */
export interface WeightsRecord {
  /** SHA-256 (hex) of the weights, concatenated in manifest order. */
  weightsSha256: string
  weightsBytes: number
}

/** A parsed `model.json` of the layers format. */
export type LayersModelJson = tf.io.ModelJSON & { userDefinedMetadata?: { tilelab?: WeightsRecord } }

/** A model as the two files of the format, in memory. */
export interface LayersFiles {
  modelJson: LayersModelJson
  /** The weights, concatenated in manifest order. */
  weights: Uint8Array
  /** SHA-256 (hex) of `weights`. */
  sha256: string
}

/**
 * Serialises a model (topology + weights) in memory, through tf.io.withSaveHandler (no tfjs-node needed).
 * @param weightsName The weights file name the manifest gives, e.g. 'weights.bin'.
 * @param options.recordWeights Record the weights' SHA-256 and length in model.json (the model store does).
 * @param options.where Folder the files are for, named in errors.
 * @throws EngineError E_MODEL if tfjs produces no topology or weights.
 */
export async function serializeLayersModel(
  model: tf.LayersModel,
  weightsName: string,
  options: { recordWeights?: boolean; where?: string } = {},
): Promise<LayersFiles> {
  const tfjs = await import('@tensorflow/tfjs')
  let artifacts: tf.io.ModelArtifacts | null = null
  await model.save(
    tfjs.io.withSaveHandler(async (a) => {
      artifacts = a
      return { modelArtifactsInfo: tfjs.io.getModelArtifactsInfoForJSON(a) }
    }),
  )
  const a = artifacts as tf.io.ModelArtifacts | null
  if (!a?.modelTopology || !a.weightSpecs || !a.weightData)
    throw new EngineError('E_MODEL', `${options.where ?? weightsName}: tfjs produced no topology or weights to save`)
  const weights = new Uint8Array(tfjs.io.CompositeArrayBuffer.join(a.weightData))
  const digest = sha256(weights)
  const modelJson: LayersModelJson = {
    format: 'layers-model',
    generatedBy: a.generatedBy ?? `TensorFlow.js tfjs-layers v${tfjs.version_layers}`,
    convertedBy: a.convertedBy ?? null,
    modelTopology: a.modelTopology as object,
    weightsManifest: [{ paths: [weightsName], weights: a.weightSpecs }],
    ...(a.trainingConfig ? { trainingConfig: a.trainingConfig } : {}),
    ...(options.recordWeights ? { userDefinedMetadata: { tilelab: { weightsSha256: digest, weightsBytes: weights.byteLength } } } : {}),
  }
  return { modelJson, weights, sha256: digest }
}

/**
 * Writes the files into `dir` (created if needed), each atomically: the weights file, then each of `alongside`
 * (JSON files, e.g. `card.json`), then model.json last.
 * @throws EngineError E_IO if a write fails.
 */
export async function writeLayersFiles(dir: string, files: LayersFiles, alongside: Record<string, unknown> = {}): Promise<void> {
  await writeFileAtomic(join(dir, files.modelJson.weightsManifest[0].paths[0]), files.weights)
  for (const [name, value] of Object.entries(alongside)) await writeJsonAtomic(join(dir, name), value)
  await writeJsonAtomic(join(dir, MODEL_JSON), files.modelJson)
}

/**
 * Reads and validates `dir/model.json`: JSON, format 'layers-model' (or none), a modelTopology and a weightsManifest
 * whose groups each list paths and weights.
 * @throws EngineError E_MODEL naming model.json when it is missing, unreadable, not JSON or not a layers model.
 */
export async function readLayersModelJson(dir: string): Promise<LayersModelJson> {
  const path = join(dir, MODEL_JSON)
  const json = (await readModelFolderJson(path)) as Partial<LayersModelJson>
  if (json.format !== undefined && json.format !== 'layers-model')
    throw new EngineError('E_MODEL', `${path}: format is '${json.format}', expected 'layers-model'`)
  const manifest = json.weightsManifest
  if (!json.modelTopology || !Array.isArray(manifest))
    throw new EngineError('E_MODEL', `${path}: not a tfjs layers model (no modelTopology or weightsManifest)`)
  if (manifest.some((g) => !Array.isArray(g?.paths) || !Array.isArray(g?.weights)))
    throw new EngineError('E_MODEL', `${path}: weightsManifest groups must each list paths and weights`)
  return json as LayersModelJson
}

/**
 * Reads `dir`'s model.json and its weights, validated by checkLayersWeights.
 * @throws EngineError E_MODEL naming the file that is missing, unreadable, malformed, truncated or that does not
 *   match the SHA-256 model.json records.
 */
export async function readLayersFiles(dir: string): Promise<LayersFiles> {
  return readLayersWeights(dir, await readLayersModelJson(dir))
}

/**
 * Reads the weights files a (validated) model.json names, in manifest order, and checks them (checkLayersWeights).
 * @throws EngineError E_MODEL as readLayersFiles.
 */
export async function readLayersWeights(dir: string, modelJson: LayersModelJson): Promise<LayersFiles> {
  const chunks: Uint8Array[] = []
  for (const name of weightsFileNames(modelJson)) chunks.push(await readModelFolderFile(dir, name))
  const weights = concat(chunks)
  return { modelJson, weights, sha256: checkLayersWeights(dir, modelJson, weights) }
}

/**
 * Checks weights against a model.json: the byte length its manifest describes (quantized entries at their stored
 * dtype), and the SHA-256 it records (userDefinedMetadata.tilelab), if any.
 * @param weights The weights, concatenated in manifest order.
 * @returns The weights' SHA-256 (hex).
 * @throws EngineError E_MODEL naming the (first) weights file when the length or the hash differs.
 */
export function checkLayersWeights(dir: string, modelJson: LayersModelJson, weights: Uint8Array): string {
  const weightsPath = join(dir, modelJson.weightsManifest[0]?.paths[0] ?? 'weights.bin')
  const needed = modelJson.weightsManifest.flatMap((g) => g.weights).reduce((sum, s) => sum + weightSpecBytes(s), 0)
  if (weights.byteLength !== needed)
    throw new EngineError('E_MODEL', `${weightsPath}: ${weights.byteLength} bytes, but ${MODEL_JSON} describes ${needed} (truncated or mismatched)`)
  const digest = sha256(weights)
  const recorded = modelJson.userDefinedMetadata?.tilelab
  if (recorded && recorded.weightsSha256 !== digest)
    throw new EngineError('E_MODEL', `${weightsPath}: does not match ${MODEL_JSON} (SHA-256 differs; interrupted save?)`)
  return digest
}

/**
 * Builds a LayersModel (on the current backend) from checked files (readLayersFiles, or checkLayersWeights).
 * @throws EngineError E_MODEL naming `dir`'s model.json when tfjs cannot build it.
 */
export async function buildLayersModel(dir: string, files: { modelJson: LayersModelJson; weights: Uint8Array }): Promise<tf.LayersModel> {
  const tfjs = await import('@tensorflow/tfjs')
  const { modelJson, weights } = files
  try {
    return await tfjs.loadLayersModel(
      tfjs.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights),
        weightData: weights.slice().buffer,
      }),
    )
  } catch (err) {
    throw new EngineError('E_MODEL', `${join(dir, MODEL_JSON)}: tfjs cannot build the model: ${(err as Error).message}`, { cause: err })
  }
}

/**
 * Loads `dir/model.json` and its weights into a LayersModel (readLayersFiles, then buildLayersModel).
 * @throws EngineError E_MODEL as those.
 */
export async function loadLayersModel(dir: string): Promise<tf.LayersModel> {
  return buildLayersModel(dir, await readLayersFiles(dir))
}

/** The weights file names of a model.json, in manifest order. */
export function weightsFileNames(modelJson: LayersModelJson): string[] {
  return modelJson.weightsManifest.flatMap((g) => g.paths)
}

/**
 * Reads file `name` of model folder `dir`; `name` comes from `namedIn` (a file of the folder) and must be a plain
 * file name inside the folder.
 * @param what What the file is, for the error ('weights').
 * @throws EngineError E_MODEL naming `namedIn` for a path that is not a plain file name, else naming the file when
 *   it is missing or unreadable.
 */
export async function readModelFolderFile(dir: string, name: string, namedIn = MODEL_JSON, what = 'weights'): Promise<Uint8Array> {
  if (name !== basename(name) || name === '..' || name === '.' || name === '')
    throw new EngineError('E_MODEL', `${join(dir, namedIn)}: ${what} path '${name}' must be a file name inside the model folder`)
  const path = join(dir, name)
  try {
    return new Uint8Array(await readFile(path))
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new EngineError('E_MODEL', `${path}: ${code === 'ENOENT' ? 'missing' : `unreadable (${code ?? (err as Error).message})`}`, { cause: err })
  }
}

/**
 * Reads and parses a JSON file of a model folder (model.json, card.json).
 * @throws EngineError E_MODEL naming the file when it is missing, unreadable or not valid JSON.
 */
export async function readModelFolderJson(path: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new EngineError('E_MODEL', `${path}: ${code === 'ENOENT' ? 'missing' : `unreadable (${code ?? (err as Error).message})`}`, { cause: err })
  }
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new EngineError('E_MODEL', `${path}: not valid JSON (${(err as Error).message})`, { cause: err })
  }
}

/** Bytes a manifest entry occupies in the weights file (quantized entries store their quantized dtype). */
export function weightSpecBytes(spec: tf.io.WeightsManifestEntry): number {
  const count = spec.shape.reduce((a, b) => a * b, 1)
  const q = spec.quantization?.dtype
  const bytes = q === 'uint8' ? 1 : q === 'uint16' || q === 'float16' ? 2 : spec.dtype === 'bool' ? 1 : 4
  return count * bytes
}

/** SHA-256 (hex) of `bytes`. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0))
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.byteLength
  }
  return out
}
