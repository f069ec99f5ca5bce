/**
 * A fast `Conv2DBackpropInput` for the wasm backend. The stock one is a scalar C++ loop (~1.5 GFLOP/s on 2 Zen3
 * cores, issue 7); it runs in every conv layer's backward pass and in every Conv2DTranspose forward pass.
 *
 * The input gradient of y = conv2d(x, w, stride s, pads top/left) is
 *   dx[n, r, c, ci] = Σ_{i·s + a − top = r} Σ_{j·s + b − left = c} Σ_co dy[n, i, j, co] · w[a, b, ci, co].
 * Three XNNPACK routes:
 * - stride 1: a convolution of dy with the filter flipped in space and transposed to [kh, kw, Co, C], pads
 *   (kh − 1 − top, ·), (kw − 1 − left, ·) ("full" correlation; 11-15× faster than stock, issue 7);
 * - kernel = stride (2×2 stride 2, the U-Net's Conv2DTranspose): each dy pixel fills its own kh×kw block, so
 *   dx = depthToSpace(conv1x1(dy, w as [1, 1, Co, kh·kw·C])), then the window at (top, left);
 * - any other stride: dy with s − 1 zeros inserted between pixels, then the stride-1 route.
 * NCHW falls back to the stock kernel.
 *
 * @source tfjs-core gradients/Conv2D_grad.ts, ops/conv2d_transpose.ts (attrs); TF DepthToSpace (NHWC block
 *   order (a, b, c)); transposed convolution as zero insertion + full correlation (Dumoulin & Visin 2016, §4).
 */
import * as tf from '@tensorflow/tfjs'
import { composed, readFloat32, stockKernel, type Info, type KernelScope } from './kernelScope'

interface Attrs {
  strides: [number, number] | number
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding
  dataFormat: 'NHWC' | 'NCHW'
  dimRoundingMode?: 'floor' | 'round' | 'ceil'
  inputShape: [number, number, number, number]
}

interface Geometry {
  h: number
  w: number
  kh: number
  kw: number
  sh: number
  sw: number
  top: number
  left: number
}

/** Kernel function: inputs {dy: [N, Ho, Wo, Co], filter: [kh, kw, C, Co]} → dx [N, H, W, C] float32. */
export function conv2dBackpropInputWasm(args: {
  inputs: { dy: Info; filter: Info }
  backend: tf.KernelBackend
  attrs: Attrs
}): Info {
  const { inputs, backend, attrs } = args
  const { dy, filter } = inputs
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs
  const format = tf.backend_util.convertConv2DDataFormat(dataFormat)
  if (format !== 'channelsLast') {
    const stock = stockKernel('Conv2DBackpropInput', 'wasm')
    if (!stock) throw new Error(`Conv2DBackpropInput (wasm, TileLab): dataFormat ${dataFormat} is not supported`)
    return stock(args as never) as Info
  }
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    format,
  )
  const g: Geometry = {
    h: inputShape[1],
    w: inputShape[2],
    kh: info.filterHeight,
    kw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  }
  return composed(backend, 'wasm', (s) => {
    if (g.sh === 1 && g.sw === 1) return fullCorrelation(s, dy, filter, g)
    if (g.kh === g.sh && g.kw === g.sw) return blockScatter(s, dy, filter, g)
    return fullCorrelation(s, insertZeros(s, dy, g.sh, g.sw), filter, g)
  })
}

/** dx = conv2d(dyz, flip(w)ᵀ, stride 1) with pads making the output H × W; dyz is dy on the stride-1 grid. */
function fullCorrelation(s: KernelScope, dyz: Info, filter: Info, g: Geometry): Info {
  const flipped = flipFilter(s, filter) // [kh, kw, Co, C]
  // Output row r reads dyz rows r + top − (kh − 1) … r + top: pad (kh − 1 − top) before, the rest after.
  let padTop = g.kh - 1 - g.top
  let padLeft = g.kw - 1 - g.left
  let padBottom = g.h + g.kh - 1 - dyz.shape[1] - padTop
  let padRight = g.w + g.kw - 1 - dyz.shape[2] - padLeft
  let src = dyz
  if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
    const r0 = Math.max(0, -padTop)
    const c0 = Math.max(0, -padLeft)
    const rows = dyz.shape[1] - r0 - Math.max(0, -padBottom)
    const cols = dyz.shape[2] - c0 - Math.max(0, -padRight)
    src = s.run('Slice', { x: dyz }, { begin: [0, r0, c0, 0], size: [dyz.shape[0], rows, cols, dyz.shape[3]] })
    padTop = Math.max(0, padTop)
    padLeft = Math.max(0, padLeft)
    padBottom = Math.max(0, padBottom)
    padRight = Math.max(0, padRight)
  }
  return s.run('Conv2D', { x: src, filter: flipped }, {
    strides: [1, 1],
    pad: [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]],
    dataFormat: 'NHWC',
    dilations: [1, 1],
  })
}

/**
 * w [kh, kw, C, Co] → w' [kh, kw, Co, C] with w'[a, b, o, i] = w[kh−1−a, kw−1−b, i, o]: spatial flip and channel
 * swap in one JS pass over the heap (wasm's Reverse kernel takes ~0.6 s for a 3×3×512×512 filter; this, ~10 ms).
 */
function flipFilter(s: KernelScope, filter: Info): Info {
  const [kh, kw, c, co] = filter.shape
  return s.js([kh, kw, co, c], (out) => {
    const w = readFloat32(s.backend, filter)
    const taps = kh * kw
    const block = c * co
    for (let t = 0; t < taps; t++) {
      const src = (taps - 1 - t) * block
      const dst = t * block
      for (let i = 0; i < c; i++) {
        const row = src + i * co
        for (let o = 0; o < co; o++) out[dst + o * c + i] = w[row + o]
      }
    }
  })
}

/**
 * Kernel = stride (kh × kw): a 1×1 conv to kh·kw·C channels, laid out (a, b, c), puts each dy pixel's block in
 * its channels; viewing them as [N·Ho, Wo, kh, kw·C] and swapping the middle axes gives [N, Ho·kh, Wo·kw, C]
 * (depth-to-space; wasm's DepthToSpace kernel is ~15× slower than this Transpose). Then the window at (top, left).
 */
function blockScatter(s: KernelScope, dy: Info, filter: Info, g: Geometry): Info {
  const [kh, kw, c, co] = filter.shape
  const [n, ho, wo] = dy.shape
  const w1 = s.reshape(s.transpose(filter, [3, 0, 1, 2]), [1, 1, co, kh * kw * c]) // [1, 1, Co, (a, b, ci)]
  const cols = s.run('Conv2D', { x: dy, filter: w1 }, {
    strides: [1, 1],
    pad: 'valid',
    dataFormat: 'NHWC',
    dilations: [1, 1],
  })
  const rows = s.transpose(s.reshape(cols, [n * ho, wo, kh, kw * c]), [0, 2, 1, 3]) // [N·Ho, kh, Wo, kw·C]
  const blocks = s.reshape(rows, [n, ho * kh, wo * kw, c])
  return s.window(blocks, g.top, g.h, g.left, g.w)
}

/** dy [N, Ho, Wo, C] → [N, Ho·sh, Wo·sw, C] with dy at (i·sh, j·sw) and zeros elsewhere. */
function insertZeros(s: KernelScope, dy: Info, sh: number, sw: number): Info {
  const [n, ho, wo, c] = dy.shape
  const spread = s.run('PadV2', { x: s.reshape(dy, [n, ho, 1, wo, 1, c]) }, {
    paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]],
    constantValue: 0,
  })
  return s.reshape(spread, [n, ho * sh, wo * sw, c])
}

export const conv2dBackpropInputConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInputWasm as unknown as tf.KernelFunc,
}
