/**
 * The engine service of the desktop app, run off the main thread so the window never waits on TF.js or
 * onnxruntime: `startEngineWorker` (src-main/engine/service/engineWorkerHost.ts) runs the TileLabService in a Node
 * worker thread and returns a proxy that forwards calls, events and readResource to it.
 *
 * Why a worker thread and not an Electron utilityProcess: the service is plain Node (it never needs Electron), the
 * same worker host serves the CLI and the web host, TF.js must live in exactly one long-lived thread (stack-notes:
 * tfjs #2079, #8388), and transferring probability slices between threads is cheaper than between processes. A
 * utilityProcess would only buy a hard kill of a stuck native call; the host's cooperative cancellation plus
 * worker.terminate() covers the cases seen so far.
 *
 * MERGE POINT (the one place that names the engine): the service is written in parallel on another branch. When
 * src-main/engine/service/engineWorkerHost.ts is on this branch, replace the body of startEngine with
 *     const { startEngineWorker } = await import('../engine/service/engineWorkerHost')
 *     return startEngineWorker(options)
 * (and drop the local interfaces below in favour of the host's own types). Until then startEngine rejects with
 * E_WORKER, and every API call of the app answers that error; the window, menus and dialogs still work.
 */
import type { TileLabService } from '../common/api'
import { EngineError } from '../common/errors'

/** Options of startEngineWorker as the desktop app passes them (local copy of the host's interface). */
export interface EngineWorkerOptions {
  host: 'electron'
  /** Folders whose sub-folders are models: the bundled ones (read-only) first, then the user's. */
  modelsDirs: string[]
  /** Writable folder for the engine's outputs (evaluations, training runs). */
  workDir: string
  /** The bundled sample study opened when the app starts with none. */
  sampleStudyDir: string | null
}

/** What startEngineWorker returns: the service proxy plus a way to stop the worker. */
export type EngineWorker = TileLabService & { dispose(): Promise<void> }

/**
 * Starts the engine worker.
 * @throws EngineError E_WORKER when the worker cannot start.
 */
export async function startEngine(options: EngineWorkerOptions): Promise<EngineWorker> {
  void options
  throw new EngineError(
    'E_WORKER',
    'the engine service is not part of this build yet (src-main/engine/service/engineWorkerHost.ts; see engineService.ts)',
  )
}
