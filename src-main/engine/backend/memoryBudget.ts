/**
 * How many images fit in memory, for training steps and for inference, so that TileLab caps its batches instead
 * of meeting wasm's opaque "memory access out of bounds" (or a hang) at the 4 GiB heap limit (issue 7).
 *
 * Linear model per backend heap: bytes(batch) = fixed + batch · perSample, with
 *   fixed     = 16 MiB + k_fixed · parameters        (weights, gradients, Adam moments, XNNPACK packed filters)
 *   perSample = k_pixel · baseFilters · H · W        (activations kept for the backward pass, or in flight)
 * calibrated on tfjs-wasm 4.22 by the wasm heap size after two steps at several batch sizes
 * (test/bench/tfjsStep.ts --memory): training, base 32 at 128²: 134.5 MiB per image (issue 7: ~135),
 * fixed 313 MiB; base 8: 35.7 MiB per image. Inference, base 32 at 240²: 46 MiB per image, fixed 192 MiB.
 * The constants below round those up by ~8 %.
 */
import { EngineError } from '../../common/errors'

/** Largest wasm32 heap (65536 pages of 64 KiB). */
export const WASM_HEAP_BYTES = 4 * 1024 ** 3
/** Share of the heap TileLab plans to use (emmalloc fragmentation and XNNPACK scratch need the rest). */
export const HEAP_SHARE = 0.85

const MIB = 1024 ** 2
const TRAIN_BYTES_PER_BASE_PIXEL = 290 // measured 269 (base 32), 286 (base 8)
const INFER_BYTES_PER_BASE_PIXEL = 28 // measured 26 (base 32, 240²)
const TRAIN_BYTES_PER_PARAM = 40 // measured (313 − 16 MiB) / 7.85 M
const INFER_BYTES_PER_PARAM = 24 // measured (192 − 16 MiB) / 7.85 M: weights, packed copies, staging

export interface ModelSize {
  /** Filters of the first level (32 in the paper). */
  baseFilters: number
  /** Trainable parameters (7,846,081 in the paper). */
  parameters: number
}

export type MemoryMode = 'train' | 'infer'

/** Estimated heap bytes for a batch of `batch` images of `height` × `width`. */
export function estimateBytes(model: ModelSize, mode: MemoryMode, batch: number, height: number, width: number): number {
  const perPixel = mode === 'train' ? TRAIN_BYTES_PER_BASE_PIXEL : INFER_BYTES_PER_BASE_PIXEL
  const perParam = mode === 'train' ? TRAIN_BYTES_PER_PARAM : INFER_BYTES_PER_PARAM
  return 16 * MIB + perParam * model.parameters + batch * perPixel * model.baseFilters * height * width
}

/**
 * Largest batch whose estimate fits `budgetBytes` (default 85 % of the 4 GiB wasm heap), at least 0.
 * @throws EngineError E_ARGS for non-positive sizes.
 */
export function maxBatchFor(
  model: ModelSize,
  mode: MemoryMode,
  height: number,
  width: number,
  budgetBytes = HEAP_SHARE * WASM_HEAP_BYTES,
): number {
  if (!(height > 0 && width > 0 && model.baseFilters > 0))
    throw new EngineError('E_ARGS', `memoryBudget: sizes must be positive, got ${height}×${width}, base ${model.baseFilters}`)
  const fixed = estimateBytes(model, mode, 0, height, width)
  const perSample = estimateBytes(model, mode, 1, height, width) - fixed
  return Math.max(0, Math.floor((budgetBytes - fixed) / perSample))
}

/** Whether an error thrown by a tfjs backend is an out-of-memory failure (wasm heap, JS heap, native). */
export function isOutOfMemory(err: unknown): boolean {
  const msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
  return /memory access out of bounds|Maximum memory size|Cannot enlarge memory|Out of memory|OOM|Aborted\(|Array buffer allocation failed|Invalid typed array length|RangeError: WebAssembly\.Memory|ResourceExhausted|OOM when allocating/i.test(
    msg,
  )
}

/**
 * `err` as E_MEMORY with `what` and a hint when it is an out-of-memory failure; otherwise `err` unchanged.
 * Use as `throw asMemoryError(err, …)`. After a wasm out-of-bounds trap the backend may stay unusable, so hints
 * should say to restart.
 */
export function asMemoryError(err: unknown, what: string, hint: string): unknown {
  if (err instanceof EngineError || !isOutOfMemory(err)) return err
  const detail = String(err instanceof Error ? err.message : err).split('\n')[0].slice(0, 120)
  return new EngineError('E_MEMORY', `${what}: out of memory (${detail}); ${hint}`, { cause: err })
}
