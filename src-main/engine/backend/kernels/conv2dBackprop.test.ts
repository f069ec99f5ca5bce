/**
 * The composed wasm kernels Conv2DBackpropFilter (wasm has none) and Conv2DBackpropInput (replaces the scalar
 * loop) against two references: the float64 loops of float64Reference.ts, and tfjs's cpu backend.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { initBackend } from '../initBackend'
import {
  conv2dBackpropFilter64,
  conv2dBackpropInput64,
  convGeometry,
  relativeError,
  seededValues,
} from './float64Reference'

type Pad = 'same' | 'valid'
type Case = [n: number, h: number, w: number, c: number, co: number, kh: number, kw: number, stride: number | [number, number], pad: Pad]

// Shapes cover every route of the composed kernels: stride 1 (3×3, 1×1, 5×5), kernel = stride (2×2/2, the
// U-Net's Conv2DTranspose, odd and even sides), general strides (3×3/2, 5×5/3), non-square kernels, and 'valid'
// convolutions that leave rows unread.
const CASES: Case[] = [
  [2, 9, 7, 3, 4, 3, 3, 1, 'same'],
  [2, 9, 7, 3, 4, 3, 3, 1, 'valid'],
  [3, 8, 8, 5, 2, 1, 1, 1, 'valid'],
  [2, 11, 10, 2, 3, 5, 5, 1, 'same'],
  [2, 8, 8, 4, 6, 2, 2, 2, 'same'],
  [2, 9, 7, 4, 3, 2, 2, 2, 'same'],
  [2, 9, 7, 4, 3, 2, 2, 2, 'valid'],
  [2, 9, 7, 3, 4, 3, 3, 2, 'same'],
  [2, 10, 9, 3, 4, 3, 3, 2, 'valid'],
  [2, 12, 11, 2, 3, 5, 5, 3, 'valid'],
  [2, 9, 8, 3, 2, 3, 2, 2, 'same'],
  [1, 16, 16, 8, 8, 3, 3, 1, 'same'],
  [2, 8, 9, 3, 4, 2, 1, [2, 1], 'same'],
  [2, 9, 9, 3, 4, 3, 1, [3, 1], 'valid'],
]

const TOL = 1e-5

function runKernel(backend: string, name: string, inputs: Record<string, Float32Array>, shapes: Record<string, number[]>, attrs: object): Float32Array {
  tf.setBackend(backend)
  const before = tf.memory().numTensors
  const out = tf.tidy(() => {
    const tensors = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v, shapes[k])]))
    return tf.engine().runKernel(name, tensors, attrs as tf.NamedAttrMap) as tf.Tensor
  })
  const values = out.dataSync() as Float32Array
  out.dispose()
  expect(tf.memory().numTensors).toBe(before)
  return values
}

beforeAll(async () => {
  const info = await initBackend('wasm')
  expect(info.name).toBe('wasm')
})

describe.each(CASES)('x [%i, %i, %i, %i] → %i channels, %i×%i kernel, stride %j, %s', (n, h, w, c, co, kh, kw, stride, pad) => {
  const g = convGeometry([n, h, w, c], [kh, kw, c, co], stride, pad)
  const x = seededValues(n * h * w * c, 1 + h * w)
  const filter = seededValues(kh * kw * c * co, 7 + c)
  const dy = seededValues(n * g.outH * g.outW * co, 13 + co)
  const dyShape = [n, g.outH, g.outW, co]

  it('Conv2DBackpropFilter on wasm matches float64 and the cpu backend', () => {
    const attrs = { strides: stride, pad, dataFormat: 'NHWC', filterShape: [kh, kw, c, co] }
    const shapes = { x: [n, h, w, c], dy: dyShape }
    const wasm = runKernel('wasm', 'Conv2DBackpropFilter', { x, dy }, shapes, attrs)
    const cpu = runKernel('cpu', 'Conv2DBackpropFilter', { x, dy }, shapes, attrs)
    const ref = conv2dBackpropFilter64(x, dy, g)
    expect(relativeError(wasm, ref)).toBeLessThan(TOL)
    expect(relativeError(wasm, cpu)).toBeLessThan(TOL)
  })

  it('Conv2DBackpropInput on wasm matches float64 and the cpu backend', () => {
    const attrs = { strides: stride, pad, dataFormat: 'NHWC', inputShape: [n, h, w, c] }
    const shapes = { dy: dyShape, filter: [kh, kw, c, co] }
    const wasm = runKernel('wasm', 'Conv2DBackpropInput', { dy, filter }, shapes, attrs)
    const cpu = runKernel('cpu', 'Conv2DBackpropInput', { dy, filter }, shapes, attrs)
    const ref = conv2dBackpropInput64(dy, filter, g)
    expect(relativeError(wasm, ref)).toBeLessThan(TOL)
    expect(relativeError(wasm, cpu)).toBeLessThan(TOL)
  })
})

describe('composed kernels inside tfjs', () => {
  it('give conv2d the same gradients on wasm as on cpu, and free every intermediate', () => {
    const x = seededValues(2 * 12 * 12 * 3, 3)
    const w = seededValues(3 * 3 * 3 * 4, 5)
    const grads = (backend: string) => {
      tf.setBackend(backend)
      const dataIds = tf.engine().backend.numDataIds()
      const out = tf.tidy(() => {
        const f = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same').square().sum()
        const [dx, dw] = tf.grads(f)([tf.tensor4d(x, [2, 12, 12, 3]), tf.tensor4d(w, [3, 3, 3, 4])])
        return [dx.dataSync().slice(), dw.dataSync().slice()]
      })
      return { out, leaked: tf.engine().backend.numDataIds() - dataIds }
    }
    const onWasm = grads('wasm')
    const onCpu = grads('cpu')
    expect(onWasm.leaked).toBe(0)
    expect(relativeError(onWasm.out[0], onCpu.out[0])).toBeLessThan(TOL)
    expect(relativeError(onWasm.out[1], onCpu.out[1])).toBeLessThan(TOL)
    tf.setBackend('wasm')
  })

  it('run conv2dTranspose (2×2, stride 2) as the U-Net uses it', () => {
    const x = seededValues(2 * 15 * 15 * 8, 9)
    const w = seededValues(2 * 2 * 4 * 8, 11)
    const run = (backend: string) => {
      tf.setBackend(backend)
      return tf.tidy(() =>
        tf.conv2dTranspose(tf.tensor4d(x, [2, 15, 15, 8]), tf.tensor4d(w, [2, 2, 4, 8]), [2, 30, 30, 4], 2, 'same').dataSync(),
      )
    }
    const onWasm = run('wasm')
    const g = convGeometry([2, 30, 30, 4], [2, 2, 4, 8], 2, 'same')
    expect(relativeError(onWasm, conv2dBackpropInput64(x, w, g))).toBeLessThan(TOL)
    expect(relativeError(onWasm, run('cpu'))).toBeLessThan(TOL)
    tf.setBackend('wasm')
  })
})
