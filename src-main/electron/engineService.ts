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
 * Training, evaluation and sweep jobs run as child processes of the bundled CLI (out/main/cli.js) under this
 * executable with ELECTRON_RUN_AS_NODE=1: the RunAsNode fuse stays on for that reason (package.json "build").
 */
/// <reference types="electron-vite/node" />
import path from 'node:path'
import type { TileLabService } from '../common/api'
import createEngineWorker from '../engine/service/engineWorker?nodeWorker'
import { startEngineWorker } from '../engine/service/engineWorkerHost'

/** Options of the desktop app's engine. */
export interface EngineWorkerOptions {
  host: 'electron'
  version: string
  /** Models shipped with the app (read-only). */
  bundledModelsDir: string
  /** The user's models (writable; the app trains into it). */
  userModelsDir: string
  /** Writable folder for the engine's outputs (evaluations, caches, the generated sample study). */
  workDir: string
  /** Folder of the bundled main script (out/main), which holds cli.js. */
  mainDir: string
}

/** What startEngineWorker returns: the service proxy plus a way to stop the worker. */
export type EngineWorker = TileLabService & { dispose(): Promise<void> }

/**
 * Starts the engine worker (the bundled engineWorker.ts).
 * @throws EngineError E_WORKER when the worker cannot start.
 */
export async function startEngine(options: EngineWorkerOptions): Promise<EngineWorker> {
  return startEngineWorker({
    host: 'electron',
    version: options.version,
    bundledModelDirs: [options.bundledModelsDir],
    userModelsDir: options.userModelsDir,
    workDir: options.workDir,
    sampleStudyCacheDir: path.join(options.workDir, 'cache'),
    cli: {
      execPath: process.execPath,
      args: [path.join(options.mainDir, 'cli.js')],
      env: { ELECTRON_RUN_AS_NODE: '1' },
    },
    createWorker: (workerData) => createEngineWorker({ workerData }),
  })
}
