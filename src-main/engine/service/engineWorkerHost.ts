/**
 * The host side of the engine worker: starts a worker thread running EngineService and returns a TileLabService
 * that proxies every call, event and resource read to it. The web host of `tilelab serve` and the Electron main
 * process use this, so loading NIfTI files and running the U-Net never block their event loops. If the worker
 * dies, pending calls fail with E_WORKER and the next call starts a fresh worker.
 */
import { EventEmitter } from 'node:events'
import { Worker } from 'node:worker_threads'
import type { ApiEvents, ResourceBytes, TileLabService } from '../../common/api'
import { API_METHODS } from '../../common/api'
import { deserializeError, EngineError } from '../../common/errors'
import { log } from '../log'
import type { EngineServiceOptions } from './engineService'
import type { HostMessage, WorkerMessage } from './workerProtocol'

export interface EngineWorkerHandle extends TileLabService {
  /** Cancels jobs, frees models and ends the worker. */
  dispose(): Promise<void>
}

export interface StartEngineWorkerOptions extends EngineServiceOptions {
  /** Creates the worker thread; default: the development bootstrap (TypeScript via tsx). Electron passes its bundle. */
  createWorker?: (workerData: EngineServiceOptions) => Worker
}

/** A host message before its id is assigned. */
type Unnumbered<T> = T extends unknown ? Omit<T, 'id'> : never

interface Pending {
  resolve: (value: unknown) => void
  reject: (err: Error) => void
}

/**
 * Starts the engine worker and waits until it is ready.
 * @throws EngineError E_WORKER when the worker fails to start.
 */
export async function startEngineWorker(options: StartEngineWorkerOptions): Promise<EngineWorkerHandle> {
  const { createWorker = defaultWorker, ...serviceOptions } = options
  const events = new EventEmitter()
  const pending = new Map<number, Pending>()
  let nextId = 1
  let worker: Worker | null = null
  let ready: Promise<void> | null = null
  let disposed = false

  const start = (): Promise<void> => {
    const w = createWorker(serviceOptions)
    worker = w
    return new Promise<void>((resolve, reject) => {
      w.on('message', (m: WorkerMessage) => {
        if (m.type === 'ready') resolve()
        else if (m.type === 'event') events.emit(m.name, m.payload)
        else if (m.type === 'reply') {
          const p = pending.get(m.id)
          pending.delete(m.id)
          if (!p) return
          if (m.ok) p.resolve(m.value)
          else p.reject(deserializeError(m.error))
        }
      })
      const fail = (reason: string): void => {
        if (worker === w) {
          worker = null
          ready = null
        }
        reject(new EngineError('E_WORKER', reason))
        for (const [id, p] of pending) {
          pending.delete(id)
          p.reject(new EngineError('E_WORKER', `${reason}; the request was not completed`))
        }
        if (!disposed) log.error({ reason }, 'engine worker stopped')
      }
      w.on('error', (err) => fail(`engine worker crashed: ${err.message}`))
      w.on('exit', (code) => fail(`engine worker exited with code ${code}`))
    })
  }

  const request = async (message: Unnumbered<HostMessage>): Promise<unknown> => {
    if (disposed) throw new EngineError('E_WORKER', 'the engine has been shut down')
    ready ??= start()
    await ready
    const id = nextId++
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject })
      worker!.postMessage({ ...message, id } as HostMessage)
    })
  }

  ready = start()
  await ready

  const handle: Record<string, unknown> = {
    on<E extends keyof ApiEvents>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
      events.on(event, listener)
      return () => events.off(event, listener)
    },
    readResource: (url: string) => request({ type: 'resource', url }) as Promise<ResourceBytes>,
    async dispose() {
      if (disposed) return
      await request({ type: 'dispose' }).catch(() => undefined)
      disposed = true
      await worker?.terminate()
    },
  }
  for (const method of API_METHODS) handle[method] = (req: unknown) => request({ type: 'call', method, request: req })
  return handle as unknown as EngineWorkerHandle
}

function defaultWorker(workerData: EngineServiceOptions): Worker {
  return new Worker(new URL('./engineWorker.bootstrap.mjs', import.meta.url), { workerData })
}
