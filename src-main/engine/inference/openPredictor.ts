/**
 * Resolves a model folder to the fastest Predictor this machine can run: ONNX Runtime (CUDA where its provider is
 * installed, else CPU) over the folder's `model.onnx`, exported from the tfjs weights when missing or stale;
 * TensorFlow.js (tfjs-node-gpu → tfjs-node → wasm → cpu) as the fallback, with the same API.
 *
 * Issue 7's measurements on 2 CPU cores: onnxruntime-node ~145 ms per 240×240 slice at base 32, tfjs-wasm 593 ms.
 */
import { resolve } from 'node:path'
import { EngineError } from '../../common/errors'
import { initBackend, type BackendPreference } from '../backend/initBackend'
import { log } from '../log'
import { createTfjsPredictor } from '../model/tfjsPredictor'
import { loadModel } from '../model/store'
import { ensureOnnx } from '../onnx/ensureOnnx'
import { exportOnnx } from '../onnx/exportOnnx'
import { tryCreateOnnxPredictor } from '../onnx/onnxPredictor'
import type { Predictor } from './predictor'

export type InferenceEngine = 'auto' | 'onnx' | 'tfjs'

export interface OpenPredictorOptions {
  /** 'auto' (default): ONNX Runtime when it loads, else tfjs. 'onnx' fails instead of falling back. */
  engine?: InferenceEngine
  /** tfjs backend for the fallback (and for reading weights when exporting ONNX); default 'auto'. */
  backend?: BackendPreference
}

/**
 * Opens a model folder as a Predictor.
 *
 * @param modelDir Folder with model.json, weights.bin, card.json (and model.onnx, written here when missing).
 * @returns `predictor.engine` names what runs it: 'onnxruntime-cpu', 'onnxruntime-cuda', 'tfjs-wasm', …
 * @throws EngineError E_MODEL naming the file when the folder is not a model; E_BACKEND when `engine: 'onnx'` was
 *   asked and ONNX Runtime is unavailable, or the tfjs backend asked for is.
 */
export async function openPredictor(modelDir: string, options: OpenPredictorOptions = {}): Promise<Predictor> {
  const dir = resolve(modelDir)
  const engine = options.engine ?? 'auto'
  if (engine !== 'tfjs' && engine !== 'auto' && engine !== 'onnx')
    throw new EngineError('E_ARGS', `engine must be auto, onnx or tfjs, got '${String(engine)}'`)
  await initBackend(options.backend ?? 'auto')
  if (engine !== 'tfjs') {
    const onnx = await onnxModel(dir)
    const predictor = await tryCreateOnnxPredictor(onnx)
    if (predictor) {
      log.debug({ dir, engine: predictor.engine }, 'model opened')
      return predictor
    }
    if (engine === 'onnx') throw new EngineError('E_BACKEND', `${dir}: ONNX Runtime is not available (see the log)`)
  }
  const predictor = await createTfjsPredictor(dir)
  log.debug({ dir, engine: predictor.engine }, 'model opened')
  return predictor
}

/** The folder's model.onnx (exported when missing or stale); exported in memory when the folder is read-only. */
async function onnxModel(dir: string): Promise<string | Uint8Array> {
  try {
    return (await ensureOnnx(dir)).path
  } catch (err) {
    if (err instanceof EngineError && err.code !== 'E_IO') throw err
    log.info({ dir, reason: (err as Error).message }, 'cannot write model.onnx beside the model; exporting in memory')
    const { model } = await loadModel(dir)
    try {
      return exportOnnx(model)
    } finally {
      model.dispose()
    }
  }
}
