/**
 * Oracle predictors for inference tests (MONAI-style): models whose output is known exactly, so full-image,
 * tiled and centre-crop inference can be checked bit for bit without a network. Each one checks the Predictor
 * contract on its inputs (shape, inputMultiple, batch ≤ maxBatch) and throws when a caller breaks it.
 */
import type { Predictor } from '../../src-main/engine/inference/predictor'

export interface OracleOptions {
  inputMultiple?: number
  /** maxBatch for every input size (default 8). */
  maxBatch?: number
  engine?: string
}

/** A predictor built from an element-wise or whole-batch function, with contract checks. */
export function oraclePredictor(
  fn: (batch: Float32Array, n: number, height: number, width: number) => Float32Array,
  options: OracleOptions = {},
): Predictor {
  const inputMultiple = options.inputMultiple ?? 16
  const maxBatch = options.maxBatch ?? 8
  return {
    engine: options.engine ?? 'oracle',
    inputMultiple,
    maxBatch: () => maxBatch,
    async predict(batch, n, height, width) {
      if (height % inputMultiple !== 0 || width % inputMultiple !== 0)
        throw new Error(`oracle: ${height}×${width} is not a multiple of ${inputMultiple}`)
      if (n < 1 || n > maxBatch) throw new Error(`oracle: batch of ${n} exceeds maxBatch ${maxBatch}`)
      if (batch.length !== n * height * width)
        throw new Error(`oracle: ${batch.length} values for ${n}×${height}×${width}`)
      return fn(batch, n, height, width)
    },
    async dispose() {},
  }
}

/** Returns a copy of its input. */
export const identityPredictor = (o?: OracleOptions): Predictor => oraclePredictor((b) => b.slice(), o)

/** Returns input + 1 (float32 arithmetic): MONAI's sliding-window oracle. */
export const plusOnePredictor = (o?: OracleOptions): Predictor =>
  oraclePredictor((b) => {
    const out = new Float32Array(b.length)
    for (let i = 0; i < b.length; i++) out[i] = b[i] + 1
    return out
  }, o)

/** Returns `value` everywhere. */
export const constantPredictor = (value: number, o?: OracleOptions): Predictor =>
  oraclePredictor((b) => new Float32Array(b.length).fill(value), o)

/** Throws if ever called: proves validation happens before any forward pass. */
export function throwingPredictor(o: OracleOptions = {}): Predictor & { calls: number } {
  const p = oraclePredictor(() => {
    throw new Error('predictor must not be called')
  }, o) as Predictor & { calls: number }
  p.calls = 0
  const predict = p.predict.bind(p)
  p.predict = async (...args) => {
    p.calls++
    return predict(...args)
  }
  return p
}

/** One recorded predictor call. */
export interface RecordedCall {
  n: number
  height: number
  width: number
  /** Copy of the input batch. */
  input: Float32Array
}

/** Wraps a predictor and records every call (batch size, window size, a copy of the input). */
export function countingPredictor(
  inner: Predictor,
  onCall?: (call: RecordedCall, index: number) => void,
): Predictor & { calls: RecordedCall[] } {
  const calls: RecordedCall[] = []
  return {
    engine: inner.engine,
    inputMultiple: inner.inputMultiple,
    maxBatch: (h, w) => inner.maxBatch(h, w),
    calls,
    async predict(batch, n, height, width) {
      const call = { n, height, width, input: batch.slice() }
      calls.push(call)
      onCall?.(call, calls.length - 1)
      return inner.predict(batch, n, height, width)
    },
    dispose: () => inner.dispose(),
  }
}

/** Deterministic pseudo-random z-scored-like image values (mulberry32), `[length]` float32. */
export function randomImage(length: number, seed = 1): Float32Array {
  let a = seed >>> 0
  const out = new Float32Array(length)
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 4 - 2
  }
  return out
}

/**
 * Bit-exact comparison of two arrays; returns a description of the first difference, or null when equal.
 * (Vitest's deep `toEqual` on 57,600-element typed arrays is slow; use `expect(firstDifference(a, b)).toBeNull()`.)
 */
export function firstDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): string | null {
  if (actual.length !== expected.length) return `length ${actual.length} ≠ ${expected.length}`
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) return `index ${i}: ${actual[i]} ≠ ${expected[i]}`
  }
  return null
}
