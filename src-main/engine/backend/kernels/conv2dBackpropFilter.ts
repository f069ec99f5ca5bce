/**
 * `Conv2DBackpropFilter` for the wasm backend, which lacks it (training needs it for every conv layer).
 *
 * The filter gradient of y = conv2d(x, w, stride s, pads top/left) is
 *   dw[a, b, ci, co] = Σ_{n, i, j} x[n, i·s + a − top, j·s + b − left, ci] · dy[n, i, j, co]
 * which is itself one convolution: batch ← ci, channels ← n, and dy as the filter, dilated by s:
 *   x' = transpose(x, [C, H, W, N]),  f = transpose(dy, [Ho, Wo, N, Co]),
 *   dw' = conv2d(x', f, stride 1, dilation s, explicit pads (top, ·), (left, ·)) → [C, kh, kw, Co] → [kh, kw, C, Co].
 * The bottom/right pads are chosen so that the output is exactly kh × kw; where that would be negative ('valid'
 * with rows no output reads), those rows of x' are sliced off instead. All of it runs in XNNPACK (threaded).
 *
 * Measured on 2 Zen3 cores: this composition is the fastest of those tried (9-13 GFLOP/s); the conv3d route was
 * 40× slower and wrong for stride 2 (issue 7). Also tried here and dropped (test/bench/tfjsStep.ts, same machine,
 * loaded): one 1×1-conv GEMM per filter tap over sliced x (1.5-2× slower: nine slices), image columns folded into
 * the channels (Wo·N-deep GEMMs, 0.8-1× and far slower for stride 2), and cutting dy into row bands so the packed
 * filter fits the cache (slower at 128², no gain deeper).
 *
 * @source tfjs-core gradients/Conv2D_grad.ts (attrs), backend_util.computeConv2DInfo (padding);
 *   the identity is the standard "weight gradient as a convolution of input and output gradient".
 */
import * as tf from '@tensorflow/tfjs'
import { composed, type Info, type KernelScope } from './kernelScope'

interface Attrs {
  strides: [number, number] | number
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding
  dataFormat: 'NHWC' | 'NCHW'
  dimRoundingMode?: 'floor' | 'round' | 'ceil'
  filterShape: [number, number, number, number]
}

/** Kernel function: inputs {x: [N, H, W, C], dy: [N, Ho, Wo, Co]} → dw [kh, kw, C, Co] float32. */
export function conv2dBackpropFilterWasm(args: {
  inputs: { x: Info; dy: Info }
  backend: tf.KernelBackend
  attrs: Attrs
}): Info {
  const { inputs, backend, attrs } = args
  const { x, dy } = inputs
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs
  const format = tf.backend_util.convertConv2DDataFormat(dataFormat)
  if (format !== 'channelsLast') throw new Error(`Conv2DBackpropFilter (wasm, TileLab): dataFormat ${dataFormat} is not supported; use NHWC`)
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    format,
  )
  const [, h, w, c] = x.shape
  const [kh, kw] = filterShape
  const { strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo } = info
  const top = info.padInfo.top
  const left = info.padInfo.left
  const bottom = kh + (ho - 1) * sh - h - top
  const right = kw + (wo - 1) * sw - w - left
  const g = { h, w, c, kh, kw, sh, sw, ho, wo, top, left, bottom, right }
  return composed(backend, 'wasm', (s) => byDilatedConv(s, x, dy, g))
}

interface FilterGeometry {
  h: number
  w: number
  c: number
  kh: number
  kw: number
  sh: number
  sw: number
  ho: number
  wo: number
  top: number
  left: number
  bottom: number
  right: number
}

/** One conv with batch ← C, channels ← N, and dy (dilated by the stride) as the filter. */
function byDilatedConv(s: KernelScope, x: Info, dy: Info, g: FilterGeometry): Info {
  let xt = s.transpose(x, [3, 1, 2, 0]) // [C, H, W, N]
  if (g.bottom < 0 || g.right < 0) {
    xt = s.run('Slice', { x: xt }, {
      begin: [0, 0, 0, 0],
      size: [g.c, g.h + Math.min(g.bottom, 0), g.w + Math.min(g.right, 0), xt.shape[3]],
    })
  }
  const f = s.transpose(dy, [1, 2, 0, 3]) // [Ho, Wo, N, Co]
  const dwT = s.run('Conv2D', { x: xt, filter: f }, {
    strides: [1, 1],
    pad: [[0, 0], [g.top, Math.max(g.bottom, 0)], [g.left, Math.max(g.right, 0)], [0, 0]],
    dataFormat: 'NHWC',
    dilations: [g.sh, g.sw],
  }) // [C, kh, kw, Co]
  return s.transpose(dwT, [1, 2, 0, 3])
}

export const conv2dBackpropFilterConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilterWasm as unknown as tf.KernelFunc,
}
