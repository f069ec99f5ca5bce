/**
 * Messages between the engine worker thread (engineWorker.ts) and its host (engineWorkerHost.ts).
 * Structured-clone data only; resource bytes travel as transferred ArrayBuffers.
 */
import type { ApiEvents } from '../../common/api'
import type { SerializedError } from '../../common/errors'
import type { EngineServiceOptions } from './engineService'

/** What the host asks. */
export type HostMessage =
  | { type: 'call'; id: number; method: string; request: unknown }
  | { type: 'resource'; id: number; url: string }
  | { type: 'dispose'; id: number }

/** What the worker answers or emits. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: SerializedError }
  | { type: 'event'; name: keyof ApiEvents; payload: unknown }

/** workerData of the engine worker: the service's options (structured-clone safe: no functions). */
export type EngineWorkerData = EngineServiceOptions
