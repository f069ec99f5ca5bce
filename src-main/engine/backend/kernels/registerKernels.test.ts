import { expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { initBackend } from '../initBackend'
import { conv2dBackpropInputWasm } from './conv2dBackpropInput'
import { registerWasmKernels } from './registerKernels'

it("registers TileLab's wasm kernels, and can switch to tfjs-wasm's own ones for the benchmark's 'before'", async () => {
  await initBackend('wasm')
  const ours = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad', 'ResizeNearestNeighborGrad']
  expect(registerWasmKernels()).toEqual(ours)
  expect(tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc).toBe(conv2dBackpropInputWasm)
  expect(registerWasmKernels({ kernels: 'stock' })).toEqual(['Conv2DBackpropFilter'])
  expect(tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc).not.toBe(conv2dBackpropInputWasm)
  // The stock kernel still works after being re-registered.
  const dx = tf.tidy(() => tf.conv2dTranspose(tf.ones([1, 2, 2, 1]) as tf.Tensor4D, tf.ones([2, 2, 1, 1]) as tf.Tensor4D, [1, 4, 4, 1], 2, 'same').sum().dataSync()[0])
  expect(dx).toBe(16)
  expect(registerWasmKernels({ kernels: 'fast' })).toEqual(ours)
})
