/**
 * Seeded percentile bootstrap of a mean: the confidence interval of `differenceCI95` in summary.json.
 *
 * Method: draw `resamples` samples of size n with replacement (xoroshiro128+ from pure-rand, seeded; indices drawn
 * without bias from its 32-bit outputs by Lemire's multiply-and-reject, about 10× faster than pure-rand's generic
 * `uniformIntDistribution` — 16 M draws for 8,215 slices × 2,000 resamples), take each sample's mean, and report the empirical quantiles (1 − level)/2 and
 * (1 + level)/2 of those means with linear interpolation between order statistics (numpy's default 'linear',
 * Hyndman & Fan type 7). The same values in the same order with the same seed give the same interval, bit for bit.
 *
 * Two variants:
 * - `bootstrapMeanCI`: slices resampled independently (what the paper's per-slice statistics assume);
 * - `clusterBootstrapMeanCI`: whole studies resampled, the mean taken over all slices of the drawn studies
 *   (Σ values / Σ slices). Slices of one patient are correlated, so this interval is the honest one when a cohort
 *   has few studies; it is reported beside the per-slice one.
 *
 * @source Efron & Tibshirani 1993, An Introduction to the Bootstrap, ch. 13 (percentile interval) and §8.3 (cluster
 *   resampling); pure-rand (xoroshiro128plus); numpy.quantile (method 'linear').
 */
import { xoroshiro128plus, type RandomGenerator } from 'pure-rand'
import { EngineError } from '../../common/errors'

export interface BootstrapOptions {
  /** Number of bootstrap samples B (default 2000). */
  resamples?: number
  /** Integer seed of the generator (default 0). */
  seed?: number
  /** Coverage of the interval (default 0.95). */
  level?: number
}

/** Defaults used by `tilelab evaluate` (written to summary.json as `bootstrap`). */
export const BOOTSTRAP_DEFAULTS = { resamples: 2000, seed: 0, level: 0.95 } as const

/**
 * Percentile bootstrap interval of the mean of `values`, slices resampled independently.
 *
 * @param values Per-slice numbers (e.g. soft Dice full − tiled), finite.
 * @returns [lower, upper], or null when there are no values.
 * @throws EngineError E_ARGS for resamples < 1, a non-integer seed, level outside (0, 1) or a non-finite value.
 */
export function bootstrapMeanCI(values: ArrayLike<number>, options: BootstrapOptions = {}): [number, number] | null {
  const { resamples, seed, level } = validate(options)
  const n = values.length
  checkFinite(values)
  if (n === 0) return null
  if (n >= 2 ** 21) throw new EngineError('E_ARGS', `bootstrap: ${n} values exceed the 2^21 supported`)
  const rng = xoroshiro128plus(seed)
  const means = new Float64Array(resamples)
  for (let b = 0; b < resamples; b++) {
    let sum = 0
    for (let i = 0; i < n; i++) sum += values[uniformIndex(n, rng)]
    means[b] = sum / n
  }
  return percentileInterval(means, level)
}

/**
 * Percentile bootstrap interval of the mean over slices, resampling whole clusters (studies).
 *
 * @param values   Per-slice numbers.
 * @param clusters Cluster key of each slice (same length), e.g. the study; slices of a key need not be adjacent.
 * @returns [lower, upper], or null when there are no values.
 * @throws EngineError E_ARGS as bootstrapMeanCI, or when the lengths differ.
 */
export function clusterBootstrapMeanCI(
  values: ArrayLike<number>,
  clusters: readonly string[],
  options: BootstrapOptions = {},
): [number, number] | null {
  const { resamples, seed, level } = validate(options)
  if (clusters.length !== values.length)
    throw new EngineError('E_ARGS', `bootstrap: ${values.length} values but ${clusters.length} cluster keys`)
  checkFinite(values)
  if (values.length === 0) return null
  const sums = new Map<string, { sum: number; count: number }>()
  for (let i = 0; i < values.length; i++) {
    const c = sums.get(clusters[i]) ?? { sum: 0, count: 0 }
    c.sum += values[i]
    c.count++
    sums.set(clusters[i], c)
  }
  const groups = [...sums.values()]
  const k = groups.length
  const rng = xoroshiro128plus(seed)
  const means = new Float64Array(resamples)
  for (let b = 0; b < resamples; b++) {
    let sum = 0
    let count = 0
    for (let i = 0; i < k; i++) {
      const g = groups[uniformIndex(k, rng)]
      sum += g.sum
      count += g.count
    }
    means[b] = sum / count
  }
  return percentileInterval(means, level)
}

const TWO_32 = 4294967296

/**
 * A uniform integer in [0, n) from a 32-bit generator, exactly uniform (Lemire 2019, "Fast random integer generation
 * in an interval", with rejection). Valid for n < 2^21 (u·n stays an exact double).
 */
export function uniformIndex(n: number, rng: RandomGenerator): number {
  const threshold = (TWO_32 - n) % n
  for (;;) {
    const m = (rng.unsafeNext() >>> 0) * n
    if (m % TWO_32 >= threshold) return Math.floor(m / TWO_32)
  }
}

/**
 * Quantile with linear interpolation between order statistics (numpy 'linear'): position q·(n − 1).
 * @param sorted Finite numbers in ascending order, n ≥ 1.
 * @param q      In [0, 1].
 */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const samples = sorted
  const pos = q * (samples.length - 1)
  const lo = Math.floor(pos)
  const hi = Math.min(samples.length - 1, lo + 1)
  return samples[lo] + (samples[hi] - samples[lo]) * (pos - lo)
}

function percentileInterval(means: Float64Array, level: number): [number, number] {
  means.sort()
  return [quantile(means, (1 - level) / 2), quantile(means, (1 + level) / 2)]
}

function validate(o: BootstrapOptions): Required<BootstrapOptions> {
  const resamples = o.resamples ?? BOOTSTRAP_DEFAULTS.resamples
  const seed = o.seed ?? BOOTSTRAP_DEFAULTS.seed
  const level = o.level ?? BOOTSTRAP_DEFAULTS.level
  if (!Number.isInteger(resamples) || resamples < 1)
    throw new EngineError('E_ARGS', `bootstrap: resamples must be an integer ≥ 1, received ${resamples}`)
  if (!Number.isInteger(seed)) throw new EngineError('E_ARGS', `bootstrap: seed must be an integer, received ${seed}`)
  if (!(level > 0 && level < 1)) throw new EngineError('E_ARGS', `bootstrap: level must be in (0, 1), received ${level}`)
  return { resamples, seed, level }
}

function checkFinite(values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++)
    if (!Number.isFinite(values[i]))
      throw new EngineError('E_ARGS', `bootstrap: value ${i} is ${values[i]}, expected a finite number`)
}
