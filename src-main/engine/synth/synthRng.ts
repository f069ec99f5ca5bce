/**
 * Deterministic random streams of the synthetic cohort. Every random draw of case i of a cohort comes from a
 * stream keyed by (cohort seed, case index, stream name), never from Math.random: the same seed gives byte-identical
 * files, and case i is the same whether cases 0..N-1 are made in one run or one at a time.
 *
 * @source pure-rand xoroshiro128+ (state seeded from a murmur3-style 32-bit mix of the key).
 */
import { xoroshiro128plus, type RandomGenerator } from 'pure-rand'
import { EngineError } from '../../common/errors'

/** Names of the independent streams of one case (anatomy draws never shift when lesion draws change). */
export type SynthStream = 'anatomy' | 'lesions' | 'noise' | 'texture' | 'lesionShape'

const STREAM_IDS: Record<SynthStream, number> = { anatomy: 1, lesions: 2, noise: 3, texture: 4, lesionShape: 5 }
const TWO_POW_32 = 4294967296

/** A seeded stream of uniform and normal draws (mutable; one per use site). */
export class SynthRng {
  private spareNormal: number | null = null

  constructor(private readonly gen: RandomGenerator) {}

  /** Uniform in [0, 1), 32 bits of resolution. */
  uniform(): number {
    return (this.gen.unsafeNext() >>> 0) / TWO_POW_32
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform()
  }

  /** Log-uniform in [lo, hi), lo > 0: as many draws per octave at small and at large values. */
  logRange(lo: number, hi: number): number {
    return lo * Math.exp(Math.log(hi / lo) * this.uniform())
  }

  /** Integer uniform in [lo, hi] (both included). */
  int(lo: number, hi: number): number {
    return lo + Math.min(hi - lo, Math.floor((hi - lo + 1) * this.uniform()))
  }

  /** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== null) {
      const s = this.spareNormal
      this.spareNormal = null
      return s
    }
    const u = 1 - this.uniform()
    const r = Math.sqrt(-2 * Math.log(u))
    const t = 2 * Math.PI * this.uniform()
    this.spareNormal = r * Math.sin(t)
    return r * Math.cos(t)
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.uniform() < p
  }

  /** Picks an entry of `weights` (non-negative, not all zero) with probability proportional to its weight. */
  weighted<T extends string>(weights: Record<T, number>): T {
    const keys = Object.keys(weights) as T[]
    const total = keys.reduce((s, k) => s + weights[k], 0)
    let u = this.uniform() * total
    for (const k of keys) {
      u -= weights[k]
      if (u < 0) return k
    }
    return keys[keys.length - 1]
  }

  /** Raw 32-bit draw, for hot loops (noise of every voxel). */
  nextUint32(): number {
    return this.gen.unsafeNext() >>> 0
  }
}

/**
 * The random stream `stream` of case `caseIndex` of the cohort seeded with `seed`.
 *
 * @param seed Cohort seed, an integer in [0, 2^32).
 * @param caseIndex Zero-based case index (case id SYNTH_0001 is index 0).
 * @throws EngineError E_ARGS if seed or caseIndex is not a non-negative safe integer below 2^32.
 */
export function caseRng(seed: number, caseIndex: number, stream: SynthStream): SynthRng {
  for (const [name, v] of [['seed', seed], ['caseIndex', caseIndex]] as const)
    if (!Number.isInteger(v) || v < 0 || v >= TWO_POW_32)
      throw new EngineError('E_ARGS', `synthRng.ts: ${name} must be an integer in [0, 2^32), got ${v}`)
  const key = [seed >>> 0, caseIndex >>> 0, STREAM_IDS[stream]]
  const state: number[] = [0, 1, 2, 3].map((w) => mix32([...key, w]) | 0)
  if (!state.some((s) => s !== 0)) state[0] = 1
  return new SynthRng(xoroshiro128plus.fromState(state))
}

/** murmur3-style 32-bit hash of a list of 32-bit words. */
export function mix32(words: number[]): number {
  let h = 0x9e3779b9
  for (const w of words) {
    let k = Math.imul(w >>> 0, 0xcc9e2d51)
    k = (k << 15) | (k >>> 17)
    h ^= Math.imul(k, 0x1b873593)
    h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0
  }
  h ^= words.length * 4
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}
