/**
 * A correct `ResizeNearestNeighborGrad` (the gradient of UpSampling2D) for the cpu and wasm backends.
 *
 * - cpu: the stock kernel (tfjs-backend-cpu 4.22) is not the adjoint of its own forward resize: for the U-Net's
 *   ×2 UpSampling2D its gradient is off by more than 100 % on inputs larger than 2×2 (see the test), so the cpu
 *   backend trains the paper's model with wrong gradients and cannot serve as a reference for it.
 * - wasm: the stock kernel is right without halfPixelCenters (the U-Net's case; kept, it is native) and wrong
 *   with it; those calls come here.
 * This kernel is the exact adjoint of tfjs's forward kernel: every output pixel adds its dy to the input pixel the
 * forward pass copied it from (same source-index rule, incl. alignCorners and halfPixelCenters), in float64.
 *
 * @source tfjs-backend-cpu kernels/ResizeNearestNeighbor.ts (source index rule); the gradient of a gather is
 *   the scatter-add of dy.
 */
import * as tf from '@tensorflow/tfjs'
import { readFloat32, stockKernel, writeFloat32, type Info } from './kernelScope'

/**
 * Source row/column of each output row/column, as in tfjs's nearest-neighbour resize.
 * @returns Int32Array of length `outSize` with indices in [0, inSize).
 */
export function nearestSourceIndex(inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): Int32Array {
  const effIn = alignCorners && outSize > 1 ? inSize - 1 : inSize
  const effOut = alignCorners && outSize > 1 ? outSize - 1 : outSize
  const ratio = effIn / effOut
  const idx = new Int32Array(outSize)
  for (let o = 0; o < outSize; o++) {
    const frac = halfPixelCenters ? ratio * (o + 0.5) : ratio * o
    let src = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac))
    if (halfPixelCenters) src = Math.max(0, src)
    idx[o] = src
  }
  return idx
}

/**
 * dx[n, sr(r), sc(c), d] += dy[n, r, c, d] for every output pixel (r, c).
 * @param dy      `[N, outH, outW, C]` float32, NHWC.
 * @param inShape `[N, inH, inW, C]` of the images that were resized.
 * @returns dx, `[N, inH, inW, C]` float32.
 */
export function resizeNearestNeighborBackward(
  dy: ArrayLike<number>,
  dyShape: readonly number[],
  inShape: readonly number[],
  alignCorners: boolean,
  halfPixelCenters: boolean,
): Float32Array {
  const [n, outH, outW, c] = dyShape
  const [, inH, inW] = inShape
  const rows = nearestSourceIndex(inH, outH, alignCorners, halfPixelCenters)
  const cols = nearestSourceIndex(inW, outW, alignCorners, halfPixelCenters)
  const acc = new Float64Array(n * inH * inW * c)
  let k = 0
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < outH; r++) {
      const rowBase = (b * inH + rows[r]) * inW
      for (let col = 0; col < outW; col++) {
        const base = (rowBase + cols[col]) * c
        for (let d = 0; d < c; d++) acc[base + d] += dy[k++]
      }
    }
  }
  return Float32Array.from(acc)
}

interface Args {
  inputs: { images: Info; dy: Info }
  backend: tf.KernelBackend
  attrs: { alignCorners: boolean; halfPixelCenters: boolean }
}

function resizeNearestNeighborGrad(args: Args): Info {
  const { inputs, backend, attrs } = args
  const { images, dy } = inputs
  const dxValues = resizeNearestNeighborBackward(
    readFloat32(backend, dy),
    dy.shape,
    images.shape,
    attrs.alignCorners,
    attrs.halfPixelCenters,
  )
  return writeFloat32(backend, images.shape, (dx) => dx.set(dxValues))
}

function resizeNearestNeighborGradWasm(args: Args): Info {
  const stock = stockKernel('ResizeNearestNeighborGrad', 'wasm')
  if (stock && !args.attrs.halfPixelCenters) return stock(args as never) as Info
  return resizeNearestNeighborGrad(args)
}

export const resizeNearestNeighborGradCpuConfig: tf.KernelConfig = {
  kernelName: 'ResizeNearestNeighborGrad',
  backendName: 'cpu',
  kernelFunc: resizeNearestNeighborGrad as unknown as tf.KernelFunc,
}

export const resizeNearestNeighborGradWasmConfig: tf.KernelConfig = {
  kernelName: 'ResizeNearestNeighborGrad',
  backendName: 'wasm',
  kernelFunc: resizeNearestNeighborGradWasm as unknown as tf.KernelFunc,
}
