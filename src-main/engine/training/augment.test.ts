import { describe, expect, it } from 'vitest'
import { applyTransform, drawTransform, transformedShape, DEFAULT_AUGMENT, type Transform } from './augment'
import { rngFor } from './random'

/** numpy-style reference ops on a row-major [h, w] array, one at a time. */
function fliplr(a: number[], h: number, w: number): number[] {
  return a.map((_, i) => a[Math.floor(i / w) * w + (w - 1 - (i % w))])
}
function flipud(a: number[], h: number, w: number): number[] {
  return a.map((_, i) => a[(h - 1 - Math.floor(i / w)) * w + (i % w)])
}
/** np.rot90(m, 1): out[i, j] = m[j, w − 1 − i], shape [w, h]. */
function rot90(a: number[], h: number, w: number): { a: number[]; h: number; w: number } {
  const out = new Array<number>(a.length)
  for (let i = 0; i < w; i++) for (let j = 0; j < h; j++) out[i * h + j] = a[j * w + (w - 1 - i)]
  return { a: out, h: w, w: h }
}
function reference(src: number[], h: number, w: number, t: Transform): number[] {
  let a = src
  if (t.flipLeftRight) a = fliplr(a, h, w)
  if (t.flipUpDown) a = flipud(a, h, w)
  let cur = { a, h, w }
  for (let k = 0; k < t.k; k++) cur = rot90(cur.a, cur.h, cur.w)
  return cur.a
}

const ALL: Transform[] = [false, true].flatMap((flipLeftRight) =>
  [false, true].flatMap((flipUpDown) => [0, 1, 2, 3].map((k) => ({ flipLeftRight, flipUpDown, k }))),
)

describe('applyTransform', () => {
  it('matches numpy: rot90([[1,2,3],[4,5,6]]) = [[3,6],[2,5],[1,4]]', () => {
    const out = applyTransform(new Float32Array([1, 2, 3, 4, 5, 6]), 2, 3, { flipLeftRight: false, flipUpDown: false, k: 1 }, new Float32Array(6))
    expect([...out]).toEqual([3, 6, 2, 5, 1, 4])
    expect(transformedShape(2, 3, { flipLeftRight: false, flipUpDown: false, k: 1 })).toEqual([3, 2])
  })

  it('equals the composition of numpy flips and rotations for all 16 combinations (square and non-square)', () => {
    for (const [h, w] of [
      [5, 5],
      [3, 4],
    ]) {
      const src = Array.from({ length: h * w }, (_, i) => i + 1)
      for (const t of ALL) {
        const got = applyTransform(new Float32Array(src), h, w, t, new Float32Array(h * w))
        expect([...got], JSON.stringify({ h, w, t })).toEqual(reference(src, h, w, t))
      }
    }
  })

  it('keeps image and mask aligned: a marker pixel lands on the same output pixel in both, for every transform', () => {
    const h = 7
    const w = 7
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        const image = new Float32Array(h * w).fill(-1)
        const mask = new Uint8Array(h * w)
        image[r * w + c] = 5
        mask[r * w + c] = 1
        for (const t of ALL) {
          const oi = applyTransform(image, h, w, t, new Float32Array(h * w))
          const om = applyTransform(mask, h, w, t, new Float32Array(h * w)) // a uint8 mask into a float32 batch
          const at = oi.indexOf(5)
          expect(at).toBeGreaterThanOrEqual(0)
          expect(om.indexOf(1)).toBe(at)
          expect(om.reduce((a, b) => a + b, 0)).toBe(1)
        }
      }
    }
  })

  it('writes at an offset inside a batch buffer and rejects wrong shapes', () => {
    const out = new Float32Array(8)
    applyTransform(new Uint8Array([1, 2, 3, 4]), 2, 2, { flipLeftRight: true, flipUpDown: false, k: 0 }, out, 4)
    expect([...out]).toEqual([0, 0, 0, 0, 2, 1, 4, 3])
    expect(() => applyTransform(new Float32Array(3), 2, 2, ALL[0], new Float32Array(4))).toThrow(/E_SHAPE|3 pixels/)
    expect(() => applyTransform(new Float32Array(4), 2, 2, ALL[0], new Float32Array(4), 1)).toThrow(/need 4/)
  })
})

describe('drawTransform', () => {
  const count = (mode: 'dihedral' | 'paper', n: number, cfg = DEFAULT_AUGMENT) => {
    const rng = rngFor(7, 'test')
    const freq = new Map<string, number>()
    for (let i = 0; i < n; i++) {
      const t = drawTransform(rng, { ...cfg, mode })
      // canonical element of the dihedral group: where the corners go
      const key = [...applyTransform(new Float32Array([1, 2, 3, 4]), 2, 2, t, new Float32Array(4))].join('')
      freq.set(key, (freq.get(key) ?? 0) + 1)
    }
    return freq
  }

  it('dihedral: all 8 flips/rotations, each with p ≈ 1/8', () => {
    const n = 16000
    const freq = count('dihedral', n)
    expect(freq.size).toBe(8)
    for (const v of freq.values()) expect(Math.abs(v / n - 1 / 8)).toBeLessThan(0.015)
  })

  it("paper: identity 0.625, left-right 0.125, rot90 0.125, both 0.125, never up-down", () => {
    const n = 16000
    const freq = count('paper', n)
    expect(freq.size).toBe(4)
    expect((freq.get('1234') ?? 0) / n).toBeCloseTo(0.625, 1)
    expect(Math.abs((freq.get('2143') ?? 0) / n - 0.125)).toBeLessThan(0.015) // left-right flip
    expect(Math.abs((freq.get('2413') ?? 0) / n - 0.125)).toBeLessThan(0.015) // rot90 (numpy, counter-clockwise)
    const rng = rngFor(1, 'x')
    for (let i = 0; i < 500; i++) expect(drawTransform(rng, { ...DEFAULT_AUGMENT, mode: 'paper' }).flipUpDown).toBe(false)
  })

  it('switches turn parts off; none is the identity; non-square images rotate by 0 or 180 only', () => {
    const rng = rngFor(3, 'y')
    for (let i = 0; i < 300; i++) {
      const t = drawTransform(rng, { mode: 'dihedral', flipLeftRight: false, flipUpDown: false, rotate90: true })
      expect(t.flipLeftRight || t.flipUpDown).toBe(false)
      const u = drawTransform(rng, { ...DEFAULT_AUGMENT, rotate90: false })
      expect(u.k).toBe(0)
      expect(drawTransform(rng, { ...DEFAULT_AUGMENT, mode: 'none' })).toEqual({ flipLeftRight: false, flipUpDown: false, k: 0 })
      expect(drawTransform(rng, DEFAULT_AUGMENT, false).k % 2).toBe(0)
    }
  })
})
