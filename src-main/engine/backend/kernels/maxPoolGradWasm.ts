/**
 * A correct `MaxPoolGrad` for the wasm backend.
 *
 * The stock wasm kernel (tfjs-backend-wasm 4.22, MaxPoolGrad.cc) starts each window's running maximum at
 * `std::numeric_limits<float>::min()` (the smallest *positive* float, not the lowest) and keeps the *last* of
 * tied maxima: a window whose values are all ≤ 0 passes its gradient to no pixel at all, and ties go to a different
 * pixel than TensorFlow's. This kernel follows TensorFlow: the window maximum starts at −∞ (padding never wins)
 * and dy goes to the *first* maximum in row-major window order. Any filter size, stride, dilation and padding.
 *
 * Plain JS over the wasm heap (one pass over the windows); its cost is small next to the backward convolutions.
 *
 * @source TensorFlow MaxPoolGrad (first-max rule); tfjs-backend-cpu pool_utils maxPoolPositions (same rule).
 */
import * as tf from '@tensorflow/tfjs'
import { readFloat32, writeFloat32, type Info } from './kernelScope'

interface Attrs {
  filterSize: [number, number] | number
  strides: [number, number] | number
  pad: 'valid' | 'same' | number
  dimRoundingMode?: 'floor' | 'round' | 'ceil'
}

/** Kernel function: inputs {dy: [N, Ho, Wo, C], input: x [N, H, W, C], output} → dx [N, H, W, C]. */
export function maxPoolGradWasm(args: { inputs: { dy: Info; input: Info }; backend: tf.KernelBackend; attrs: Attrs }): Info {
  const { inputs, backend, attrs } = args
  const { dy, input } = inputs
  const p = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  )
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = p
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = p
  const { effectiveFilterHeight: fh, effectiveFilterWidth: fw } = p
  const top = p.padInfo.top
  const left = p.padInfo.left
  return writeFloat32(backend, input.shape, (dx) => {
    const x = readFloat32(backend, input)
    const g = readFloat32(backend, dy)
    for (let b = 0; b < n; b++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++)
          for (let d = 0; d < c; d++) {
            let best = -Infinity
            let at = -1
            for (let a = 0; a < fh; a += dh) {
              const r = i * sh + a - top
              if (r < 0 || r >= h) continue
              for (let e = 0; e < fw; e += dw) {
                const col = j * sw + e - left
                if (col < 0 || col >= w) continue
                const k = ((b * h + r) * w + col) * c + d
                if (x[k] > best || at < 0) {
                  best = x[k]
                  at = k
                }
              }
            }
            if (at >= 0) dx[at] += g[((b * oh + i) * ow + j) * c + d]
          }
  })
}

export const maxPoolGradWasmConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: maxPoolGradWasm as unknown as tf.KernelFunc,
}
