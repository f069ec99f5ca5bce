import { expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { initBackend } from './initBackend'
import { nodeThreadsUnavailableReason, THREADS_VERIFIED_WASM_VERSION, unrefPthreadWorkers } from './wasmNodeThreads'

it('attempts threads only on the tfjs-backend-wasm version the workaround was verified with', () => {
  expect(nodeThreadsUnavailableReason(THREADS_VERIFIED_WASM_VERSION)).toBeNull()
  expect(nodeThreadsUnavailableReason('4.23.0')).toBe(
    'the Node thread workaround is verified for tfjs-backend-wasm 4.22.0, found 4.23.0',
  )
})

it('runs one plain (unthreaded) wasm thread when TILELAB_WASM_THREADS=1, and says so', async () => {
  process.env.TILELAB_WASM_THREADS = '1'
  const info = await initBackend('wasm')
  delete process.env.TILELAB_WASM_THREADS
  expect(info.wasm).toEqual({ threads: 1, simd: true, threadsReason: '1 thread requested (TILELAB_WASM_THREADS)' })
  expect(unrefPthreadWorkers((tf.backend() as unknown as { wasm: unknown }).wasm)).toBe(0)
  // Same numbers as with threads: a 3×3 'same' conv of ones.
  const y = tf.tidy(() => tf.conv2d(tf.ones([1, 8, 8, 2]) as tf.Tensor4D, tf.ones([3, 3, 2, 1]) as tf.Tensor4D, 1, 'same').sum().dataSync()[0])
  expect(y).toBe(2 * (6 * 6 * 9 + 4 * 6 * 6 + 4 * 4))
})
