/**
 * The U-Net's other backward kernels: ResizeNearestNeighborGrad (UpSampling2D) and MaxPoolGrad, on wasm (stock,
 * kept) and on cpu (ResizeNearestNeighborGrad replaced), against references that use no tfjs gradient code.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { initBackend } from '../initBackend'
import { maxPool2x2Grad64, relativeError, seededValues } from './float64Reference'
import { stockKernel } from './kernelScope'

beforeAll(async () => {
  await initBackend('wasm')
})

/** dx of UpSampling2D(×2, nearest) is the 2×2 sum of dy: computed by hand, in float64. */
function upsample2xGrad64(dy: Float32Array, n: number, h: number, w: number, c: number): Float64Array {
  const dx = new Float64Array(n * h * w * c)
  for (let b = 0; b < n; b++)
    for (let i = 0; i < 2 * h; i++)
      for (let j = 0; j < 2 * w; j++)
        for (let d = 0; d < c; d++) dx[((b * h + (i >> 1)) * w + (j >> 1)) * c + d] += dy[((b * 2 * h + i) * 2 * w + j) * c + d]
  return dx
}

function resizeGrad(backend: string, x: Float32Array, xShape: number[], dy: Float32Array, size: [number, number], opts: { alignCorners: boolean; halfPixelCenters: boolean }): Float32Array {
  tf.setBackend(backend)
  const before = tf.memory().numTensors
  const out = tf.tidy(() => {
    const f = (t: tf.Tensor) => tf.image.resizeNearestNeighbor(t as tf.Tensor4D, size, opts.alignCorners, opts.halfPixelCenters)
    return tf.grad(f)(tf.tensor4d(x, xShape as [number, number, number, number]), tf.tensor4d(dy, [xShape[0], size[0], size[1], xShape[3]])).dataSync() as Float32Array
  })
  expect(tf.memory().numTensors).toBe(before)
  return out
}

const UPSAMPLE_SHAPES: [number, number, number, number][] = [
  [1, 2, 2, 1],
  [2, 3, 5, 3],
  [2, 15, 15, 4],
  [3, 8, 6, 2],
]

describe.each(['wasm', 'cpu'])('ResizeNearestNeighborGrad on %s', (backend) => {
  it.each(UPSAMPLE_SHAPES)('×2 upsampling of [%i, %i, %i, %i] sums dy over 2×2 blocks (float64 by hand)', (n, h, w, c) => {
    const x = seededValues(n * h * w * c, 3)
    const dy = seededValues(n * 4 * h * w * c, 5)
    const got = resizeGrad(backend, x, [n, h, w, c], dy, [2 * h, 2 * w], { alignCorners: false, halfPixelCenters: false })
    expect(relativeError(got, upsample2xGrad64(dy, n, h, w, c))).toBeLessThan(1e-6)
  })

  // Any size and option: the gradient is the adjoint of the forward resize, <resize(x), dy> = <x, dx>.
  it.each([
    [5, 7, false, false],
    [7, 5, false, false],
    [5, 9, true, false],
    [6, 11, false, true],
  ] as const)('is the adjoint of the forward resize (%i → %i, alignCorners %s, halfPixelCenters %s)', (inSize, outSize, alignCorners, halfPixelCenters) => {
    const shape = [2, inSize, inSize + 1, 3]
    const size: [number, number] = [outSize, outSize + 2]
    const x = seededValues(2 * inSize * (inSize + 1) * 3, 17)
    const dy = seededValues(2 * size[0] * size[1] * 3, 19)
    const dx = resizeGrad(backend, x, shape, dy, size, { alignCorners, halfPixelCenters })
    tf.setBackend(backend)
    const y = tf.tidy(() => tf.image.resizeNearestNeighbor(tf.tensor4d(x, shape as [number, number, number, number]), size, alignCorners, halfPixelCenters).dataSync())
    let lhs = 0
    let rhs = 0
    for (let i = 0; i < y.length; i++) lhs += y[i] * dy[i]
    for (let i = 0; i < x.length; i++) rhs += x[i] * dx[i]
    expect(Math.abs(lhs - rhs) / Math.max(1, Math.abs(lhs))).toBeLessThan(1e-5)
  })
})

it("the stock cpu ResizeNearestNeighborGrad is wrong (why TileLab replaces it)", () => {
  const [n, h, w, c] = [2, 3, 5, 3]
  const dy = seededValues(n * 4 * h * w * c, 5)
  const stock = stockKernel('ResizeNearestNeighborGrad', 'cpu')
  expect(stock).toBeDefined()
  tf.setBackend('cpu')
  const got = tf.tidy(() => {
    const images = tf.zeros([n, h, w, c])
    const dyT = tf.tensor4d(dy, [n, 2 * h, 2 * w, c])
    const info = stock!({ inputs: { images, dy: dyT }, backend: tf.backend(), attrs: { alignCorners: false, halfPixelCenters: false } }) as tf.TensorInfo
    return tf.engine().makeTensorFromTensorInfo(info).dataSync()
  })
  expect(relativeError(got, upsample2xGrad64(dy, n, h, w, c))).toBeGreaterThan(0.1)
  tf.setBackend('wasm')
})

describe('MaxPoolGrad (2×2, stride 2) on wasm', () => {
  it.each([
    ['distinct values', 0],
    ['ReLU outputs, many tied zeros', 1],
  ] as const)('routes dy to the window maximum: %s', (_label, relu) => {
    const shape: [number, number, number, number] = [2, 8, 10, 3]
    let x = seededValues(2 * 8 * 10 * 3, 23)
    if (relu) x = x.map((v) => Math.max(0, v))
    const dy = seededValues(2 * 4 * 5 * 3, 29)
    tf.setBackend('wasm')
    const dx = tf.tidy(() =>
      tf.grad((t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'))(tf.tensor4d(x, shape), tf.tensor4d(dy, [2, 4, 5, 3])).dataSync(),
    )
    expect(relativeError(dx, maxPool2x2Grad64(x, dy, shape))).toBeLessThan(1e-6)
  })
})

it('MaxPoolGrad on wasm matches the cpu backend for 3×3 stride-2 "same" pooling of negative values', () => {
  const shape: [number, number, number, number] = [2, 9, 7, 3]
  const x = seededValues(2 * 9 * 7 * 3, 31).map((v) => v - 1) // all negative: the stock wasm kernel drops these
  const dy = seededValues(2 * 5 * 4 * 3, 37)
  const run = (backend: string) => {
    tf.setBackend(backend)
    return tf.tidy(() =>
      tf.grad((t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, 3, 2, 'same'))(tf.tensor4d(x, shape), tf.tensor4d(dy, [2, 5, 4, 3])).dataSync(),
    )
  }
  const onWasm = run('wasm')
  expect(relativeError(onWasm, run('cpu'))).toBeLessThan(1e-6)
  tf.setBackend('wasm')
})
