/**
 * Seeded randomness for training. Every random choice of a run (patient split, slice picks, crop offsets,
 * augmentation) comes from a generator derived from (seed, purpose, epoch, step, …), so the draws of a step are a
 * pure function of those numbers: a resumed run continues exactly the sequence of an uninterrupted one without
 * storing any generator state.
 *
 * @source pure-rand (xoroshiro128+, uniform integer distribution without modulo bias); murmur3 `fmix32` for
 *   mixing the keys into a 32-bit seed (Appleby, MurmurHash3).
 */
import { unsafeUniformIntDistribution, xoroshiro128plus, type RandomGenerator } from 'pure-rand'
import { EngineError } from '../../common/errors'

export type { RandomGenerator }

/** murmur3's 32-bit finaliser: a bijection on uint32 with full avalanche. */
function fmix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** Folds a non-negative integer of up to 53 bits into the running hash, 32 bits at a time. */
function mix(h: number, key: number): number {
  const lo = key >>> 0
  const hi = Math.floor(key / 0x100000000) >>> 0
  h = fmix32((h ^ lo) + 0x9e3779b9)
  return fmix32((h ^ hi) + 0x7f4a7c15)
}

/** Key of a purpose string (e.g. 'split', 'batch'), a small stable integer hash. */
function stringKey(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/**
 * A generator for one purpose and position: the same arguments always give the same sequence.
 *
 * @param seed    The run's seed, integer in [0, 2^53).
 * @param purpose What the draws are for ('split', 'batch', …), so purposes never share a sequence.
 * @param keys    Position, e.g. (epoch, step); non-negative integers.
 * @throws EngineError E_ARGS naming a seed or key that is not a non-negative safe integer.
 */
export function rngFor(seed: number, purpose: string, ...keys: number[]): RandomGenerator {
  let h = mix(0x1b873593, checkKey(seed, 'seed'))
  h = mix(h, stringKey(purpose))
  for (const k of keys) h = mix(h, checkKey(k, 'key'))
  return xoroshiro128plus(h | 0)
}

function checkKey(v: number, what: string): number {
  if (!Number.isSafeInteger(v) || v < 0)
    throw new EngineError('E_ARGS', `random: ${what} must be a non-negative integer, received ${v}`)
  return v
}

/** Uniform integer in [lo, hi] (both ends included); advances `rng` in place. */
export function randomInt(rng: RandomGenerator, lo: number, hi: number): number {
  return unsafeUniformIntDistribution(lo, hi, rng)
}

/** A fair coin with P(true) = num / den (integers, 0 ≤ num ≤ den); advances `rng` in place. */
export function chance(rng: RandomGenerator, num: number, den: number): boolean {
  return randomInt(rng, 0, den - 1) < num
}

/**
 * `k` distinct indices drawn uniformly without replacement from [0, n), in draw order: the first k entries of a
 * uniformly random permutation (a partial Fisher–Yates shuffle with a sparse swap table, O(k) time and memory),
 * like numpy's `permutation(n)[:k]` in the paper's batch generator.
 *
 * @throws EngineError E_ARGS when k > n or either is not a non-negative integer.
 * @source paper-spec §3 (`get_batch`: permutation, first batch_size); Fisher & Yates / Durstenfeld.
 */
export function sampleDistinct(rng: RandomGenerator, n: number, k: number): number[] {
  if (!Number.isInteger(n) || !Number.isInteger(k) || n < 0 || k < 0 || k > n)
    throw new EngineError('E_ARGS', `sampleDistinct: need integers 0 ≤ k ≤ n, received k = ${k}, n = ${n}`)
  const swapped = new Map<number, number>()
  const out: number[] = []
  for (let i = 0; i < k; i++) {
    const j = randomInt(rng, i, n - 1)
    const vi = swapped.get(i) ?? i
    const vj = swapped.get(j) ?? j
    swapped.set(j, vi)
    out.push(vj)
  }
  return out
}

/** A uniformly random permutation of `items` (a new array); advances `rng`. */
export function shuffled<T>(rng: RandomGenerator, items: readonly T[]): T[] {
  return sampleDistinct(rng, items.length, items.length).map((i) => items[i])
}
