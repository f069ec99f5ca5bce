/**
 * Composing a kernel out of other kernels of the same backend.
 *
 * A kernel function receives TensorInfos (data ids + shapes), not Tensors, and must not call tfjs ops (they would
 * go back through the engine, its tape and its scopes). Like the kernels of tfjs-backend-cpu and -webgl, composed
 * kernels here call the backend's own kernel functions directly and free every intermediate themselves.
 * `KernelScope` does that bookkeeping: every result of `run` is freed by `dispose()` unless `keep()` was called.
 *
 * @source tfjs-core kernel_registry (getKernel, KernelFunc), tfjs-backend-cpu kernels/Conv2DBackpropFilter.ts.
 */
import * as tf from '@tensorflow/tfjs'
import { EngineError } from '../../../common/errors'

export type Info = tf.TensorInfo
type Inputs = Record<string, Info>
type Attrs = Record<string, unknown>
type KernelFn = (args: { inputs: Inputs; backend: tf.KernelBackend; attrs: Attrs }) => Info | Info[]

/** Kernels replaced by TileLab, kept so that a composed kernel can fall back on the stock one. */
const stockKernels = new Map<string, tf.KernelConfig>()

/** Records the stock kernel `name` of `backendName` (call before replacing it). */
export function saveStockKernel(name: string, backendName: string): void {
  const key = `${backendName}:${name}`
  if (stockKernels.has(key)) return
  const config = tf.getKernel(name, backendName)
  if (config) stockKernels.set(key, { ...config })
}

/** The stock kernel's config (kernelFunc and setupFunc) saved by saveStockKernel, if any. */
export function stockKernelConfig(name: string, backendName: string): tf.KernelConfig | undefined {
  return stockKernels.get(`${backendName}:${name}`)
}

/** The stock kernel function saved by saveStockKernel, if any. */
export function stockKernel(name: string, backendName: string): KernelFn | undefined {
  return stockKernels.get(`${backendName}:${name}`)?.kernelFunc as unknown as KernelFn | undefined
}

/** Runs kernels of one backend and frees their outputs on dispose(). */
export class KernelScope {
  private readonly temps: Info[] = []

  constructor(
    readonly backend: tf.KernelBackend,
    readonly backendName: string,
  ) {}

  /**
   * Runs kernel `name` with the backend's registered kernel function (or, with `stock`, the one it replaced).
   * @throws EngineError E_BACKEND if the backend has no such kernel.
   */
  run(name: string, inputs: Inputs, attrs: Attrs = {}, stock = false): Info {
    const fn = stock ? stockKernel(name, this.backendName) : (tf.getKernel(name, this.backendName)?.kernelFunc as unknown as KernelFn | undefined)
    if (!fn) throw new EngineError('E_BACKEND', `kernel ${name} is not available on backend ${this.backendName}`)
    const out = fn({ inputs, backend: this.backend, attrs })
    const info = Array.isArray(out) ? out[0] : out
    this.temps.push(info)
    return info
  }

  /** Reshape without copying (the backends share the data id and count references). */
  reshape(x: Info, shape: number[]): Info {
    return this.run('Reshape', { x }, { shape })
  }

  transpose(x: Info, perm: number[]): Info {
    return this.run('Transpose', { x }, { perm })
  }

  /**
   * Window of rows [top, top + height) and columns [left, left + width) of an NHWC tensor, zero-filled where the
   * window leaves the tensor (Slice for the part inside, PadV2 for the rest).
   */
  window(x: Info, top: number, height: number, left: number, width: number): Info {
    const [n, h, w, c] = x.shape
    const r0 = Math.max(0, top)
    const r1 = Math.min(h, top + height)
    const c0 = Math.max(0, left)
    const c1 = Math.min(w, left + width)
    let out = x
    if (r0 !== 0 || c0 !== 0 || r1 !== h || c1 !== w)
      out = this.run('Slice', { x }, { begin: [0, r0, c0, 0], size: [n, Math.max(0, r1 - r0), Math.max(0, c1 - c0), c] })
    const padTop = r0 - top
    const padLeft = c0 - left
    const padBottom = height - padTop - out.shape[1]
    const padRight = width - padLeft - out.shape[2]
    if (padTop || padLeft || padBottom || padRight)
      out = this.run('PadV2', { x: out }, {
        paddings: [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]],
        constantValue: 0,
      })
    return out
  }

  /**
   * A float32 output of `shape` computed in JS by `fill(out)` (see writeFloat32), freed with the scope.
   * Read inputs inside `fill` (readFloat32): the allocation may move the wasm heap.
   */
  js(shape: number[], fill: (out: Float32Array) => void): Info {
    const out = writeFloat32(this.backend, shape, fill)
    this.temps.push(out)
    return out
  }

  /** Excludes `x` from dispose(): it is the kernel's result. */
  keep(x: Info): Info {
    const i = this.temps.lastIndexOf(x)
    if (i >= 0) this.temps.splice(i, 1)
    return x
  }

  /** Frees every intermediate (decrements shared references; the backend frees at zero). */
  dispose(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId)
    this.temps.length = 0
  }
}

/** Runs `body` in a KernelScope, keeps what it returns and frees the rest, also when it throws. */
export function composed(backend: tf.KernelBackend, backendName: string, body: (s: KernelScope) => Info): Info {
  const scope = new KernelScope(backend, backendName)
  try {
    return scope.keep(body(scope))
  } finally {
    scope.dispose()
  }
}

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: string): Info
  typedArrayFromHeap(info: Info): Float32Array
}

/** A kernel input's float32 values: a view of the wasm heap (valid until the next allocation), or cpu's array. */
export function readFloat32(backend: tf.KernelBackend, x: Info): Float32Array {
  if ('typedArrayFromHeap' in backend) return (backend as unknown as WasmHeapBackend).typedArrayFromHeap(x)
  return backend.readSync(x.dataId) as Float32Array
}

/**
 * Allocates a float32 kernel output of `shape` and fills it with `fill(out)` (wasm: directly in the heap).
 * Inputs must be read inside `fill`: a wasm allocation may move the heap and detach earlier views.
 */
export function writeFloat32(backend: tf.KernelBackend, shape: number[], fill: (out: Float32Array) => void): Info {
  if ('typedArrayFromHeap' in backend) {
    const wasm = backend as unknown as WasmHeapBackend
    const out = wasm.makeOutput(shape, 'float32')
    const view = wasm.typedArrayFromHeap(out)
    view.fill(0)
    fill(view)
    return out
  }
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1))
  fill(values)
  return (backend as unknown as { makeTensorInfo(s: number[], d: string, v: Float32Array): Info }).makeTensorInfo(shape, 'float32', values)
}
