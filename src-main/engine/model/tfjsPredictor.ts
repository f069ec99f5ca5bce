/**
 * The Predictor (inference/predictor.ts) over a TensorFlow.js LayersModel: the tfjs fallback when ONNX Runtime
 * is absent, and the engine of the training code's validation passes.
 *
 * Each call runs in tf.tidy and leaves the tensor count unchanged; batches larger than maxBatch are split; the
 * batch bound comes from the memory model of backend/memoryBudget.ts (inference, measured on tfjs-wasm: 46 MiB
 * per 240×240 image at base 32), capped at 16 images; running out of memory raises E_MEMORY with a hint instead
 * of wasm's opaque "memory access out of bounds".
 */
import * as tf from '@tensorflow/tfjs'
import { EngineError } from '../../common/errors'
import type { ModelCard } from '../../common/types'
import type { Predictor } from '../inference/predictor'
import { currentBackend } from '../backend/initBackend'
import { HEAP_SHARE, WASM_HEAP_BYTES, estimateBytes, maxBatchFor, asMemoryError, type ModelSize } from '../backend/memoryBudget'
import { loadModel } from './store'

/** Largest batch handed to tfjs at once, whatever memory allows (bigger batches are no faster on CPU). */
export const MAX_BATCH_CAP = 16

export interface TfjsPredictorOptions {
  /** Card of the model (architecture → input multiple and memory estimate); read from the model if absent. */
  card?: ModelCard
  /** Memory the largest batch may use; default 85 % of the 4 GiB wasm heap. */
  memoryBudgetBytes?: number
}

export class TfjsPredictor implements Predictor {
  readonly engine: string
  readonly inputMultiple: number
  private readonly size: ModelSize
  private readonly budget: number
  private disposed = false

  /** Wraps `model` (ownership passes to the predictor: dispose() frees it). */
  constructor(
    private readonly model: tf.LayersModel,
    opts: TfjsPredictorOptions = {},
  ) {
    this.engine = currentBackend()?.engine ?? `tfjs-${tf.getBackend()}`
    const depth = opts.card?.architecture.depth ?? model.layers.filter((l) => l.getClassName() === 'MaxPooling2D').length
    this.inputMultiple = 2 ** depth
    const first = model.layers.find((l) => l.name === 'enc0_conv1')
    const base = opts.card?.architecture.baseFilters ?? Number((first?.getConfig() as { filters?: number } | undefined)?.filters ?? 32)
    this.size = { baseFilters: base, parameters: model.countParams() }
    this.budget = opts.memoryBudgetBytes ?? HEAP_SHARE * WASM_HEAP_BYTES
  }

  /** Images of height × width per batch: what the memory budget allows, between 1 and MAX_BATCH_CAP. */
  maxBatch(height: number, width: number): number {
    return Math.min(MAX_BATCH_CAP, Math.max(1, maxBatchFor(this.size, 'infer', height, width, this.budget)))
  }

  /**
   * @param batch `[N, H, W]` float32 row-major (NHWC, C = 1), z-scored FLAIR.
   * @returns Probabilities `[N, H, W]` float32 in [0, 1], a new array.
   * @throws EngineError E_SHAPE for a bad length or sizes that are not multiples of inputMultiple; E_MEMORY when
   *   one image is estimated not to fit, or the backend runs out of memory; E_MODEL after dispose().
   */
  async predict(batch: Float32Array, n: number, height: number, width: number): Promise<Float32Array> {
    if (this.disposed) throw new EngineError('E_MODEL', 'tfjs predictor: used after dispose()')
    this.validate(batch, n, height, width)
    const need = estimateBytes(this.size, 'infer', 1, height, width)
    if (need > this.budget)
      throw new EngineError(
        'E_MEMORY',
        `tfjs predictor: one ${height}×${width} image needs about ${(need / 1024 ** 3).toFixed(1)} GiB, over the ${(this.budget / 1024 ** 3).toFixed(1)} GiB budget; use tiled inference or a smaller image`,
      )
    const pixels = height * width
    const out = new Float32Array(n * pixels)
    const step = this.maxBatch(height, width)
    for (let start = 0; start < n; start += step) {
      const count = Math.min(step, n - start)
      const input = batch.subarray(start * pixels, (start + count) * pixels)
      out.set(await this.run(input, count, height, width), start * pixels)
    }
    return out
  }

  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    this.model.dispose()
  }

  private async run(input: Float32Array, n: number, height: number, width: number): Promise<Float32Array> {
    let y: tf.Tensor | null = null
    try {
      y = tf.tidy(() => this.model.predict(tf.tensor4d(input, [n, height, width, 1])) as tf.Tensor)
      return (await y.data()) as Float32Array
    } catch (err) {
      throw asMemoryError(
        err,
        `tfjs predictor (${this.engine}): batch of ${n} image(s) of ${height}×${width}`,
        'lower the batch size, use tiled inference, or restart TileLab if the wasm backend keeps failing',
      )
    } finally {
      y?.dispose()
    }
  }

  private validate(batch: Float32Array, n: number, height: number, width: number): void {
    const m = this.inputMultiple
    if (!Number.isInteger(n) || n < 1) throw new EngineError('E_SHAPE', `tfjs predictor: N must be a positive integer, got ${n}`)
    if (!Number.isInteger(height) || !Number.isInteger(width) || height < m || width < m || height % m || width % m)
      throw new EngineError('E_SHAPE', `tfjs predictor: H and W must be positive multiples of ${m}, got ${height}×${width}`)
    if (batch.length !== n * height * width)
      throw new EngineError('E_SHAPE', `tfjs predictor: batch holds ${batch.length} values, expected N·H·W = ${n}·${height}·${width} = ${n * height * width}`)
  }
}

/**
 * Loads the model in folder `dir` (store.ts) and wraps it in a TfjsPredictor on the current tfjs backend
 * (call initBackend first to choose it).
 * @throws EngineError E_MODEL as loadModel.
 */
export async function createTfjsPredictor(dir: string, opts: Omit<TfjsPredictorOptions, 'card'> = {}): Promise<TfjsPredictor> {
  const { model, card } = await loadModel(dir)
  return new TfjsPredictor(model, { ...opts, card })
}
