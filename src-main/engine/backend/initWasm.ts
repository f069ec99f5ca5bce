/**
 * The WebAssembly backend of TensorFlow.js, set up for TileLab in Node (initBackend.ts chooses it).
 */
import * as tf from '@tensorflow/tfjs'
import { availableParallelism } from 'node:os'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { EngineError } from '../../common/errors'
import { log } from '../log'
import { nodeThreadsUnavailableReason, unrefPthreadWorkers, withNodeThreads } from './wasmNodeThreads'
import { registerWasmKernels } from './kernels/registerKernels'

/** Most XNNPACK threads: Emscripten's pre-created pthread pool in tfjs-backend-wasm 4.22 holds 8 workers. */
export const MAX_WASM_THREADS = 8

export interface WasmAttempt {
  ok: boolean
  reason: string
  /** XNNPACK threads in use, SIMD, and why the thread count is what it is. */
  wasm?: { threads: number; simd: boolean; threadsReason: string }
}

/** Thread count from the option, then TILELAB_WASM_THREADS, then min(4, available cores). */
export function resolveWasmThreads(option?: number): { threads: number; source: string } {
  const env = process.env.TILELAB_WASM_THREADS
  const [value, source] =
    option !== undefined ? [option, 'option'] : env ? [Number(env), 'TILELAB_WASM_THREADS'] : [NaN, 'default']
  if (source === 'default') return { threads: Math.max(1, Math.min(4, availableParallelism())), source }
  if (!Number.isInteger(value) || value < 1 || value > MAX_WASM_THREADS)
    throw new EngineError('E_ARGS', `wasm threads (${source}) must be an integer in 1..${MAX_WASM_THREADS}, got ${String(option ?? env)}`)
  return { threads: value, source }
}

/**
 * Initialises tfjs's wasm backend: binaries from the package's dist folder, SIMD when the runtime has it,
 * `req.threads` XNNPACK threads (the Node workaround of wasmNodeThreads.ts; one thread, with the reason, when it
 * is unavailable or fails), and TileLab's wasm kernels.
 * @returns ok, a one-line reason, and the thread/SIMD details; never throws for an unusable backend.
 */
export async function initWasm(req: { threads: number; source: string }): Promise<WasmAttempt> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm')
  const require = createRequire(import.meta.url)
  const distDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + '/'
  wasm.setWasmPaths(distDir)
  const setFlag = (flag: string, value: boolean) => tf.env().set(flag, value)
  const listenersBefore = processListeners()
  try {
    return await initWasmModule(wasm, req, setFlag)
  } finally {
    removeListenersAddedSince(listenersBefore)
  }
}

async function initWasmModule(
  wasm: typeof import('@tensorflow/tfjs-backend-wasm'),
  req: { threads: number; source: string },
  setFlag: (flag: string, value: boolean) => void,
): Promise<WasmAttempt> {
  let threadsReason = req.threads === 1 ? `1 thread requested (${req.source})` : ''
  let ok = false
  if (req.threads > 1) {
    const unavailable = nodeThreadsUnavailableReason(wasm.version_wasm)
    if (unavailable) threadsReason = `1 thread: ${unavailable}`
    else {
      wasm.setThreadsCount(req.threads)
      try {
        ok = await withNodeThreads(req.threads, setFlag, () => tf.setBackend('wasm'))
        if (!ok) threadsReason = '1 thread: threaded wasm failed to initialise'
      } catch (err) {
        threadsReason = `1 thread: threaded wasm failed: ${describeError(err)}`
      }
    }
  }
  if (!ok) {
    setFlag('WASM_HAS_MULTITHREAD_SUPPORT', false)
    wasm.setThreadsCount(1)
    ok = await tf.setBackend('wasm')
    if (!ok) return { ok: false, reason: 'the wasm backend failed to initialise' }
  }
  const threads = wasm.getThreadsCount()
  if (threads > 1) unrefPthreadWorkers((tf.backend() as unknown as { wasm?: unknown }).wasm)
  if (!threadsReason)
    threadsReason =
      threads === req.threads
        ? `${threads} threads (${req.source}; Node pthreads workaround)`
        : `${threads} of ${req.threads} threads: XNNPACK capped its pool`
  if (threads < req.threads) log.warn({ requested: req.threads, threads }, `wasm: ${threadsReason}`)
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))
  registerWasmKernels()
  return {
    ok: true,
    reason: `WebAssembly, ${threads} thread${threads > 1 ? 's' : ''}${simd ? ', SIMD' : ', no SIMD'}`,
    wasm: { threads, simd, threadsReason },
  }
}

type ProcessEvent = 'uncaughtException' | 'unhandledRejection'
const PROCESS_EVENTS: ProcessEvent[] = ['uncaughtException', 'unhandledRejection']

type Listener = (...args: unknown[]) => void
const emitter = process as unknown as {
  listeners(event: string): Listener[]
  removeListener(event: string, l: Listener): void
}

function processListeners(): Map<ProcessEvent, Listener[]> {
  return new Map(PROCESS_EVENTS.map((e) => [e, emitter.listeners(e)]))
}

/**
 * The Emscripten runtime inside tfjs-wasm installs process-wide 'uncaughtException' / 'unhandledRejection'
 * handlers that rethrow, so any later uncaught error in TileLab is reported from inside minified wasm glue.
 * Removing them restores Node's own handling (same exit, readable stack); tfjs never relies on them.
 */
function removeListenersAddedSince(before: Map<ProcessEvent, Listener[]>): void {
  for (const event of PROCESS_EVENTS) {
    const old = new Set(before.get(event))
    for (const l of emitter.listeners(event)) if (!old.has(l)) emitter.removeListener(event, l)
  }
}

function describeError(err: unknown): string {
  const msg =
    err instanceof Error
      ? err.message
      : typeof err === 'object' && err && 'message' in err
        ? String((err as { message: unknown }).message)
        : String(err)
  return msg.split('\n')[0].slice(0, 300)
}
