/**
 * Keeps `model.onnx` beside a TileLab model folder's tfjs artifacts (`model.json` + weight files + `card.json`):
 * writes it when missing or stale, atomically, so ONNX Runtime can serve the same weights as tfjs.
 *
 * Staleness: the ONNX file records `tilelab.weights_bin_sha256`, the SHA-256 of the folder's weight files
 * (concatenated in `weightsManifest` order), and `tilelab.exporter_version`. A mismatch in either, an unreadable
 * file, or `force` re-exports. Checking costs one hash of the weight files (~30 MB for the paper's model), no tfjs.
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, resolve, sep } from 'node:path'
import { EngineError } from '../../common/errors'
import { writeFileAtomic } from '../io/atomicWrite'
import { log } from '../log'
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

interface TfjsModelJson {
  modelTopology: unknown
  weightsManifest: { paths: string[]; weights: unknown[] }[]
  format?: string
  generatedBy?: string
  convertedBy?: string | null
}

/**
 * Makes sure `<modelDir>/model.onnx` exists and matches the folder's tfjs weights.
 *
 * @param modelDir Folder with `model.json` (tfjs layers format: `modelTopology` + `weightsManifest`), the weight
 *   files it lists (usually `weights.bin`), and optionally `card.json` (its `architecture` is checked).
 * @param options `force`: re-export even when up to date.
 * @returns Path, whether it was written and why, and the weights hash.
 * @throws EngineError E_MODEL if model.json is missing or malformed, a weight file is missing, the model is not a
 *   TileLab U-Net, or card.json disagrees with it; E_IO if the write fails.
 * @source tfjs layers model format (model.json weightsManifest); atomic write (io/atomicWrite.ts).
 */
export async function ensureOnnx(modelDir: string, options: { force?: boolean } = {}): Promise<EnsureOnnxResult> {
  const dir = resolve(modelDir)
  const path = join(dir, ONNX_FILE_NAME)
  const modelJson = await readModelJson(dir)
  const weightData = await readWeightFiles(dir, modelJson)
  const weightsBinSha256 = createHash('sha256').update(weightData).digest('hex')

  const reason = options.force ? 'forced' : await staleness(path, weightsBinSha256)
  if (reason === null) return { path, written: false, reason: 'up to date', weightsBinSha256 }

  const tf = await import('@tensorflow/tfjs')
  await tf.ready() // whichever backend the process chose; the weights are only read back
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology as object,
      weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights) as never,
      weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength),
    }),
  )
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

async function readModelJson(dir: string): Promise<TfjsModelJson> {
  const file = join(dir, 'model.json')
  let json: Partial<TfjsModelJson>
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as Partial<TfjsModelJson>
  } catch (err) {
    throw new EngineError('E_MODEL', `ensureOnnx: ${file}: cannot read: ${(err as Error).message}`, { cause: err })
  }
  const manifest = json.weightsManifest
  if (!json.modelTopology || !Array.isArray(manifest) || manifest.some((g) => !Array.isArray(g?.paths) || !Array.isArray(g?.weights)))
    throw new EngineError('E_MODEL', `ensureOnnx: ${file}: not a tfjs layers model (needs modelTopology and weightsManifest)`)
  return json as TfjsModelJson
}

/** Concatenates the weight files in manifest order (the layout tfjs' loaders expect). */
async function readWeightFiles(dir: string, modelJson: TfjsModelJson): Promise<Buffer> {
  const parts: Buffer[] = []
  for (const group of modelJson.weightsManifest) {
    for (const rel of group.paths) {
      const file = resolve(dir, rel)
      if (!file.startsWith(dir + sep))
        throw new EngineError('E_MODEL', `ensureOnnx: weight path ${rel} escapes the model folder ${dir}`)
      try {
        parts.push(await readFile(file))
      } catch (err) {
        throw new EngineError('E_MODEL', `ensureOnnx: weight file ${file} listed in model.json is unreadable: ${(err as Error).message}`, {
          cause: err,
        })
      }
    }
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts)
}

/** If card.json exists and states an architecture, it must match the model's. */
async function checkCard(dir: string, arch: ReturnType<typeof unetArchitecture>): Promise<void> {
  const file = join(dir, 'card.json')
  if (!existsSync(file)) return
  let card: { architecture?: Partial<Record<'baseFilters' | 'depth' | 'upsampling', unknown>> }
  try {
    card = JSON.parse(await readFile(file, 'utf8')) as typeof card
  } catch (err) {
    throw new EngineError('E_MODEL', `ensureOnnx: ${file}: invalid JSON: ${(err as Error).message}`, { cause: err })
  }
  for (const key of ['baseFilters', 'depth', 'upsampling'] as const) {
    const stated = card.architecture?.[key]
    if (stated !== undefined && stated !== arch[key])
      throw new EngineError('E_MODEL', `ensureOnnx: ${file}: architecture.${key} is ${String(stated)} but model.json has ${arch[key]}`)
  }
}
