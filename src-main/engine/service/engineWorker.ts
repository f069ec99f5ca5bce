/**
 * Entry of the engine worker thread: runs one EngineService (and so the only TensorFlow.js / ONNX Runtime instance
 * of the process) off the host's main thread, answering HostMessages. Loaded through engineWorker.bootstrap.mjs in
 * development (TypeScript via tsx) and bundled directly in the Electron build.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { API_EVENT_NAMES } from '../../common/apiChannel'
import { serializeError } from '../../common/errors'
import { EngineService } from './engineService'
import type { EngineWorkerData, HostMessage, WorkerMessage } from './workerProtocol'

const port = parentPort
if (!port) throw new Error('engineWorker.ts must run in a worker thread')

const service = new EngineService(workerData as EngineWorkerData)
const send = (m: WorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer)

for (const name of API_EVENT_NAMES) service.on(name, (payload) => send({ type: 'event', name, payload }))

port.on('message', async (m: HostMessage) => {
  try {
    if (m.type === 'call') {
      const fn = (service as unknown as Record<string, (r: unknown) => Promise<unknown>>)[m.method]
      const value = await fn.call(service, m.request)
      send({ type: 'reply', id: m.id, ok: true, value: value ?? null })
    } else if (m.type === 'resource') {
      const { bytes, contentType } = await service.readResource(m.url)
      const copy = bytes.slice()
      send({ type: 'reply', id: m.id, ok: true, value: { bytes: copy, contentType } }, [copy.buffer])
    } else if (m.type === 'dispose') {
      await service.dispose()
      send({ type: 'reply', id: m.id, ok: true, value: null })
    }
  } catch (err) {
    send({ type: 'reply', id: m.id, ok: false, error: serializeError(err) })
  }
})
send({ type: 'ready' })
