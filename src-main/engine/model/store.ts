/**
 * The model store. A model is a folder holding
 * - `model.json`: tfjs layers format (topology + weights manifest), loadable by `tf.loadLayersModel`;
 * - `weights.bin`: the weights, little-endian float32, in manifest order;
 * - `card.json`: its ModelCard (card.ts);
 * - optionally `model.onnx`, exported beside it for ONNX Runtime.
 * The folder name is the model's id.
 *
 * The format is layersFiles.ts's: files are written through tf.io.withSaveHandler (no tfjs-node needed) and each
 * atomically (writeFileAtomic), in the order weights.bin, card.json, model.json; model.json records the SHA-256 of
 * the weights it describes, so an interrupted overwrite is detected on load instead of silently mixing two
 * checkpoints.
 *
 * @source tfjs model.json format (tfjs-core io/types.ts ModelJSON, WeightsManifestConfig).
 */
import type * as tf from '@tensorflow/tfjs'
import { readdir, rm, stat } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { EngineError } from '../../common/errors'
import type { ModelSummary } from '../../common/api'
import type { ModelCard } from '../../common/types'
import { log } from '../log'
import { parseCard } from './card'
import {
  MODEL_JSON,
  buildLayersModel,
  readLayersModelJson,
  readLayersWeights,
  readModelFolderJson,
  serializeLayersModel,
  writeLayersFiles,
} from './layersFiles'

export { MODEL_JSON }
export const WEIGHTS_BIN = 'weights.bin'
export const CARD_JSON = 'card.json'
export const MODEL_ONNX = 'model.onnx'

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
  const files = await serializeLayersModel(model, WEIGHTS_BIN, { recordWeights: true, where: dir })
  const previous = await readLayersModelJson(dir).then(
    (json) => json.userDefinedMetadata?.tilelab ?? null,
    () => null,
  )
  await writeLayersFiles(dir, files, { [CARD_JSON]: checked })
  if (previous && previous.weightsSha256 !== files.sha256 && (await exists(join(dir, MODEL_ONNX)))) {
    await rm(join(dir, MODEL_ONNX), { force: true })
    log.info({ dir }, `removed ${MODEL_ONNX}: it was exported from the weights just replaced; export again`)
  }
}

/**
 * Loads the model and card from folder `dir` (files read and checked by layersFiles.ts).
 * @returns The tfjs LayersModel (on the current backend) and its card.
 * @throws EngineError E_MODEL naming the file that is missing, unreadable, corrupt, truncated, or that does not
 *   match the others (weights hash, parameter count).
 */
export async function loadModel(dir: string): Promise<{ model: tf.LayersModel; card: ModelCard }> {
  const modelJson = await readLayersModelJson(dir)
  const card = await readCard(dir)
  const model = await buildLayersModel(dir, await readLayersWeights(dir, modelJson))
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
  return parseCard(await readModelFolderJson(path), path)
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

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}
