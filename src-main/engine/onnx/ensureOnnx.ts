/**
 * Keeps `model.onnx` beside a TileLab model folder's tfjs artifacts (`model.json` + weight files + `card.json`):
 * writes it when missing or stale, atomically, so ONNX Runtime can serve the same weights as tfjs.
 *
 * Staleness: the ONNX file records `tilelab.weights_bin_sha256`, the SHA-256 of the folder's weight files
 * (concatenated in `weightsManifest` order), and `tilelab.exporter_version`. A mismatch in either, an unreadable
 * file, or `force` re-exports. Checking costs one hash of the weight files (~30 MB for the paper's model), no tfjs.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { EngineError } from '../../common/errors'
import { writeFileAtomic } from '../io/atomicWrite'
import { log } from '../log'
import { buildLayersModel, readLayersFiles, readModelFolderJson } from '../model/layersFiles'
import { ONNX_EXPORTER_VERSION, ONNX_META, exportOnnx, readOnnxMetadata } from './exportOnnx'
import { unetArchitecture } from './unetArchitecture'

/** File name of the exported model inside a model folder. */
export const ONNX_FILE_NAME = 'model.onnx'
/** Metadata key: SHA-256 of the tfjs weight files the ONNX model was exported from. */
export const ONNX_META_WEIGHTS_BIN_SHA256 = 'tilelab.weights_bin_sha256'

export interface EnsureOnnxResult {
  /** Absolute path of `model.onnx`. */
  path: string
  /** True when this call (re)wrote it. */
  written: boolean
  /** Why it was (re)written, or 'up to date'. */
  reason: string
  /** SHA-256 of the folder's weight files. */
  weightsBinSha256: string
}

/**
 * Makes sure `<modelDir>/model.onnx` exists and matches the folder's tfjs weights.
 *
 * @param modelDir Folder with `model.json` (tfjs layers format: `modelTopology` + `weightsManifest`), the weight
 *   files it lists (usually `weights.bin`), and optionally `card.json` (its `architecture` is checked).
 * @param options `force`: re-export even when up to date.
 * @returns Path, whether it was written and why, and the weights hash.
 * @throws EngineError E_MODEL if model.json is missing or malformed, a weight file is missing, shorter or longer
 *   than the manifest or not the hash model.json records (model/layersFiles.ts), the model is not a TileLab U-Net,
 *   or card.json disagrees with it; E_IO if the write fails.
 * @source tfjs layers model format (model/layersFiles.ts); atomic write (io/atomicWrite.ts).
 */
export async function ensureOnnx(modelDir: string, options: { force?: boolean } = {}): Promise<EnsureOnnxResult> {
  const dir = resolve(modelDir)
  const path = join(dir, ONNX_FILE_NAME)
  const files = await readLayersFiles(dir)
  const weightsBinSha256 = files.sha256

  const reason = options.force ? 'forced' : await staleness(path, weightsBinSha256)
  if (reason === null) return { path, written: false, reason: 'up to date', weightsBinSha256 }

  const tf = await import('@tensorflow/tfjs')
  await tf.ready() // whichever backend the process chose; the weights are only read back
  const model = await buildLayersModel(dir, files)
  try {
    await checkCard(dir, unetArchitecture(model))
    const bytes = exportOnnx(model, { metadata: { [ONNX_META_WEIGHTS_BIN_SHA256]: weightsBinSha256 } })
    await writeFileAtomic(path, bytes)
    log.info({ path, reason, bytes: bytes.length }, 'wrote ONNX model')
  } finally {
    model.dispose()
  }
  return { path, written: true, reason, weightsBinSha256 }
}

/** Null when `path` is an up-to-date export for these weights, else why not. */
async function staleness(path: string, weightsBinSha256: string): Promise<string | null> {
  if (!existsSync(path)) return 'missing'
  let meta: Record<string, string>
  try {
    meta = readOnnxMetadata(await readFile(path))
  } catch (err) {
    return `unreadable: ${(err as Error).message}`
  }
  if (meta[ONNX_META.exporterVersion] !== ONNX_EXPORTER_VERSION)
    return `exporter version ${meta[ONNX_META.exporterVersion] ?? 'none'} ≠ ${ONNX_EXPORTER_VERSION}`
  if (meta[ONNX_META_WEIGHTS_BIN_SHA256] !== weightsBinSha256) return 'weights changed (hash mismatch)'
  return null
}

/** If card.json exists and states an architecture, it must match the model's. */
async function checkCard(dir: string, arch: ReturnType<typeof unetArchitecture>): Promise<void> {
  const file = join(dir, 'card.json')
  if (!existsSync(file)) return
  const card = (await readModelFolderJson(file)) as { architecture?: Partial<Record<'baseFilters' | 'depth' | 'upsampling', unknown>> }
  for (const key of ['baseFilters', 'depth', 'upsampling'] as const) {
    const stated = card.architecture?.[key]
    if (stated !== undefined && stated !== arch[key])
      throw new EngineError('E_MODEL', `ensureOnnx: ${file}: architecture.${key} is ${String(stated)} but model.json has ${arch[key]}`)
  }
}
