/**
 * One optimiser step of the U-Net on a batch, with optional gradient accumulation over micro-batches so that a
 * large effective batch (the paper's 128) fits the 4 GiB wasm heap.
 *
 * The paper's loss is −log of the soft Dice of the *whole* batch (softDiceLoss.ts); it is not a sum over images,
 * so micro-batch losses cannot simply be added. Accumulation here is exact instead: a forward pass over every
 * micro-batch first gives the batch sums I = Σ y·p and S = Σ y + Σ p; then each micro-batch's gradient of the
 * surrogate −2·Σ y·p/(2I + 1) + Σ p/(S + 1) is its exact share of the batch gradient (chain rule), and the
 * shares are summed before one optimiser update. Cost: one extra forward pass per micro-batch (~+35 %).
 * With dropout on, the two passes draw different dropout masks, so I and S come from a sibling sample of the
 * network (unbiased, not bit-identical); with dropout off, accumulation equals the one-batch gradient.
 */
import * as tf from '@tensorflow/tfjs'
import { EngineError } from '../../common/errors'
import { HEAP_SHARE, WASM_HEAP_BYTES, estimateBytes, maxBatchFor, asMemoryError, type ModelSize } from '../backend/memoryBudget'
import { softDiceLoss, softDiceLossFromSums, softDiceSurrogate } from './softDiceLoss'

export interface TrainStepOptions {
  /** Number of micro-batches the batch is split into (≥ 1, ≤ N); gradients are summed exactly. Default 1. */
  accumulate?: number
  /** Memory the largest micro-batch may use; default 85 % of the 4 GiB wasm heap on wasm, unchecked elsewhere. */
  memoryBudgetBytes?: number
}

export interface GradientResult {
  /** The batch loss −log(soft Dice) before the update. */
  loss: number
  /** Gradient per trainable variable name; the caller disposes them. */
  grads: tf.NamedTensorMap
  microBatches: number
  /** Images in the largest micro-batch. */
  microBatchSize: number
}

/**
 * Gradients of the paper's loss for one batch, accumulated over `accumulate` micro-batches.
 *
 * @param x `[N, H, W, 1]` float32 z-scored FLAIR; H, W divisible by 2^depth.
 * @param y `[N, H, W, 1]` float32 whole-tumour mask in {0, 1}.
 * @throws EngineError E_SHAPE for mismatched or wrongly sized tensors; E_ARGS for a bad `accumulate`;
 *   E_MEMORY (before any work) when a micro-batch is estimated not to fit, or when the backend runs out of memory.
 * @source paper-spec §3 (loss, batch 128); gradient accumulation as in PyTorch/Keras practice, made exact for a
 *   non-additive loss by the two-pass surrogate above.
 */
export function computeGradients(model: tf.LayersModel, x: tf.Tensor4D, y: tf.Tensor4D, opts: TrainStepOptions = {}): GradientResult {
  const n = x.shape[0]
  const accumulate = opts.accumulate ?? 1
  validate(model, x, y, accumulate)
  const size = Math.ceil(n / accumulate)
  const parts: Array<[number, number]> = []
  for (let start = 0; start < n; start += size) parts.push([start, Math.min(size, n - start)])
  checkMemory(model, size, x.shape[1], x.shape[2], accumulate, n, opts.memoryBudgetBytes)
  const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val)
  const what = `trainStep: micro-batch of ${size} image(s) of ${x.shape[1]}×${x.shape[2]}`
  const hint = `use a larger accumulate (smaller micro-batches), then restart TileLab if the wasm backend keeps failing`
  try {
    if (parts.length === 1) {
      const { value, grads } = tf.variableGrads(() => softDiceLoss(y, model.apply(x, { training: true }) as tf.Tensor), vars)
      const loss = value.dataSync()[0]
      value.dispose()
      return { loss, grads, microBatches: 1, microBatchSize: n }
    }
    let intersection = 0
    let total = 0
    for (const [start, count] of parts) {
      const sums = tf.tidy(() => {
        const p = model.apply(slice(x, start, count), { training: true }) as tf.Tensor
        const yb = slice(y, start, count)
        return tf.stack([tf.sum(tf.mul(yb, p)), tf.add(tf.sum(yb), tf.sum(p))]).dataSync()
      })
      intersection += sums[0]
      total += sums[1]
    }
    let acc: tf.NamedTensorMap | null = null
    for (const [start, count] of parts) {
      const { value, grads } = tf.variableGrads(
        () => softDiceSurrogate(slice(y, start, count), model.apply(slice(x, start, count), { training: true }) as tf.Tensor, intersection, total),
        vars,
      )
      value.dispose()
      acc = acc === null ? grads : addInto(acc, grads)
    }
    return { loss: softDiceLossFromSums(intersection, total), grads: acc!, microBatches: parts.length, microBatchSize: size }
  } catch (err) {
    throw asMemoryError(err, what, hint)
  }
}

/**
 * One optimiser step: computeGradients, then `optimizer.applyGradients`, freeing every gradient.
 * @returns The batch loss before the update, and how the batch was split.
 * @throws as computeGradients.
 */
export async function trainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  x: tf.Tensor4D,
  y: tf.Tensor4D,
  opts: TrainStepOptions = {},
): Promise<Omit<GradientResult, 'grads'>> {
  const { grads, ...rest } = computeGradients(model, x, y, opts)
  try {
    optimizer.applyGradients(grads)
  } catch (err) {
    throw asMemoryError(err, 'trainStep: optimizer update', 'restart TileLab with a smaller model or batch')
  } finally {
    tf.dispose(grads)
  }
  return rest
}

/** The size of a U-Net LayersModel for the memory estimate: its parameters and its first conv's filters. */
export function modelSizeOf(model: tf.LayersModel): ModelSize {
  const first = model.layers.find((l) => l.name === 'enc0_conv1') ?? model.layers.find((l) => l.getClassName() === 'Conv2D')
  const filters = Number((first?.getConfig() as { filters?: number } | undefined)?.filters ?? 32)
  return { baseFilters: filters, parameters: model.countParams() }
}

/** Micro-batches needed so that each fits the memory budget: ceil(N / maxBatch). */
export function accumulationFor(model: tf.LayersModel, batch: number, height: number, width: number, budgetBytes?: number): number {
  const max = maxBatchFor(modelSizeOf(model), 'train', height, width, budgetBytes)
  if (max < 1) throw new EngineError('E_MEMORY', `trainStep: even one image of ${height}×${width} does not fit the memory budget`)
  return Math.ceil(batch / max)
}

function validate(model: tf.LayersModel, x: tf.Tensor4D, y: tf.Tensor4D, accumulate: number): void {
  if (x.rank !== 4 || x.shape[3] !== 1) throw new EngineError('E_SHAPE', `trainStep: x must be [N, H, W, 1], got [${x.shape}]`)
  if (y.rank !== 4 || y.shape.join() !== x.shape.join())
    throw new EngineError('E_SHAPE', `trainStep: y must have x's shape [${x.shape}], got [${y.shape}]`)
  const pools = model.layers.filter((l) => l.getClassName() === 'MaxPooling2D').length
  const multiple = 2 ** pools
  if (x.shape[1] % multiple !== 0 || x.shape[2] % multiple !== 0)
    throw new EngineError('E_SHAPE', `trainStep: H and W must be multiples of ${multiple}, got ${x.shape[1]}×${x.shape[2]}`)
  if (!Number.isInteger(accumulate) || accumulate < 1 || accumulate > x.shape[0])
    throw new EngineError('E_ARGS', `trainStep: accumulate must be an integer in 1..${x.shape[0]} (the batch), got ${accumulate}`)
}

function checkMemory(model: tf.LayersModel, size: number, h: number, w: number, accumulate: number, n: number, budget?: number): void {
  if (budget === undefined && tf.getBackend() !== 'wasm') return
  const limit = budget ?? HEAP_SHARE * WASM_HEAP_BYTES
  const ms = modelSizeOf(model)
  const need = estimateBytes(ms, 'train', size, h, w)
  if (need <= limit) return
  const max = maxBatchFor(ms, 'train', h, w, limit)
  const gib = (b: number) => (b / 1024 ** 3).toFixed(1)
  const advice = max >= 1 ? `use accumulate ≥ ${Math.ceil(n / max)} (micro-batches of at most ${max})` : 'not even one image fits: use smaller crops or a smaller model'
  throw new EngineError(
    'E_MEMORY',
    `trainStep: a micro-batch of ${size} image(s) of ${h}×${w} needs about ${gib(need)} GiB (base ${ms.baseFilters}), over the ${gib(limit)} GiB budget of the ${budget === undefined ? 'wasm heap' : 'memory budget'}; ${advice} (now ${accumulate})`,
  )
}

function slice(t: tf.Tensor4D, start: number, count: number): tf.Tensor4D {
  return t.slice([start, 0, 0, 0], [count, -1, -1, -1])
}

function addInto(acc: tf.NamedTensorMap, grads: tf.NamedTensorMap): tf.NamedTensorMap {
  const out: tf.NamedTensorMap = {}
  for (const name of Object.keys(acc)) {
    out[name] = tf.add(acc[name], grads[name])
    acc[name].dispose()
    grads[name].dispose()
  }
  return out
}
