/**
 * Float64 reference implementations of the U-Net's backward kernels, for the kernel tests and the bench.
 * Straight loops over the defining sums, NHWC, no tfjs: an oracle independent of every backend.
 *
 * Padding follows TensorFlow: output pixel i reads input rows i·s + a − top (a = 0..kh−1); `top`, `left` and
 * the output size come from tfjs's computeConv2DInfo for 'same' / 'valid'.
 */
import * as tf from '@tensorflow/tfjs'

/** Geometry of one 2D convolution (NHWC, filter [kh, kw, C, Co]). */
export interface ConvGeometry {
  n: number
  h: number
  w: number
  c: number
  kh: number
  kw: number
  co: number
  sh: number
  sw: number
  top: number
  left: number
  outH: number
  outW: number
}

/** Geometry of conv2d(x [N, H, W, C], w [kh, kw, C, Co], stride, 'same' | 'valid'), padding by tfjs's rule. */
export function convGeometry(
  xShape: readonly [number, number, number, number],
  filterShape: readonly [number, number, number, number],
  stride: number | [number, number],
  pad: 'same' | 'valid',
): ConvGeometry {
  const info = tf.backend_util.computeConv2DInfo([...xShape], [...filterShape], stride, 1, pad)
  const [n, h, w, c] = xShape
  const [kh, kw, , co] = filterShape
  return {
    n, h, w, c, kh, kw, co,
    sh: info.strideHeight,
    sw: info.strideWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
    outH: info.outHeight,
    outW: info.outWidth,
  }
}

/** y[n, i, j, co] = Σ x[n, i·sh + a − top, j·sw + b − left, ci] · w[a, b, ci, co]. Returns [N, outH, outW, Co]. */
export function conv2d64(x: ArrayLike<number>, w: ArrayLike<number>, g: ConvGeometry): Float64Array {
  const y = new Float64Array(g.n * g.outH * g.outW * g.co)
  forEachTap(g, (yi, xi, wi) => {
    for (let co = 0; co < g.co; co++) y[yi + co] += x[xi] * w[wi + co]
  })
  return y
}

/** dw[a, b, ci, co] = Σ_{n,i,j} x[n, i·sh + a − top, j·sw + b − left, ci] · dy[n, i, j, co]. Returns [kh, kw, C, Co]. */
export function conv2dBackpropFilter64(x: ArrayLike<number>, dy: ArrayLike<number>, g: ConvGeometry): Float64Array {
  const dw = new Float64Array(g.kh * g.kw * g.c * g.co)
  forEachTap(g, (yi, xi, wi) => {
    const xv = x[xi]
    for (let co = 0; co < g.co; co++) dw[wi + co] += xv * dy[yi + co]
  })
  return dw
}

/** dx[n, r, c, ci] = Σ dy[n, i, j, co] · w[a, b, ci, co] over taps with i·sh + a − top = r. Returns [N, H, W, C]. */
export function conv2dBackpropInput64(dy: ArrayLike<number>, w: ArrayLike<number>, g: ConvGeometry): Float64Array {
  const dx = new Float64Array(g.n * g.h * g.w * g.c)
  forEachTap(g, (yi, xi, wi) => {
    let acc = 0
    for (let co = 0; co < g.co; co++) acc += dy[yi + co] * w[wi + co]
    dx[xi] += acc
  })
  return dx
}

/** Calls f(offset of y[n,i,j,0], offset of x[n,r,c,ci], offset of w[a,b,ci,0]) for every in-bounds tap. */
function forEachTap(g: ConvGeometry, f: (yi: number, xi: number, wi: number) => void): void {
  for (let n = 0; n < g.n; n++)
    for (let i = 0; i < g.outH; i++)
      for (let j = 0; j < g.outW; j++) {
        const yi = ((n * g.outH + i) * g.outW + j) * g.co
        for (let a = 0; a < g.kh; a++) {
          const r = i * g.sh + a - g.top
          if (r < 0 || r >= g.h) continue
          for (let b = 0; b < g.kw; b++) {
            const c = j * g.sw + b - g.left
            if (c < 0 || c >= g.w) continue
            for (let ci = 0; ci < g.c; ci++) f(yi, ((n * g.h + r) * g.w + c) * g.c + ci, ((a * g.kw + b) * g.c + ci) * g.co)
          }
        }
      }
}

/**
 * Gradient of a 2×2 stride-2 'valid' max-pool: dy goes to the window's maximum; ties go to the first maximum in
 * row-major window order (TensorFlow's rule). x is [N, H, W, C]; returns dx of the same shape.
 */
export function maxPool2x2Grad64(x: ArrayLike<number>, dy: ArrayLike<number>, shape: readonly number[]): Float64Array {
  const [n, h, w, c] = shape
  const oh = Math.floor(h / 2)
  const ow = Math.floor(w / 2)
  const dx = new Float64Array(n * h * w * c)
  const at = (b: number, r: number, col: number, d: number) => ((b * h + r) * w + col) * c + d
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let d = 0; d < c; d++) {
          let best = at(b, 2 * i, 2 * j, d)
          for (const [da, db] of [[0, 1], [1, 0], [1, 1]]) {
            const k = at(b, 2 * i + da, 2 * j + db, d)
            if (x[k] > x[best]) best = k
          }
          dx[best] += dy[((b * oh + i) * ow + j) * c + d]
        }
  return dx
}

/** max |a − b| / max |b|: the relative error used by every kernel test (0 when both are all zero). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity
  let err = 0
  let scale = 0
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]))
    scale = Math.max(scale, Math.abs(b[i]))
  }
  return scale === 0 ? err : err / scale
}

/** Deterministic values in [−1, 1) (a 32-bit LCG), for reproducible test tensors without tfjs's RNG. */
export function seededValues(length: number, seed: number): Float32Array {
  const out = new Float32Array(length)
  let s = seed >>> 0 || 1
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    out[i] = s / 2 ** 31 - 1
  }
  return out
}
