/**
 * Run-time choice of the TensorFlow.js backend.
 *
 * 'auto' tries, in order: @tensorflow/tfjs-node-gpu (libtensorflow with CUDA), @tensorflow/tfjs-node
 * (libtensorflow CPU), the WebAssembly backend (XNNPACK, SIMD, threads; see wasmNodeThreads.ts), and the
 * pure-JS cpu backend. 'tensorflow' means tfjs-node-gpu then tfjs-node. The two tfjs-node packages are
 * optionalDependencies: on a user's machine each may be absent, or present without its native library, so each
 * is imported dynamically inside try/catch and the reason it was not used is logged.
 *
 * The choice is process-wide (tfjs keeps one global engine) and made once: later calls return the first result.
 * TileLab's kernels (kernels/registerKernels.ts) are registered: composed backward convs on wasm, a correct
 * ResizeNearestNeighborGrad on cpu.
 */
import * as tf from '@tensorflow/tfjs'
import { EngineError } from '../../common/errors'
import type { BackendStatus } from '../../common/api'
import { log } from '../log'
import { registerCpuKernels } from './kernels/registerKernels'
import { initWasm, resolveWasmThreads } from './initWasm'

export { resolveWasmThreads } from './initWasm'

export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu'
/** Backend names as in the API's BackendStatus: 'tensorflow-gpu' = @tensorflow/tfjs-node-gpu, 'tensorflow' = @tensorflow/tfjs-node. */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu'

const PACKAGE = { 'tensorflow-gpu': 'tfjs-node-gpu', tensorflow: 'tfjs-node' } as const

/** One backend that was tried, and why it was or was not taken. */
export interface BackendAttempt {
  name: BackendName
  ok: boolean
  reason: string
}

/** The backend in use. */
export interface BackendInfo {
  name: BackendName
  /** tfjs's own name for it: 'tensorflow', 'wasm' or 'cpu'. */
  tfjsBackend: string
  /** For reports and `Predictor.engine`: 'tfjs-node-gpu', 'tfjs-node', 'tfjs-wasm', 'tfjs-cpu'. */
  engine: string
  reason: string
  tried: BackendAttempt[]
  /** wasm only: XNNPACK threads in use, SIMD, and why the thread count is what it is. */
  wasm?: { threads: number; simd: boolean; threadsReason: string }
}

export interface InitBackendOptions {
  /** wasm threads; default TILELAB_WASM_THREADS, else min(4, available cores). */
  wasmThreads?: number
  /** Module loader, replaceable in tests; default dynamic `import()`. */
  importModule?: (specifier: string) => Promise<unknown>
}

const PREFERENCES: readonly BackendPreference[] = ['auto', 'tensorflow', 'wasm', 'cpu']

let pending: Promise<BackendInfo> | null = null
let chosen: BackendInfo | null = null
let chosenFor: BackendPreference | null = null

/**
 * Chooses and initialises the TensorFlow.js backend (idempotent: later calls return the first result).
 *
 * @param pref 'auto' (tfjs-node-gpu → tfjs-node → wasm → cpu), 'tensorflow' (tfjs-node-gpu → tfjs-node),
 *   'wasm' or 'cpu'.
 * @returns The backend in use, the reason, and every backend tried with its outcome.
 * @throws EngineError E_ARGS for an unknown preference or thread count; E_BACKEND when a forced backend
 *   cannot be initialised (the message lists each attempt's reason).
 * @source tfjs `tf.setBackend`, tfjs-backend-wasm `setWasmPaths` / `setThreadsCount`.
 */
export async function initBackend(pref: BackendPreference = 'auto', opts: InitBackendOptions = {}): Promise<BackendInfo> {
  if (!PREFERENCES.includes(pref))
    throw new EngineError('E_ARGS', `backend must be one of ${PREFERENCES.join(', ')}, got ${String(pref)}`)
  if (chosen) {
    if (pref !== chosenFor && pref !== 'auto')
      log.warn({ requested: pref, inUse: chosen.name }, `tfjs backend already initialised as ${chosen.name}; keeping it`)
    return chosen
  }
  if (!pending) {
    pending = selectBackend(pref, opts).then(
      (info) => {
        chosen = info
        chosenFor = pref
        return info
      },
      (err: unknown) => {
        pending = null
        throw err
      },
    )
  }
  return pending
}

/**
 * The four tfjs backends as the API's `BackendStatus` rows (AppInfo.backends): tried ones with their outcome,
 * the rest marked as not tried because an earlier one was chosen.
 */
export function backendStatuses(info: BackendInfo): BackendStatus[] {
  const all: BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']
  return all.map((name) => {
    const t = info.tried.find((a) => a.name === name)
    if (t) return { name, available: t.ok, reason: t.reason }
    return { name, available: false, reason: `not tried: ${info.name} was chosen first` }
  })
}

/** The backend chosen by initBackend, or null before it has finished. */
export function currentBackend(): BackendInfo | null {
  return chosen
}

async function selectBackend(pref: BackendPreference, opts: InitBackendOptions): Promise<BackendInfo> {
  const importModule = opts.importModule ?? ((s: string) => import(/* @vite-ignore */ s))
  const order: BackendName[] =
    pref === 'auto'
      ? ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']
      : pref === 'tensorflow'
        ? ['tensorflow-gpu', 'tensorflow']
        : [pref]
  const tried: BackendAttempt[] = []
  for (const name of order) {
    const attempt = await tryBackend(name, opts, importModule)
    tried.push({ name, ok: attempt.ok, reason: attempt.reason })
    if (!attempt.ok) {
      log.debug({ backend: name }, `tfjs backend ${name} not used: ${attempt.reason}`)
      continue
    }
    quietCpuBanner()
    registerCpuKernels()
    const info: BackendInfo = {
      name,
      tfjsBackend: tf.getBackend(),
      engine: name === 'wasm' || name === 'cpu' ? `tfjs-${name}` : PACKAGE[name],
      reason: attempt.reason,
      tried,
      wasm: attempt.wasm,
    }
    log.info({ backend: name }, `tfjs backend: ${name} (${attempt.reason})`)
    return info
  }
  throw new EngineError(
    'E_BACKEND',
    `no usable tfjs backend for '${pref}': ${tried.map((t) => `${t.name}: ${t.reason}`).join('; ')}`,
  )
}

interface Attempt {
  ok: boolean
  reason: string
  wasm?: BackendInfo['wasm']
}

async function tryBackend(
  name: BackendName,
  opts: InitBackendOptions,
  importModule: (s: string) => Promise<unknown>,
): Promise<Attempt> {
  try {
    if (name === 'tensorflow-gpu' || name === 'tensorflow') return await tryTfjsNode(PACKAGE[name], importModule)
    if (name === 'wasm') return await initWasm(resolveWasmThreads(opts.wasmThreads))
    const ok = await tf.setBackend('cpu')
    return ok ? { ok, reason: 'pure-JS cpu backend (slow)' } : { ok, reason: 'tf.setBackend("cpu") returned false' }
  } catch (err) {
    if (err instanceof EngineError && err.code === 'E_ARGS') throw err
    return { ok: false, reason: describeError(err) }
  }
}

/**
 * Imports @tensorflow/tfjs-node(-gpu) and switches to its 'tensorflow' backend.
 * Exported for tests, which pass a fake `importModule`.
 */
export async function tryTfjsNode(
  name: 'tfjs-node-gpu' | 'tfjs-node',
  importModule: (s: string) => Promise<unknown>,
): Promise<Attempt> {
  const specifier = `@tensorflow/${name}`
  try {
    await importModule(specifier)
  } catch (err) {
    const code = (err as { code?: string }).code
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      if (String((err as Error).message).includes(specifier)) return { ok: false, reason: `${specifier} is not installed` }
    }
    return { ok: false, reason: `${specifier} is installed but failed to load: ${describeError(err)}` }
  }
  if (tf.findBackendFactory('tensorflow') === null)
    return { ok: false, reason: `${specifier} loaded but registered no 'tensorflow' backend (different @tensorflow/tfjs-core copy?)` }
  const ok = await tf.setBackend('tensorflow')
  if (!ok) return { ok: false, reason: `${specifier} loaded but its backend failed to initialise` }
  return { ok: true, reason: `${specifier} (native libtensorflow)` }
}


/**
 * tfjs's cpu backend prints "Hi, looks like you are running TensorFlow.js in Node.js ..." on its first tensor.
 * initBackend has already chosen (and logged) the fastest backend installed, so that advice is noise here:
 * mark the cpu backend as used, which skips exactly that one message and no other tfjs warning.
 */
function quietCpuBanner(): void {
  const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null
  if (cpu && 'firstUse' in cpu) cpu.firstUse = false
}

function describeError(err: unknown): string {
  const msg = err instanceof Error ? err.message : typeof err === 'object' && err && 'message' in err ? String((err as { message: unknown }).message) : String(err)
  return msg.split('\n')[0].slice(0, 300)
}
