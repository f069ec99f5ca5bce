/**
 * Predictor over ONNX Runtime (onnxruntime-node): runs an exported U-Net (exportOnnx.ts) on batches of z-scored
 * FLAIR slices or tiles. CUDA execution provider where it is installed, else CPU with one intra-op thread per core.
 *
 * The model's input `flair` is `[N, 1, H, W]`: with one channel that is the same memory as the Predictor's
 * `[N, H, W]` row-major batch, so the caller's Float32Array (or a subarray of a volume) is wrapped, not copied. The
 * output array onnxruntime-node returns (its own copy of the session's output) is handed to the caller as is.
 */
import { readFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { EngineError } from '../../common/errors'
import type { Predictor } from '../inference/predictor'
import { log } from '../log'
import { ONNX_INPUT_NAME, ONNX_OUTPUT_NAME, onnxMetadataArchitecture, readOnnxMetadata } from './exportOnnx'
import { cudaProviderStatus, isOutOfMemoryMessage, loadOnnxRuntime, type OrtModule } from './onnxRuntime'
import type * as Ort from 'onnxruntime-node'

export interface OnnxPredictorOptions {
  /** 'auto' (default): CUDA when its provider is installed and starts, else CPU. 'cuda' fails if CUDA is unusable. */
  executionProvider?: 'auto' | 'cpu' | 'cuda'
  /** CPU intra-op threads; default the number of cores (`os.availableParallelism()`). */
  intraOpNumThreads?: number
  /**
   * Pixels × base filters one batch may hold, bounding activation memory. Default 8·240·240·32: 8 slices of
   * 240×240 at base 32 (measured peak RSS of the whole Node process ≈ 1.2 GB on CPU), 28 tiles of 128×128, more
   * for narrower models. The same budget is used on CUDA (conservative for any GPU with ≥ 4 GB).
   */
  batchBudget?: number
  /**
   * Let idle intra-op threads spin-wait for work between operators (onnxruntime's own default). Default false here:
   * threads sleep, which leaves the cores to the viewer and other processes. Measured on 2 shared cores (load 8-10),
   * base 32, 2 threads: 240×240 batch 8 median 458-535 ms/slice sleeping vs 653-883 spinning.
   */
  allowSpinning?: boolean
}

/** Largest batch handed out by maxBatch, whatever the budget. */
const MAX_BATCH_CAP = 64
const DEFAULT_BATCH_BUDGET = 8 * 240 * 240 * 32

/**
 * Creates an ONNX Runtime predictor.
 *
 * @param model Path of a `model.onnx` written by exportOnnx/ensureOnnx, or its bytes.
 * @param options Execution provider, threads, batch budget.
 * @returns A Predictor; `engine` is 'onnxruntime-cuda' or 'onnxruntime-cpu'.
 * @throws EngineError E_BACKEND if onnxruntime-node cannot be loaded or the requested provider cannot start;
 *   E_MODEL if the file is not an exported TileLab U-Net; E_IO if it cannot be read.
 * @source onnxruntime-node 1.30 InferenceSession (SessionOptions: executionProviders, intraOpNumThreads,
 *   graphOptimizationLevel 'all').
 */
export async function createOnnxPredictor(
  model: string | Uint8Array,
  options: OnnxPredictorOptions = {},
): Promise<Predictor> {
  const loaded = await loadOnnxRuntime()
  if ('error' in loaded) throw new EngineError('E_BACKEND', `onnxPredictor: ${loaded.error}`)
  const { ort } = loaded
  const bytes = typeof model === 'string' ? await readModel(model) : model
  const where = typeof model === 'string' ? model : `<${bytes.length} bytes>`
  const arch = onnxMetadataArchitecture(readOnnxMetadata(bytes))
  if (!arch) throw new EngineError('E_MODEL', `onnxPredictor: ${where}: no TileLab architecture metadata (not made by exportOnnx)`)

  const threads = options.intraOpNumThreads ?? availableParallelism()
  const base: Ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    ...(options.allowSpinning === true ? {} : { extra: { session: { intra_op: { allow_spinning: '0' } } } }),
  }
  const provider = options.executionProvider ?? 'auto'
  let session: Ort.InferenceSession | undefined
  let engine = 'onnxruntime-cpu'
  if (provider !== 'cpu') {
    const cuda = cudaProviderStatus()
    if (cuda.installed) {
      try {
        session = await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['cuda', 'cpu'] })
        engine = 'onnxruntime-cuda'
      } catch (err) {
        if (provider === 'cuda')
          throw new EngineError('E_BACKEND', `onnxPredictor: CUDA provider failed: ${(err as Error).message}`, { cause: err })
        log.info({ reason: (err as Error).message }, 'onnxruntime: CUDA provider did not start; using CPU')
      }
    } else if (provider === 'cuda') {
      throw new EngineError('E_BACKEND', `onnxPredictor: ${cuda.reason}`)
    } else {
      log.debug({ reason: cuda.reason }, 'onnxruntime: CUDA not installed; using CPU')
    }
  }
  try {
    session ??= await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['cpu'] })
  } catch (err) {
    throw new EngineError('E_MODEL', `onnxPredictor: ${where}: onnxruntime rejected the model: ${(err as Error).message}`, {
      cause: err,
    })
  }
  log.info(
    { engine, threads: engine === 'onnxruntime-cpu' ? threads : undefined, spinning: options.allowSpinning === true, model: where, ...arch },
    'onnxruntime session ready',
  )
  return new OnnxPredictor(ort, session, engine, 2 ** arch.depth, arch.baseFilters, options.batchBudget ?? DEFAULT_BATCH_BUDGET)
}

/**
 * Like createOnnxPredictor, but returns null (with the reason logged at info level) when ONNX Runtime or the
 * model is unusable, so the caller can fall back to the tfjs predictor.
 *
 * @param model Path of a `model.onnx`, or its bytes.
 * @returns The predictor, or null.
 */
export async function tryCreateOnnxPredictor(
  model: string | Uint8Array,
  options: OnnxPredictorOptions = {},
): Promise<Predictor | null> {
  try {
    return await createOnnxPredictor(model, options)
  } catch (err) {
    log.info({ reason: (err as Error).message }, 'onnxruntime unavailable; falling back to tfjs')
    return null
  }
}

class OnnxPredictor implements Predictor {
  private disposed = false

  constructor(
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
    readonly engine: string,
    readonly inputMultiple: number,
    private readonly baseFilters: number,
    private readonly batchBudget: number,
  ) {}

  maxBatch(height: number, width: number): number {
    const perImage = Math.max(1, height * width * this.baseFilters)
    return Math.max(1, Math.min(MAX_BATCH_CAP, Math.floor(this.batchBudget / perImage)))
  }

  async predict(batch: Float32Array, n: number, height: number, width: number): Promise<Float32Array> {
    if (this.disposed) throw new EngineError('E_MODEL', `onnxPredictor: predict after dispose (${this.engine})`)
    validateBatch(batch, n, height, width, this.inputMultiple)
    const dims = [n, 1, height, width]
    const input = new this.ort.Tensor('float32', batch, dims)
    try {
      const result = await this.session.run({ [ONNX_INPUT_NAME]: input })
      const data = result[ONNX_OUTPUT_NAME]?.data
      if (!(data instanceof Float32Array) || data.length !== n * height * width)
        throw new Error(`output ${ONNX_OUTPUT_NAME} is ${describe(data)}, expected ${n * height * width} float32 values`)
      // onnxruntime-node copies each output into a fresh JS buffer; hand it over unless it is a view on a bigger one.
      return data.byteOffset === 0 && data.buffer.byteLength === data.byteLength ? data : data.slice()
    } catch (err) {
      const message = (err as Error).message
      const code = isOutOfMemoryMessage(message) ? 'E_MEMORY' : 'E_INTERNAL'
      throw new EngineError(code, `onnxPredictor: ${this.engine} failed on [${dims}]: ${message}`, { cause: err })
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    await this.session.release()
  }
}

function describe(x: unknown): string {
  return ArrayBuffer.isView(x) ? `${x.constructor.name}(${(x as Float32Array).length})` : typeof x
}

/**
 * Checks a Predictor batch against its shape.
 * @throws EngineError E_SHAPE naming the bad value.
 */
export function validateBatch(batch: Float32Array, n: number, height: number, width: number, multiple: number): void {
  if (!Number.isInteger(n) || n < 1) throw new EngineError('E_SHAPE', `predict: batch size must be a positive integer, got ${n}`)
  for (const [name, v] of [['height', height], ['width', width]] as const) {
    if (!Number.isInteger(v) || v < multiple || v % multiple !== 0)
      throw new EngineError('E_SHAPE', `predict: ${name} must be a positive multiple of ${multiple}, got ${v}`)
  }
  if (!(batch instanceof Float32Array) || batch.length !== n * height * width)
    throw new EngineError(
      'E_SHAPE',
      `predict: batch holds ${batch?.length} values, expected N·H·W = ${n}·${height}·${width} = ${n * height * width}`,
    )
}

async function readModel(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path)
  } catch (err) {
    throw new EngineError('E_IO', `onnxPredictor: ${path}: cannot read: ${(err as Error).message}`, { cause: err })
  }
}
