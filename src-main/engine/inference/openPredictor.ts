/**
 * Resolves a model folder to a Predictor.
 *
 * PLACEHOLDER (evaluation branch): a minimal, real implementation that loads a tfjs layers model folder
 * (model.json + its weight files) on the tfjs 'cpu' backend (or the backend asked for; 'wasm' is registered here). The model store and the
 * ONNX Runtime / tfjs predictors being built on other branches replace this file at merge; its signature is the
 * contract the evaluation CLI relies on.
 *
 * @source tfjs `tf.loadLayersModel(tf.io.fromMemory(...))` (tfjs-core io/passthrough); tfjs layers model.json format
 *   (`modelTopology`, `weightsManifest: [{ paths, weights }]`).
 */
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, resolve, sep } from 'node:path'
import { EngineError } from '../../common/errors'
import type { Predictor } from './predictor'

export interface OpenPredictorOptions {
  /** 'auto' (default) picks ONNX Runtime when model.onnx exists; this placeholder only runs tfjs. */
  engine?: 'auto' | 'onnx' | 'tfjs'
  /** tfjs backend name (default 'cpu'). */
  backend?: string
}

/**
 * Opens a model folder as a Predictor.
 *
 * @param modelDir Folder with model.json and weights (tfjs layers format).
 * @returns A predictor: inputMultiple = 2^(max-pool layers), batches of up to 4 images (cpu backend memory).
 * @throws EngineError E_MODEL naming the folder or file when model.json or a weight file is missing or corrupt;
 *   E_BACKEND when the engine or backend is unavailable (engine 'onnx' in this placeholder).
 */
export async function openPredictor(modelDir: string, options: OpenPredictorOptions = {}): Promise<Predictor> {
  const dir = resolve(modelDir)
  if (options.engine === 'onnx')
    throw new EngineError('E_BACKEND', `${dir}: the ONNX Runtime engine is not available in this build (placeholder openPredictor)`)
  const tf = await import('@tensorflow/tfjs')
  const backend = options.backend ?? 'cpu'
  if (backend === 'wasm') await registerWasm()
  if (!(await tf.setBackend(backend))) throw new EngineError('E_BACKEND', `tfjs backend '${backend}' is not available`)
  await tf.ready()
  const modelJsonPath = join(dir, 'model.json')
  const text = await readFile(modelJsonPath, 'utf8').catch(() => {
    throw new EngineError('E_MODEL', `${dir}: no model.json (tfjs layers model folder expected)`)
  })
  let json: { modelTopology?: object; weightsManifest?: { paths: string[]; weights: import('@tensorflow/tfjs').io.WeightsManifestEntry[] }[] }
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new EngineError('E_MODEL', `${modelJsonPath}: not JSON: ${(err as Error).message}`, { cause: err })
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest))
    throw new EngineError('E_MODEL', `${modelJsonPath}: missing modelTopology or weightsManifest`)
  const buffers: Uint8Array[] = []
  for (const group of json.weightsManifest)
    for (const p of group.paths)
      buffers.push(
        await readFile(join(dir, p)).catch(() => {
          throw new EngineError('E_MODEL', `${join(dir, p)}: weight file named by model.json is missing`)
        }),
      )
  const weightData = concat(buffers)
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights)
  let model: import('@tensorflow/tfjs').LayersModel
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData }))
  } catch (err) {
    throw new EngineError('E_MODEL', `${dir}: tfjs could not load the model: ${(err as Error).message}`, { cause: err })
  }
  const pools = model.layers.filter((l) => l.getClassName() === 'MaxPooling2D').length
  const inputMultiple = 2 ** pools
  return {
    engine: `tfjs-${tf.getBackend()}`,
    inputMultiple,
    maxBatch: (h, w) => Math.max(1, Math.min(4, Math.floor((4 * 256 * 256) / (h * w)))),
    async predict(batch, n, height, width) {
      if (height % inputMultiple !== 0 || width % inputMultiple !== 0)
        throw new EngineError('E_SHAPE', `predict: ${height}×${width} is not a multiple of ${inputMultiple}`)
      if (batch.length !== n * height * width)
        throw new EngineError('E_SHAPE', `predict: ${batch.length} values for a batch of ${n}×${height}×${width}`)
      const output = tf.tidy(() => model.predict(tf.tensor4d(batch, [n, height, width, 1])) as import('@tensorflow/tfjs').Tensor)
      try {
        return new Float32Array(await output.data())
      } finally {
        output.dispose()
      }
    },
    async dispose() {
      model.dispose()
    },
  }
}

/** Registers tfjs-backend-wasm with its .wasm files read from the installed package (Node: file paths). */
async function registerWasm(): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm')
  const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')
  wasm.setWasmPaths(join(dirname(entry), sep))
}

function concat(parts: Uint8Array[]): ArrayBuffer {
  const total = parts.reduce((s, p) => s + p.byteLength, 0)
  const out = new Uint8Array(total)
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.byteLength
  }
  return out.buffer
}
