/**
 * The one batching loop behind full-image, tiled and centre-crop inference. Each mode is a `WindowPlan`: the
 * model-input windows of a slice (one padded full slice, the tiles, or the centre crop), the region of the slice
 * the output covers, and the blend weights. The loop streams the windows of many slices, slice after slice, through
 * the predictor in batches of at most `predictor.maxBatch(wh, ww)` (windows of several slices share a batch),
 * blends them into float64 accumulators and hands each slice to `onSlice` as soon as its last window is in.
 *
 * Buffers: one input batch buffer for the whole run, and a small pool of float64 accumulators (one per slice in
 * flight, at most ⌈batch / windows per slice⌉ + 1) reused from slice to slice; per slice only the returned float32
 * output is allocated. The predictor's own output array is the only other allocation per batch. Plans with one
 * unweighted window (full image, centre crop) skip the accumulator and copy the window's crop straight out.
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
   * over its windows, plus this slice's final division. Callback time is excluded. Over a run they add up to about
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
    if (!Number.isInteger(v) || v < 1)
      throw new EngineError('E_ARGS', `${what}: ${name} must be an integer ≥ 1, received ${v}`)
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
  const { windowHeight: wh, windowWidth: ww, origins } = plan
  const perSlice = origins.length
  const total = slices.length * perSlice
  const limit = Math.min(batchLimit(predictor, wh, ww), total)
  const input = new Float32Array(limit * wh * ww)
  const blender = new SliceBlender(plan, what)
  const extractor = new WindowExtractor(slices, height, width, plan)
  const sliceMs = new Float64Array(slices.length)
  const outputs: Float32Array[] = []
  const start = performance.now()
  let [predictorMs, callbackMs, calls, largest, done] = [0, 0, 0, 0, 0]

  for (let first = 0; first < total; ) {
    throwIfCancelled(options.token, what)
    const size = Math.min(limit, options.prioritizeFirstSlice && first === 0 ? perSlice : total - first)
    const t0 = performance.now()
    for (let j = 0; j < size; j++) extractor.extract(first + j, input, j * wh * ww)
    const tp = performance.now()
    const prob = await predictor.predict(input.subarray(0, size * wh * ww), size, wh, ww)
    predictorMs += performance.now() - tp
    calls++
    largest = Math.max(largest, size)
    if (!(prob instanceof Float32Array) || prob.length !== size * wh * ww)
      throw new EngineError(
        'E_MODEL',
        `${predictor.engine}: predict returned ${prob?.length} values for a batch of ${size}×${wh}×${ww}`,
      )
    for (let j = 0; j < size; j++) blender.add(first + j, prob, j * wh * ww)
    const perWindowMs = (performance.now() - t0) / size
    for (let j = 0; j < size; j++) sliceMs[Math.floor((first + j) / perSlice)] += perWindowMs
    first += size
    // Slices whose last window was in this batch, in input order.
    for (; done < Math.floor(first / perSlice); done++) {
      const tf = performance.now()
      const out = blender.finish(done)
      const elapsedMs = sliceMs[done] + performance.now() - tf
      const info: SliceInfo = { forwardPasses: perSlice, elapsedMs, done: done + 1, total: slices.length }
      if (options.retain ?? true) outputs.push(out)
      if (options.onSlice) {
        const tc = performance.now()
        await options.onSlice(done, out, info)
        callbackMs += performance.now() - tc
      }
    }
  }
  const elapsedMs = performance.now() - start
  const overheadMs = Math.max(0, elapsedMs - predictorMs - callbackMs)
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
      overheadMs,
    },
  }
}

/** Cuts window g (= slice ⌊g / perSlice⌋, origin g mod perSlice) into a batch buffer, padding with the slice min. */
class WindowExtractor {
  private readonly needsPad: boolean
  private padValue = 0

  constructor(
    private readonly slices: readonly Float32Array[],
    private readonly height: number,
    private readonly width: number,
    private readonly plan: WindowPlan,
  ) {
    const { windowHeight: wh, windowWidth: ww } = plan
    this.needsPad = plan.origins.some(([y, x]) => y + wh > height || x + ww > width)
  }

  /** Windows must be extracted in order (g ascending): the pad value is computed at each slice's first window. */
  extract(g: number, dst: Float32Array, dstOffset: number): void {
    const { origins, windowHeight, windowWidth } = this.plan
    const s = Math.floor(g / origins.length)
    const [y, x] = origins[g % origins.length]
    if (this.needsPad && g % origins.length === 0) this.padValue = sliceMinimum(this.slices[s])
    const { slices, height, width, padValue } = this
    extractWindow(slices[s], height, width, y, x, windowHeight, windowWidth, dst, dstOffset, padValue)
  }
}

/**
 * Per-slice blending state: float64 accumulators from a pool (one per slice in flight), or, for one unweighted
 * window per slice (full image, centre crop), the window's crop copied straight out (dividing by a weight sum of 1
 * would change nothing).
 */
class SliceBlender {
  private readonly pool: Float64Array[] = []
  private readonly acc = new Map<number, Float64Array>()
  private readonly direct = new Map<number, Float32Array>()
  private readonly isDirect: boolean

  constructor(
    private readonly plan: WindowPlan,
    what: string,
  ) {
    const { origins, region, weights, windowHeight: wh, windowWidth: ww } = plan
    this.isDirect = origins.length === 1 && weights === null
    const [y, x] = origins[0]
    const inside = region.y0 >= y && region.x0 >= x && region.y0 + region.height <= y + wh
    if (this.isDirect && !(inside && region.x0 + region.width <= x + ww))
      throw new EngineError('E_INTERNAL', `${what}: region ${JSON.stringify(region)} is outside the window at (${y}, ${x})`)
  }

  /** Adds the model output of window g, found in `prob` at `offset`. */
  add(g: number, prob: Float32Array, offset: number): void {
    const { origins, region, weights, windowHeight, windowWidth } = this.plan
    const s = Math.floor(g / origins.length)
    const [y, x] = origins[g % origins.length]
    if (this.isDirect) {
      this.direct.set(s, cropWindow(prob, offset, windowWidth, region.y0 - y, region.x0 - x, region))
      return
    }
    let a = this.acc.get(s)
    if (!a) {
      a = this.pool.pop() ?? new Float64Array(region.height * region.width)
      this.acc.set(s, a)
    }
    accumulateWindow(a, region, prob, offset, windowHeight, windowWidth, y, x, weights)
  }

  /** The blended `[region.height, region.width]` float32 output of slice s (all its windows added). */
  finish(s: number): Float32Array {
    if (this.isDirect) {
      const out = this.direct.get(s) as Float32Array
      this.direct.delete(s)
      return out
    }
    const a = this.acc.get(s) as Float64Array
    this.acc.delete(s)
    const out = finishBlend(a, this.plan.weightSum)
    this.pool.push(a)
    return out
  }
}

/** Copies `region` out of a window (region origin at (dy, dx) inside the window) into a new float32 array. */
function cropWindow(
  prob: Float32Array,
  offset: number,
  windowWidth: number,
  dy: number,
  dx: number,
  region: Region,
): Float32Array {
  const out = new Float32Array(region.height * region.width)
  for (let r = 0; r < region.height; r++) {
    const s = offset + (dy + r) * windowWidth + dx
    out.set(prob.subarray(s, s + region.width), r * region.width)
  }
  return out
}
