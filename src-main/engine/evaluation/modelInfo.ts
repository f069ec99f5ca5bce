/**
 * What an evaluation needs to know about a model folder besides its predictor: a name for reports, a content
 * fingerprint (a resumed or merged run must use the same weights), the U-Net architecture (for FLOP counts) and
 * the FLAIR normalisation the model was trained with.
 *
 * Sources, in order: `card.json` (ModelCard, types.ts) when present; otherwise `model.json` (tfjs layers format:
 * the layer names of unet.ts, `enc{l}_conv1`, `enc{l}_pool`, `dec{l}_up`, `enc{l}_drop`) and the folder name.
 * Only reads files; loads no engine.
 */
import { createHash } from 'node:crypto'
import { readdir } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { EngineError } from '../../common/errors'
import type { ModelCard, Normalization, UnetConfig } from '../../common/types'
import {
  MODEL_JSON,
  readLayersModelJson,
  readModelFolderFile,
  readModelFolderJson,
  weightsFileNames,
  type LayersModelJson,
} from '../model/layersFiles'

export interface ModelInfoFile {
  name: string
  dir: string
  /** sha256 (hex) over the model's weight-bearing files: model.json, its weight files, model.onnx. */
  fingerprint: string
  /** The U-Net configuration, or null when neither the card nor the layer names say. */
  architecture: UnetConfig | null
  /** From the card; null when there is no card. */
  normalization: Normalization | null
  card: ModelCard | null
}

interface LayerJson {
  class_name: string
  config: { name?: string; filters?: number; rate?: number }
}

/**
 * Reads a model folder's metadata.
 * @param dir Folder holding model.json (+ weights) and/or model.onnx, optionally card.json.
 * @throws EngineError E_MODEL naming the folder when it holds neither model.json nor model.onnx; naming the file
 *   when a JSON file is unreadable, model.json is not a layers model (model/layersFiles.ts) or a file it names is
 *   missing or not a plain file name inside the folder.
 */
export async function readModelInfo(dir: string): Promise<ModelInfoFile> {
  const abs = resolve(dir)
  const files = await readdir(abs).catch(() => {
    throw new EngineError('E_MODEL', `${abs}: model folder does not exist`)
  })
  if (!files.includes('model.json') && !files.includes('model.onnx'))
    throw new EngineError('E_MODEL', `${abs}: not a model folder (no model.json or model.onnx); files: ${files.join(', ') || 'none'}`)
  const card = files.includes('card.json') ? ((await readModelFolderJson(join(abs, 'card.json'))) as ModelCard) : null
  const modelJson = files.includes(MODEL_JSON) ? await readLayersModelJson(abs) : null
  const weightFiles = modelJson ? weightsFileNames(modelJson) : []
  const hashed = [...(modelJson ? [MODEL_JSON] : []), ...weightFiles, ...(files.includes('model.onnx') ? ['model.onnx'] : [])]
  const hash = createHash('sha256')
  for (const f of hashed) {
    const bytes = await readModelFolderFile(abs, f)
    hash.update(`${f}\u0000${bytes.length}\u0000`).update(bytes)
  }
  return {
    name: card?.name ?? basename(abs),
    dir: abs,
    fingerprint: hash.digest('hex'),
    architecture: card?.architecture ? pickConfig(card.architecture) : modelJson ? architectureFromLayers(modelJson) : null,
    normalization: card?.normalization ?? null,
    card,
  }
}

/**
 * The U-Net configuration from a tfjs `model.json`, by unet.ts's layer names; null when the names do not fit.
 * @param modelJson Parsed model.json (`modelTopology.config.layers` or `modelTopology.model_config.config.layers`).
 */
export function architectureFromLayers(modelJson: Pick<LayersModelJson, 'modelTopology'>): UnetConfig | null {
  const topology = modelJson.modelTopology as { config?: { layers?: LayerJson[] }; model_config?: { config?: { layers?: LayerJson[] } } }
  const layers = topology?.config?.layers ?? topology?.model_config?.config?.layers
  if (!Array.isArray(layers)) return null
  const byName = new Map(layers.map((l) => [l.config?.name ?? '', l]))
  const first = byName.get('enc0_conv1')
  const depth = layers.filter((l) => /^enc\d+_pool$/.test(l.config?.name ?? '')).length
  const up = byName.get(`dec0_up`)
  if (!first?.config.filters || depth < 1 || !up) return null
  return {
    baseFilters: first.config.filters,
    depth,
    upsampling: up.class_name === 'Conv2DTranspose' ? 'transpose' : 'upsample',
    dropout: byName.get('enc2_drop')?.config.rate ?? byName.get('enc1_drop')?.config.rate ?? 0,
  }
}

function pickConfig(a: UnetConfig): UnetConfig {
  return { baseFilters: a.baseFilters, depth: a.depth, upsampling: a.upsampling, dropout: a.dropout }
}
