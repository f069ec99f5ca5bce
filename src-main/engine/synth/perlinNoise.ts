/**
 * Smooth 3D gradient noise (Perlin's improved noise with a seeded permutation and random unit gradients) for the
 * synthetic anatomy: the cortical folding pattern, irregular lesion borders, tissue texture.
 *
 * @source K. Perlin, "Improving Noise", SIGGRAPH 2002 (quintic fade, hashed lattice gradients).
 */
import type { SynthRng } from './synthRng'

/** A seeded noise function of period 256 lattice cells per axis. */
export interface Noise3 {
  /**
   * Noise at (x, y, z) in lattice units (one cell = one feature wavelength, roughly), scaled to standard
   * deviation ~1 over space; values stay within about ±3.5. Smooth (C2) everywhere.
   */
  at(x: number, y: number, z: number): number
}

/**
 * Standard deviation of the raw noise with unit gradients (measured over 10^6 random points: 0.192), used to
 * rescale the output to unit standard deviation. Values stay within about ±3.5.
 */
const RAW_STD = 0.192
/** Mean magnitude of the gradient of `at` per lattice unit (measured likewise), for |noise| → distance. */
export const NOISE_GRADIENT_PER_CELL = 4.2

/**
 * A new noise function drawn from `rng` (consumes 256 + 3·256 draws).
 *
 * @returns Noise3 whose `at` is a pure function of its arguments.
 */
export function createNoise3(rng: SynthRng): Noise3 {
  const perm = new Uint8Array(512)
  const p = new Uint8Array(256)
  for (let i = 0; i < 256; i++) p[i] = i
  for (let i = 255; i > 0; i--) {
    const j = rng.int(0, i)
    const t = p[i]
    p[i] = p[j]
    p[j] = t
  }
  for (let i = 0; i < 512; i++) perm[i] = p[i & 255]
  const grad = new Float64Array(768)
  for (let i = 0; i < 256; i++) {
    let gx = rng.normal(), gy = rng.normal(), gz = rng.normal()
    const n = Math.hypot(gx, gy, gz) || 1
    grad[3 * i] = gx / n
    grad[3 * i + 1] = gy / n
    grad[3 * i + 2] = gz / n
  }
  const scale = 1 / RAW_STD

  const dot = (h: number, x: number, y: number, z: number): number => {
    const g = 3 * h
    return grad[g] * x + grad[g + 1] * y + grad[g + 2] * z
  }

  return {
    at(x: number, y: number, z: number): number {
      const fx0 = Math.floor(x), fy0 = Math.floor(y), fz0 = Math.floor(z)
      const X = fx0 & 255, Y = fy0 & 255, Z = fz0 & 255
      const fx = x - fx0, fy = y - fy0, fz = z - fz0
      const u = fx * fx * fx * (fx * (fx * 6 - 15) + 10)
      const v = fy * fy * fy * (fy * (fy * 6 - 15) + 10)
      const w = fz * fz * fz * (fz * (fz * 6 - 15) + 10)
      const A = perm[X] + Y, AA = perm[A] + Z, AB = perm[A + 1] + Z
      const B = perm[X + 1] + Y, BA = perm[B] + Z, BB = perm[B + 1] + Z
      const x1 = fx - 1, y1 = fy - 1, z1 = fz - 1
      const n000 = dot(perm[AA], fx, fy, fz), n100 = dot(perm[BA], x1, fy, fz)
      const n010 = dot(perm[AB], fx, y1, fz), n110 = dot(perm[BB], x1, y1, fz)
      const n001 = dot(perm[AA + 1], fx, fy, z1), n101 = dot(perm[BA + 1], x1, fy, z1)
      const n011 = dot(perm[AB + 1], fx, y1, z1), n111 = dot(perm[BB + 1], x1, y1, z1)
      const nx00 = n000 + u * (n100 - n000), nx10 = n010 + u * (n110 - n010)
      const nx01 = n001 + u * (n101 - n001), nx11 = n011 + u * (n111 - n011)
      const nxy0 = nx00 + v * (nx10 - nx00), nxy1 = nx01 + v * (nx11 - nx01)
      return (nxy0 + w * (nxy1 - nxy0)) * scale
    },
  }
}
