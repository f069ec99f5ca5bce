/**
 * The one batching loop behind full-image, tiled and centre-crop inference. Each mode is a `WindowPlan`: the
 * model-input windows of a slice (one padded full slice, the tiles, or the centre crop), the region of the slice
 * the output covers, and the blend weights. The loop streams the windows of many slices, slice after slice, through
 * the predictor in batches of at most `predictor.maxBatch(wh, ww)` (windows of several slices share a batch),
 * blends them into float64 accumulators and hands each slice to `onSlice` as soon as its last window is in.
 *
 * Buffers: one input batch buffer for the whole run, and a small pool of accumulators (one per slice in flight,
 * at most ⌈batch / windows per slice⌉ + 1) reused from slice to slice; per slice only the returned float32 output
 * is allocated. The predictor's own output array is the only other allocation per batch.
 *
 * @source MONAI `sliding_window_inference` (batched windows, `out += w·prob`, `count += w`, `out / count`, crop).
 */
import { throwIfCancelled, type CancellationToken } from '../../common/cancellation'
import { EngineError } from '../../common/errors'
import { accumulateWindow, finishBlend, type Region } from './blend'
import { extractWindow, sliceMinimum } from './padding'
import type { Predictor } from './predictor'

/** What a mode asks of the loop; built by fullImage.ts, slidingWindow.ts and centreCrop.ts. */
export interface WindowPlan {
  /** Model input size of every window, multiples of the predictor's inputMultiple. */
  windowHeight: number
  windowWidth: number
  /** Window origins `[y, x]` in slice pixels (≥ 0); window pixels beyond the slice are padded. */
  origins: readonly (readonly [number, number])[]
  /** Part of the slice the output covers; inside the slice. */
  region: Region
  /** `[windowHeight, windowWidth]` float64 blend weights, or null for weight 1. */
  weights: Float64Array | null
  /** Σ weights per region pixel (blend.ts `weightSumMap`), all > 0. */
  weightSum: Float64Array
}

/** Passed with every completed slice. */
export interface SliceInfo {
  /** Windows this slice sent through the model: 1 (full, centre crop) or the tiles per slice. */
  forwardPasses: number
  /**
   * Milliseconds attributed to this slice: each batch's wall time (extraction, predictor, blending) split evenly
   * over its windows, plus this slice's final division. Callback time is excluded. Over a run they sum to
   * `elapsedMs − callbackMs`.
   */
  elapsedMs: number
  /** Slices completed so far, this one included, and the run's total. */
  done: number
  total: number
}

/** Receives each slice once, in input order. May return a promise; the loop waits for it. */
export type SliceCallback = (index: number, probabilities: Float32Array, info: SliceInfo) => void | Promise<void>

export interface InferenceOptions {
  /** Checked before every batch; a fired token throws E_CANCELLED. */
  token?: CancellationToken
  /** Called as each slice completes, in input order, with a new array it owns. */
  onSlice?: SliceCallback
  /** Keep every slice's output in the result (default true); false when `onSlice` consumes them. */
  retain?: boolean
  /** First batch holds only the first slice's windows, so it arrives after one batch of its own (the viewer). */
  prioritizeFirstSlice?: boolean
}

/** Timing and counts of one run. */
export interface InferenceStats {
  slices: number
  forwardPassesPerSlice: number
  /** Windows sent through the model in total. */
  forwardPasses: number
  /** `predictor.predict` calls (batches). */
  predictorCalls: number
  /** Largest batch sent. */
  batchSize: number
  /** Wall time of the run, ms. */
  elapsedMs: number
  /** Time inside `predictor.predict`, ms. */
  predictorMs: number
  /** Time inside `onSlice`, ms. */
  callbackMs: number
  /** elapsedMs − predictorMs − callbackMs: extraction, padding, blending, cropping. */
  overheadMs: number
}

export interface InferenceResult {
  /** One `[region.height, region.width]` float32 array per input slice, in input order; empty if !retain. */
  probabilities: Float32Array[]
  stats: InferenceStats
}

/**
 * Checks a list of slices before any work.
 *
 * @throws EngineError E_ARGS if height/width are not integers ≥ 1 or there are no slices; E_SHAPE naming the
 *   slice whose length is not height·width.
 */
export function validateSlices(slices: readonly Float32Array[], height: number, width: number, what: string): void {
  for (const [name, v] of [['height', height], ['width', width]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new EngineError('E_ARGS', `${what}: ${name} must be an integer ≥ 1, received ${v}`)
  }
  if (!Array.isArray(slices) || slices.length === 0)
    throw new EngineError('E_ARGS', `${what}: expected at least one slice, received ${slices?.length ?? slices}`)
  slices.forEach((s, i) => {
    if (!(s instanceof Float32Array) || s.length !== height * width)
      throw new EngineError(
        'E_SHAPE',
        `${what}: slice ${i} has ${s?.length} values, [${height}, ${width}] needs ${height * width}`,
      )
  })
}

/**
 * The predictor's batch limit for a window size, checked.
 *
 * @throws EngineError E_MODEL naming the value if inputMultiple or maxBatch is not an integer ≥ 1.
 */
export function batchLimit(predictor: Predictor, windowHeight: number, windowWidth: number): number {
  const limit = predictor.maxBatch(windowHeight, windowWidth)
  if (!Number.isInteger(limit) || limit < 1)
    throw new EngineError(
      'E_MODEL',
      `${predictor.engine}: maxBatch(${windowHeight}, ${windowWidth}) must be an integer ≥ 1, returned ${limit}`,
    )
  return limit
}

/** Checks the predictor's inputMultiple; returns it. @throws EngineError E_MODEL. */
export function inputMultipleOf(predictor: Predictor): number {
  const m = predictor.inputMultiple
  if (!Number.isInteger(m) || m < 1)
    throw new EngineError('E_MODEL', `${predictor.engine}: inputMultiple must be an integer ≥ 1, is ${m}`)
  return m
}

/**
 * Runs a plan over slices. Callers validate (validateSlices, the plan's geometry) first; this function only
 * checks the predictor's answers.
 *
 * @param slices  `[height, width]` float32 z-scored slices (views into a volume are fine; never modified).
 * @param plan    Windows, region and weights (see WindowPlan).
 * @returns Outputs `[region.height, region.width]` per slice (when retained) and timing stats.
 * @throws EngineError E_CANCELLED when the token fires (checked before every batch); E_MODEL if maxBatch is
 *   invalid or the predictor returns the wrong number of values; whatever the predictor throws (E_MEMORY…).
 */
export async function runWindowedInference(
  slices: readonly Float32Array[],
  height: number,
  width: number,
  plan: WindowPlan,
  predictor: Predictor,
  options: InferenceOptions,
  what: string,
): Promise<InferenceResult> {
  const { windowHeight: wh, windowWidth: ww, origins, region, weights, weightSum } = plan
  const perSlice = origins.length
  const total = slices.length * perSlice
  const limit = Math.min(batchLimit(predictor, wh, ww), total)
  const windowSize = wh * ww
  const needsPad = origins.some(([y, x]) => y + wh > height || x + ww > width)
  const input = new Float32Array(limit * windowSize)
  const pool: Float64Array[] = []
  const acc: (Float64Array | undefined)[] = new Array(slices.length)
  const padValue = new Float64Array(slices.length)
  const sliceMs = new Float64Array(slices.length)
  const retain = options.retain ?? true
  const outputs: Float32Array[] = []
  const start = performance.now()
  let predictorMs = 0
  let callbackMs = 0
  let calls = 0
  let largest = 0
  let done = 0

  for (let first = 0; first < total; ) {
    throwIfCancelled(options.token, `${what}`)
    const size = options.prioritizeFirstSlice && first === 0 ? Math.min(limit, perSlice) : Math.min(limit, total - first)
    const t0 = performance.now()
    for (let j = 0; j < size; j++) {
      const s = Math.floor((first + j) / perSlice)
      const [y, x] = origins[(first + j) % perSlice]
      if (needsPad && (first + j) % perSlice === 0) padValue[s] = sliceMinimum(slices[s])
      extractWindow(slices[s], height, width, y, x, wh, ww, input, j * windowSize, padValue[s])
    }
    const tp = performance.now()
    const prob = await predictor.predict(input.subarray(0, size * windowSize), size, wh, ww)
    predictorMs += performance.now() - tp
    calls++
    largest = Math.max(largest, size)
    if (!(prob instanceof Float32Array) || prob.length !== size * windowSize)
      throw new EngineError(
        'E_MODEL',
        `${predictor.engine}: predict returned ${prob?.length} values for a batch of ${size}×${wh}×${ww}`,
      )
    for (let j = 0; j < size; j++) {
      const s = Math.floor((first + j) / perSlice)
      const [y, x] = origins[(first + j) % perSlice]
      const a = (acc[s] ??= pool.pop() ?? new Float64Array(region.height * region.width))
      accumulateWindow(a, region, prob, j * windowSize, wh, ww, y, x, weights)
    }
    const perWindowMs = (performance.now() - t0) / size
    for (let j = 0; j < size; j++) sliceMs[Math.floor((first + j) / perSlice)] += perWindowMs
    first += size
    // Slices whose last window was in this batch, in order.
    for (let s = done; s < Math.floor(first / perSlice); s++) {
      const tf = performance.now()
      const a = acc[s] as Float64Array
      const out = finishBlend(a, weightSum)
      acc[s] = undefined
      pool.push(a)
      done++
      const info: SliceInfo = { forwardPasses: perSlice, elapsedMs: sliceMs[s] + performance.now() - tf, done, total: slices.length }
      if (retain) outputs.push(out)
      if (options.onSlice) {
        const tc = performance.now()
        await options.onSlice(s, out, info)
        callbackMs += performance.now() - tc
      }
    }
  }
  const elapsedMs = performance.now() - start
  return {
    probabilities: outputs,
    stats: {
      slices: slices.length,
      forwardPassesPerSlice: perSlice,
      forwardPasses: total,
      predictorCalls: calls,
      batchSize: largest,
      elapsedMs,
      predictorMs,
      callbackMs,
      overheadMs: Math.max(0, elapsedMs - predictorMs - callbackMs),
    },
  }
}
