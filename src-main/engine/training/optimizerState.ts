/**
 * Saving and restoring the Adam optimiser exactly: the first and second moments of every variable, the iteration
 * count, and the running powers β1^t and β2^t of the bias correction.
 *
 * tfjs's `AdamOptimizer.setWeights` recomputes β^t as `pow(β, t + 1)`, whereas training multiplies a float32
 * running product each step; the two differ in the last bits, so a resumed run would drift from an uninterrupted
 * one. This module saves the running products and writes them back after setWeights (they are the optimiser's
 * `accBeta1` / `accBeta2` variables in tfjs 4.x), so resume is bit-exact on deterministic backends.
 *
 * Moments are matched to variables by position (tfjs's applyGradients indexes them by the order of the gradient
 * map), so the model's trainable variables must be passed in the same order in every run: TileLab always uses
 * `model.trainableWeights` order.
 *
 * @source tfjs-core 4.22 `adam_optimizer.ts` (getWeights / setWeights / applyGradients), `optimizer.ts`
 *   (saveIterations / extractIterations); `tf.io.encodeWeights` / `decodeWeights`.
 */
import * as tf from '@tensorflow/tfjs'
import { EngineError } from '../../common/errors'

/** The optimiser's state as bytes plus a small JSON part. */
export interface SavedAdam {
  /** Weight specs of `data` (tfjs weights manifest entries), in getWeights order: 'iter', moments m…, v…. */
  specs: tf.io.WeightsManifestEntry[]
  /** Steps taken so far. */
  iterations: number
  /** β1^(t+1) and β2^(t+1) as the optimiser holds them (float32 values), or null if unavailable. */
  accBeta1: number | null
  accBeta2: number | null
  learningRate: number
  beta1: number
  beta2: number
  epsilon: number
}

interface AdamInternals {
  accBeta1?: tf.Variable
  accBeta2?: tf.Variable
  learningRate: number
  beta1: number
  beta2: number
  epsilon: number
}

/** Keras's Adam defaults; epsilon fixed so every backend runs the same update (tfjs would use the backend's). */
export const ADAM_BETA1 = 0.9
export const ADAM_BETA2 = 0.999
export const ADAM_EPSILON = 1e-7

/** A new Adam optimiser with Keras's defaults (β1 0.9, β2 0.999, ε 1e-7) and the given learning rate. */
export function createAdam(learningRate: number): tf.AdamOptimizer {
  if (!(learningRate > 0)) throw new EngineError('E_ARGS', `optimizer: --lr must be > 0, received ${learningRate}`)
  return tf.train.adam(learningRate, ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON)
}

/**
 * Captures the optimiser's state.
 * @returns The JSON part and the bytes of all its tensors (encodeWeights layout).
 */
export async function saveAdam(optimizer: tf.AdamOptimizer): Promise<{ saved: SavedAdam; data: Uint8Array }> {
  const inner = optimizer as unknown as AdamInternals
  const weights = await optimizer.getWeights()
  try {
    const iterations = (await weights[0].tensor.data())[0]
    const encoded = await tf.io.encodeWeights(weights)
    const data = new Uint8Array(tf.io.CompositeArrayBuffer.join(encoded.data))
    const saved: SavedAdam = {
      specs: encoded.specs,
      iterations,
      accBeta1: inner.accBeta1 ? (await inner.accBeta1.data())[0] : null,
      accBeta2: inner.accBeta2 ? (await inner.accBeta2.data())[0] : null,
      learningRate: inner.learningRate,
      beta1: inner.beta1,
      beta2: inner.beta2,
      epsilon: inner.epsilon,
    }
    return { saved, data }
  } finally {
    weights[0].tensor.dispose() // the 'iter' scalar is a new tensor; the moments are the optimiser's own variables
  }
}

/**
 * Restores a state captured by saveAdam into a fresh optimiser (one that has not stepped yet).
 * @throws EngineError E_MODEL when the data does not match the specs or the optimiser already holds moments.
 */
export async function restoreAdam(optimizer: tf.AdamOptimizer, saved: SavedAdam, data: Uint8Array): Promise<void> {
  const inner = optimizer as unknown as AdamInternals
  if (optimizer.iterations > 0)
    throw new EngineError('E_MODEL', 'optimizer: restore needs a fresh optimiser (this one has already stepped)')
  let map: tf.NamedTensorMap
  try {
    const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer
    map = tf.io.decodeWeights(buffer, saved.specs)
  } catch (err) {
    throw new EngineError('E_MODEL', `optimizer: state does not decode: ${(err as Error).message}`, { cause: err })
  }
  const list = saved.specs.map((s) => ({ name: s.name, tensor: map[s.name] }))
  try {
    await optimizer.setWeights(list)
    tf.tidy(() => {
      if (saved.accBeta1 !== null && inner.accBeta1) inner.accBeta1.assign(tf.scalar(saved.accBeta1))
      if (saved.accBeta2 !== null && inner.accBeta2) inner.accBeta2.assign(tf.scalar(saved.accBeta2))
    })
  } finally {
    for (const t of Object.values(map)) t.dispose()
  }
}
