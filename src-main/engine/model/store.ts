/**
 * The model store. A model is a folder holding
 * - `model.json`: tfjs layers format (topology + weights manifest), loadable by `tf.loadLayersModel`;
 * - `weights.bin`: the weights, little-endian float32, in manifest order;
 * - `card.json`: its ModelCard (card.ts);
 * - optionally `model.onnx`, exported beside it for ONNX Runtime.
 * The folder name is the model's id.
 *
 * Files are written through tf.io.withSaveHandler (no tfjs-node needed) and each atomically (writeFileAtomic), in
 * the order weights.bin, card.json, model.json; model.json records the SHA-256 of the weights it describes, so an
 * interrupted overwrite is detected on load instead of silently mixing two checkpoints.
 *
 * @source tfjs model.json format (tfjs-core io/types.ts ModelJSON, WeightsManifestConfig).
 */
import * as tf from '@tensorflow/tfjs'
import { createHash } from 'node:crypto'
import { readFile, readdir, rm, stat } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { EngineError } from '../../common/errors'
import type { ModelSummary } from '../../common/api'
import type { ModelCard } from '../../common/types'
import { writeFileAtomic, writeJsonAtomic } from '../io/atomicWrite'
import { log } from '../log'
import { parseCard } from './card'

export const MODEL_JSON = 'model.json'
export const WEIGHTS_BIN = 'weights.bin'
export const CARD_JSON = 'card.json'
export const MODEL_ONNX = 'model.onnx'

interface TileLabMetadata {
  weightsSha256: string
  weightsBytes: number
}

/**
 * Saves `model` with its card into folder `dir` (created if needed; an existing model there is replaced).
 * A `model.onnx` left from the replaced weights is removed (it would no longer match).
 * @throws EngineError E_MODEL if the card's parameter count differs from the model's; E_IO if a write fails.
 */
export async function saveModel(dir: string, model: tf.LayersModel, card: ModelCard): Promise<void> {
  const checked = parseCard(card, join(dir, CARD_JSON))
  if (model.countParams() !== checked.architecture.parameters)
    throw new EngineError(
      'E_MODEL',
      `${join(dir, CARD_JSON)}: card says ${checked.architecture.parameters} parameters, the model has ${model.countParams()}`,
    )
  let artifacts: tf.io.ModelArtifacts | null = null
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) }
    }),
  )
  const a = artifacts as tf.io.ModelArtifacts | null
  if (!a?.modelTopology || !a.weightSpecs || !a.weightData)
    throw new EngineError('E_MODEL', `${dir}: tfjs produced no topology or weights to save`)
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(a.weightData))
  const metadata: TileLabMetadata = { weightsSha256: sha256(weights), weightsBytes: weights.byteLength }
  const modelJson = {
    format: 'layers-model',
    generatedBy: a.generatedBy,
    convertedBy: a.convertedBy ?? null,
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: a.weightSpecs }],
    ...(a.trainingConfig ? { trainingConfig: a.trainingConfig } : {}),
    userDefinedMetadata: { tilelab: metadata },
  }
  const previous = await readMetadata(dir)
  await writeFileAtomic(join(dir, WEIGHTS_BIN), weights)
  await writeJsonAtomic(join(dir, CARD_JSON), checked)
  await writeJsonAtomic(join(dir, MODEL_JSON), modelJson)
  if (previous && previous.weightsSha256 !== metadata.weightsSha256 && (await exists(join(dir, MODEL_ONNX)))) {
    await rm(join(dir, MODEL_ONNX), { force: true })
    log.info({ dir }, `removed ${MODEL_ONNX}: it was exported from the weights just replaced; export again`)
  }
}

/**
 * Loads the model and card from folder `dir`.
 * @returns The tfjs LayersModel (on the current backend) and its card.
 * @throws EngineError E_MODEL naming the file that is missing, unreadable, corrupt, truncated, or that does not
 *   match the others (weights hash, parameter count).
 */
export async function loadModel(dir: string): Promise<{ model: tf.LayersModel; card: ModelCard }> {
  const jsonPath = join(dir, MODEL_JSON)
  const json = (await readJson(jsonPath)) as Partial<tf.io.ModelJSON> & { userDefinedMetadata?: { tilelab?: TileLabMetadata } }
  if (json.format !== undefined && json.format !== 'layers-model')
    throw new EngineError('E_MODEL', `${jsonPath}: format is '${json.format}', expected 'layers-model'`)
  if (!json.modelTopology || !Array.isArray(json.weightsManifest))
    throw new EngineError('E_MODEL', `${jsonPath}: not a tfjs layers model (no modelTopology or weightsManifest)`)
  const card = await readCard(dir)
  const specs: tf.io.WeightsManifestEntry[] = []
  const chunks: Uint8Array[] = []
  for (const group of json.weightsManifest) {
    specs.push(...group.weights)
    for (const p of group.paths) chunks.push(await readWeightsFile(dir, p))
  }
  const weights = concat(chunks)
  const weightsPath = join(dir, json.weightsManifest[0]?.paths[0] ?? WEIGHTS_BIN)
  const needed = specs.reduce((sum, s) => sum + specBytes(s), 0)
  if (weights.byteLength !== needed)
    throw new EngineError('E_MODEL', `${weightsPath}: ${weights.byteLength} bytes, but ${MODEL_JSON} describes ${needed} (truncated or mismatched)`)
  const meta = json.userDefinedMetadata?.tilelab
  if (meta && meta.weightsSha256 !== sha256(weights))
    throw new EngineError('E_MODEL', `${weightsPath}: does not match ${MODEL_JSON} (SHA-256 differs; interrupted save?)`)
  let model: tf.LayersModel
  try {
    model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: weights.slice().buffer }),
    )
  } catch (err) {
    throw new EngineError('E_MODEL', `${jsonPath}: tfjs cannot build the model: ${(err as Error).message}`, { cause: err })
  }
  if (model.countParams() !== card.architecture.parameters) {
    const n = model.countParams()
    model.dispose()
    throw new EngineError('E_MODEL', `${join(dir, CARD_JSON)}: card says ${card.architecture.parameters} parameters, ${MODEL_JSON} has ${n}`)
  }
  return { model, card }
}

/**
 * Reads and validates `card.json` of folder `dir`.
 * @throws EngineError E_MODEL naming card.json when it is missing, not JSON, or invalid.
 */
export async function readCard(dir: string): Promise<ModelCard> {
  const path = join(dir, CARD_JSON)
  return parseCard(await readJson(path), path)
}

/**
 * Models found in `dirs`: each dir that is itself a model folder, and each model folder directly inside one.
 * Folders without a readable card are skipped with a warning; missing dirs are ignored; the first of two models
 * with the same id wins.
 * @param opts.bundled Roots (among `dirs`) of the models shipped with TileLab: their models are `bundled`.
 * @returns Summaries sorted by id (= folder name).
 */
export async function listModels(dirs: string[], opts: { bundled?: string[] } = {}): Promise<ModelSummary[]> {
  const found = new Map<string, ModelSummary>()
  const bundledRoots = new Set((opts.bundled ?? []).map((d) => resolve(d)))
  for (const root of dirs) {
    const bundled = bundledRoots.has(resolve(root))
    const candidates = (await isModelDir(root)) ? [root] : await subfolders(root)
    for (const dir of candidates) {
      if (!(await isModelDir(dir))) continue
      const id = basename(resolve(dir))
      if (found.has(id)) {
        log.warn({ dir, kept: found.get(id)!.dir }, `model id '${id}' found twice; keeping the first`)
        continue
      }
      try {
        const card = await readCard(dir)
        const hasOnnx = await exists(join(dir, MODEL_ONNX))
        found.set(id, { id, name: card.name, dir: resolve(dir), card, hasOnnx, bundled })
      } catch (err) {
        log.warn({ dir }, `skipping model folder: ${(err as Error).message}`)
      }
    }
  }
  return [...found.values()].sort((a, b) => a.id.localeCompare(b.id))
}

async function isModelDir(dir: string): Promise<boolean> {
  return exists(join(dir, MODEL_JSON))
}

async function subfolders(root: string): Promise<string[]> {
  try {
    const entries = await readdir(root, { withFileTypes: true })
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => join(root, e.name))
  } catch {
    return []
  }
}

async function readJson(path: string): Promise<unknown> {
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

async function readMetadata(dir: string): Promise<TileLabMetadata | null> {
  try {
    const json = JSON.parse(await readFile(join(dir, MODEL_JSON), 'utf8')) as { userDefinedMetadata?: { tilelab?: TileLabMetadata } }
    return json.userDefinedMetadata?.tilelab ?? null
  } catch {
    return null
  }
}

async function readWeightsFile(dir: string, name: string): Promise<Uint8Array> {
  if (name !== basename(name) || name === '..' || name === '.')
    throw new EngineError('E_MODEL', `${join(dir, MODEL_JSON)}: weights path '${name}' must be a file name inside the model folder`)
  const path = join(dir, name)
  try {
    return new Uint8Array(await readFile(path))
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new EngineError('E_MODEL', `${path}: ${code === 'ENOENT' ? 'missing' : `unreadable (${code})`}`, { cause: err })
  }
}

/** Bytes a manifest entry occupies in the weights file (quantized entries store their quantized dtype). */
function specBytes(spec: tf.io.WeightsManifestEntry): number {
  const count = spec.shape.reduce((a, b) => a * b, 1)
  const q = spec.quantization?.dtype
  const bytes = q === 'uint8' ? 1 : q === 'uint16' || q === 'float16' ? 2 : spec.dtype === 'bool' ? 1 : 4
  return count * bytes
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

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}
