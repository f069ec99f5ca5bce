/**
 * Multi-threaded tfjs-wasm in plain Node.
 *
 * Stock @tensorflow/tfjs-backend-wasm 4.22 runs one thread in Node, for three reasons (tfjs #3830):
 * 1. its `WASM_HAS_MULTITHREAD_SUPPORT` flag returns false whenever `IS_NODE`;
 * 2. it hands Emscripten's pthread pool a `blob:` URL for the worker script and a `Blob` for the main script,
 *    neither of which Node's `worker_threads` can load;
 * 3. XNNPACK's pool is capped at `emscripten_num_logical_cores() / 2` (= `os.cpus().length / 2` in Node),
 *    read once when the module starts; on a 2-core laptop that is 1.
 *
 * `withNodeThreads` works around all three for the duration of one backend initialisation: it sets the flag,
 * captures the two scripts' text as tfjs builds its Blobs, writes them to a private temp folder (mode 0700, one
 * per user and install, reused across processes) with a small prologue that supplies the bundle-level names the
 * Emscripten factory closes over, and reports `os.cpus()` as twice the requested thread count while the module starts. The pthread workers
 * start with an empty `execArgv` (they run plain CommonJS; inheriting flags such as `--input-type` or a loader
 * would break or slow all eight of them). Every patched
 * global is restored when initialisation settles. Running pthread workers are then `unref()`ed so that a
 * finished CLI command exits.
 *
 * The prologue matches the Node bundle of tfjs-backend-wasm 4.22.0 exactly (`require$$0..4`, tslib helpers);
 * other versions are refused up front (one thread, with the reason logged) rather than risking a worker crash.
 *
 * @source tfjs-backend-wasm 4.22.0 dist/tf-backend-wasm.node.js (init(), PThread), backend.cc
 *   (`init_with_threads_count` caps at num_logical_cores / 2), Emscripten library_pthread.js.
 */
import { lstatSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createHash, randomBytes } from 'node:crypto'
import os from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'

// The CommonJS exports object of worker_threads: the one Emscripten's glue reads `Worker` from.
const workerThreads = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads')

/** The tfjs-backend-wasm version whose Node bundle this workaround was written and tested against. */
export const THREADS_VERIFIED_WASM_VERSION = '4.22.0'

/** Why threads cannot be used here, or null when the workaround can be attempted. */
export function nodeThreadsUnavailableReason(wasmVersion: string): string | null {
  if (wasmVersion !== THREADS_VERIFIED_WASM_VERSION)
    return `the Node thread workaround is verified for tfjs-backend-wasm ${THREADS_VERIFIED_WASM_VERSION}, found ${wasmVersion}`
  if (typeof SharedArrayBuffer !== 'function') return 'SharedArrayBuffer is not available in this Node'
  if (typeof Blob !== 'function' || typeof URL.createObjectURL !== 'function')
    return 'Blob / URL.createObjectURL are not available in this Node'
  try {
    // A module with shared memory and an atomic load: the threads proposal (wasm-feature-detect).
    const threadsModule = new Uint8Array([
      0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0, 254, 16, 2,
      0, 26, 11,
    ])
    const wasmApi = (globalThis as unknown as { WebAssembly?: { validate(b: Uint8Array): boolean } }).WebAssembly
    if (!wasmApi?.validate(threadsModule)) return 'this Node does not support WebAssembly threads'
  } catch (err) {
    return `WebAssembly threads check failed: ${(err as Error).message}`
  }
  return null
}

/** Names the Emscripten factory closes over in the 4.22.0 Node bundle, supplied to the worker's global scope. */
function prologue(mainPath: string): string {
  return [
    `var _scriptDir = ${JSON.stringify(mainPath)};`,
    'var commonjsGlobal = globalThis;',
    "var require$$0 = require('fs'), require$$1 = require('path'), require$$3 = require('perf_hooks'), require$$4 = require('os');",
    'var __values = function (o) { return o[Symbol.iterator](); };',
    'var __read = function (o, n) { var a = Array.from(o); return n === undefined ? a : a.slice(0, n); };',
    'var __spreadArray = function (to, from) { return to.concat(Array.prototype.slice.call(from)); };',
    '',
  ].join('\n')
}

/** Appended to the worker script: load the main script from our file when tfjs hands the worker a Blob. */
function workerEpilogue(mainPath: string): string {
  return `
;(function () {
  var handle = self.onmessage;
  self.onmessage = function (e) {
    if (e.data && e.data.cmd === 'load' && typeof e.data.urlOrBlob !== 'string') e.data.urlOrBlob = ${JSON.stringify(mainPath)};
    return handle(e);
  };
})();
`
}

let scriptDir: string | null = null

/**
 * The folder for the two scripts: one per user and tfjs-backend-wasm install, reused by every process (so killed
 * processes leave nothing behind): `<tmp>/tilelab-wasm-threads-<uid>-<hash of the package path>`, mode 0700.
 * If that path exists but is not a private folder of this user (a symlink, another owner, group/world access),
 * a fresh mkdtemp folder is used instead and removed at exit.
 */
function privateScriptDir(packageId: string): string {
  if (scriptDir !== null) return scriptDir
  const uid = process.getuid?.() ?? 0
  const hash = createHash('sha256').update(packageId).digest('hex').slice(0, 12)
  const shared = join(os.tmpdir(), `tilelab-wasm-threads-${uid}-${hash}`)
  try {
    mkdirSync(shared, { mode: 0o700 })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
  const st = lstatSync(shared)
  if (st.isDirectory() && !st.isSymbolicLink() && st.uid === uid && (st.mode & 0o077) === 0) scriptDir = shared
  else {
    const dir = mkdtempSync(join(os.tmpdir(), 'tilelab-wasm-threads-'))
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
    scriptDir = dir
  }
  return scriptDir
}

/** The folder holding the pthread scripts, once withNodeThreads has run (for tests and diagnostics). */
export function nodeThreadsScriptDir(): string | null {
  return scriptDir
}

/** Writes `text` to `path` atomically (concurrent processes write identical content). */
function writeScript(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  writeFileSync(tmp, text, { mode: 0o600 })
  renameSync(tmp, path)
}

/**
 * Runs `init` (which must initialise the tfjs 'wasm' backend) with Node pthreads enabled for `threads` threads.
 *
 * @param threads Threads XNNPACK should use (2..8; the pre-created Emscripten pool holds 8 workers).
 * @param setFlag Sets a tfjs environment flag (`tf.env().set`).
 * @param init    Initialises the backend, e.g. `() => tf.setBackend('wasm')`.
 * @returns What `init` returns. Globals (Blob, URL.createObjectURL, os.cpus) are restored in every case.
 */
export async function withNodeThreads<T>(
  threads: number,
  setFlag: (name: string, value: boolean) => void,
  init: () => Promise<T>,
): Promise<T> {
  const dir = privateScriptDir(`${THREADS_VERIFIED_WASM_VERSION}:${createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')}`)
  const mainPath = join(dir, 'wasm-main.cjs')
  const workerPath = join(dir, 'wasm-worker.cjs')
  const OriginalBlob = globalThis.Blob
  const originalCreateObjectURL = URL.createObjectURL
  const originalCpus = os.cpus
  const OriginalWorker = workerThreads.Worker
  const texts = new WeakMap<Blob, string>()

  class CapturingBlob extends OriginalBlob {
    constructor(...args: ConstructorParameters<typeof Blob>) {
      super(...args)
      const parts = args[0]
      if (parts && parts.every((p) => typeof p === 'string')) {
        const text = (parts as string[]).join('')
        texts.set(this, text)
        if (text.startsWith('var WasmBackendModuleThreadedSimd')) writeScript(mainPath, prologue(mainPath) + text)
      }
    }
  }

  setFlag('WASM_HAS_MULTITHREAD_SUPPORT', true)
  globalThis.Blob = CapturingBlob
  URL.createObjectURL = (obj: Blob) => {
    const text = texts.get(obj)
    if (text === undefined) return originalCreateObjectURL(obj)
    writeScript(workerPath, text + workerEpilogue(mainPath))
    return workerPath
  }
  workerThreads.Worker = class PthreadWorker extends OriginalWorker {
    constructor(filename: string | URL, options?: import('node:worker_threads').WorkerOptions) {
      super(filename, { ...options, execArgv: options?.execArgv ?? [] })
    }
  }
  os.cpus = () => {
    const cpus = originalCpus.call(os)
    return Array.from({ length: 2 * threads }, (_, i) => cpus[i % Math.max(1, cpus.length)])
  }
  try {
    return await init()
  } finally {
    globalThis.Blob = OriginalBlob
    URL.createObjectURL = originalCreateObjectURL
    os.cpus = originalCpus
    workerThreads.Worker = OriginalWorker
  }
}

/** The Emscripten pthread bookkeeping that tfjs-wasm exposes as `backend.wasm.PThread`. */
interface PThreadLike {
  runningWorkers?: Array<{ unref?: () => void }>
  unusedWorkers?: Array<{ unref?: () => void }>
}

/** Lets the process exit while XNNPACK's pool threads idle (Emscripten refs a worker while it runs a pthread). */
export function unrefPthreadWorkers(wasmModule: unknown): number {
  const pthread = (wasmModule as { PThread?: PThreadLike } | null)?.PThread
  if (!pthread) return 0
  let n = 0
  for (const w of [...(pthread.runningWorkers ?? []), ...(pthread.unusedWorkers ?? [])]) {
    w.unref?.()
    n++
  }
  return n
}
