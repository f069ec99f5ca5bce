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
 * 40× slower and wrong for stride 2 (issue 7).
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
  return composed(backend, 'wasm', (s) => (filterMethod === 'columns' ? byColumns(s, x, dy, g) : byDilatedConv(s, x, dy, g)))
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

/**
 * Which composition runs. 'dilated' (default; the fastest in issue 7's measurements) or 'columns' (the same
 * GEMM with the image columns folded into the channels; within noise of 'dilated' here). Switchable for the
 * benchmark (test/bench/tfjsStep.ts) and TILELAB_WASM_BPF=columns.
 */
export let filterMethod: 'columns' | 'dilated' = process.env.TILELAB_WASM_BPF === 'columns' ? 'columns' : 'dilated'
export function setConv2dBackpropFilterMethod(m: 'columns' | 'dilated'): void {
  filterMethod = m
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

/**
 * One conv per filter column b, with the image columns folded into the channels: the columns x reads for tap b
 * are sliced out ([C, Hp, Wo, N] → [C, Hp, 1, Wo·N]) and correlated with dy as a [Ho, 1, Wo·N, Co] filter
 * (dilated by the row stride). The channel depth of these convs is Wo·N instead of N, which is what XNNPACK's
 * GEMM needs to run fast (N alone is the batch: 2-8).
 */
function byColumns(s: KernelScope, x: Info, dy: Info, g: FilterGeometry): Info {
  const n = x.shape[0]
  const co = dy.shape[3]
  const hp = (g.ho - 1) * g.sh + g.kh // rows of (padded) x that the taps read
  const wp = (g.wo - 1) * g.sw + g.kw
  const xp = s.window(x, -g.top, hp, -g.left, wp) // [N, Hp, Wp, C], zero rows/cols where padded
  const xt = s.transpose(xp, [3, 1, 2, 0]) // [C, Hp, Wp, N]
  if (xp !== x) s.free(xp)
  const f = s.reshape(s.transpose(dy, [1, 2, 0, 3]), [g.ho, 1, g.wo * n, co]) // [Ho, 1, Wo·N, Co]
  const columns: Info[] = []
  // As 2D [C·Hp, Wp·N], the columns of tap b are one contiguous run of Wo·N floats per row (fast Slice).
  const xt2 = s.reshape(xt, [g.c * hp, wp * n])
  for (let b = 0; b < g.kw; b++) {
    const cols =
      g.sw === 1
        ? s.run('Slice', { x: xt2 }, { begin: [0, b * n], size: [g.c * hp, g.wo * n] })
        : s.run('StridedSlice', { x: xt }, {
            begin: [0, 0, b, 0],
            end: [g.c, hp, b + (g.wo - 1) * g.sw + 1, n],
            strides: [1, 1, g.sw, 1],
            beginMask: 0,
            endMask: 0,
            ellipsisMask: 0,
            newAxisMask: 0,
            shrinkAxisMask: 0,
          })
    const folded = s.reshape(cols, [g.c, hp, 1, g.wo * n])
    columns.push(
      s.run('Conv2D', { x: folded, filter: f }, {
        strides: [1, 1],
        pad: 'valid',
        dataFormat: 'NHWC',
        dilations: [g.sh, 1],
      }), // [C, kh, 1, Co]
    )
    s.free(folded)
    s.free(cols)
  }
  const dwT = g.kw === 1 ? columns[0] : s.run('Concat', columns as unknown as Record<string, Info>, { axis: 2 })
  return s.transpose(dwT, [1, 2, 0, 3]) // [kh, kw, C, Co]
}

export const conv2dBackpropFilterConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilterWasm as unknown as tf.KernelFunc,
}
