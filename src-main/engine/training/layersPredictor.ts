/**
 * A Predictor (inference/predictor.ts) over an in-memory tfjs LayersModel, for validation during training: the
 * model being trained is scored without saving and reloading it. Inference mode (dropout off).
 *
 * @source tfjs `LayersModel.predict`.
 */
import * as tf from '@tensorflow/tfjs'
import { EngineError } from '../../common/errors'
import type { Predictor } from '../inference/predictor'

/** Pixels per forward pass at most (8 slices of 240×240), bounding activation memory. */
const MAX_BATCH_PIXELS = 8 * 240 * 240

/**
 * Wraps a model whose input is `[N, H, W, 1]` and output `[N, H, W, 1]` probabilities.
 *
 * @param model         The U-Net; not disposed by the predictor's dispose (the trainer owns it).
 * @param engine        Engine name for reports, e.g. 'tfjs-wasm'.
 * @param inputMultiple 2^depth of the U-Net.
 */
export function layersPredictor(model: tf.LayersModel, engine: string, inputMultiple: number): Predictor {
  return {
    engine,
    inputMultiple,
    maxBatch: (height, width) => Math.max(1, Math.min(32, Math.floor(MAX_BATCH_PIXELS / (height * width)))),
    async predict(batch, n, height, width) {
      if (batch.length !== n * height * width)
        throw new EngineError('E_SHAPE', `predictor: batch holds ${batch.length} values, ${n}×${height}×${width} needed`)
      if (height % inputMultiple !== 0 || width % inputMultiple !== 0)
        throw new EngineError('E_SHAPE', `predictor: ${height}×${width} is not a multiple of ${inputMultiple}`)
      const out = tf.tidy(() => model.predict(tf.tensor4d(batch, [n, height, width, 1])) as tf.Tensor)
      try {
        return (await out.data()) as Float32Array
      } finally {
        out.dispose()
      }
    },
    async dispose() {},
  }
}
