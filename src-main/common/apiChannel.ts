/**
 * The wire shape every transport of TileLabApi speaks, after VS Code's IChannel: `call(method, request)` answers a
 * reply envelope, `listen(event, listener)` subscribes to ApiEvents. Pure TS (types only): no node:, electron or DOM.
 *
 * Why an envelope and not a thrown error: Electron's contextBridge and ipcRenderer.invoke keep only an Error's
 * message, so an EngineError's `code` would be lost on the way to the renderer. Replies therefore carry
 * `{ ok: false, error: {name, code, message} }` and the client proxy (apiProxy.ts) rethrows an EngineError.
 *
 * Transports:
 * - Electron: the preload exposes an ApiChannel as `window.tilelab`; it forwards `call` to
 *   `ipcRenderer.invoke(API_IPC_CHANNEL, method, request)` and events from `EVENT_IPC_CHANNEL`.
 * - Web host: `POST /api/<method>` (JSON body; the value, or {name, code, message} with an HTTP error status) and
 *   Server-Sent Events at `/api/events` (event name = ApiEvents key, data = JSON payload).
 * - In process (CLI, tests): `createInProcessChannel(service)` in apiDispatch.ts.
 */
import type { SerializedError } from './errors'
import type { ApiEvents } from './api'

/** The answer to one call. */
export type ApiReply<T = unknown> = { ok: true; value: T } | { ok: false; error: SerializedError }

export interface ApiChannel {
  /** Calls an API method; never rejects for engine errors (they come back as `{ ok: false }`). */
  call(method: string, request: unknown): Promise<ApiReply>
  /** Subscribes to an event; returns the unsubscribe function. */
  listen<E extends keyof ApiEvents>(event: E, listener: (payload: ApiEvents[E]) => void): () => void
  /** Base URL that resource URLs (`res/...`) are resolved against. */
  readonly resourceBase: string
}

/** ipcMain.handle channel of API calls: `(method: string, request: unknown) => ApiReply`. */
export const API_IPC_CHANNEL = 'tilelab:api'
/** webContents.send channel of events: `(event: keyof ApiEvents, payload)`. */
export const EVENT_IPC_CHANNEL = 'tilelab:event'
/** The event names a channel may carry, in a stable order. */
export const API_EVENT_NAMES: (keyof ApiEvents)[] = ['onDidJobProgress', 'onDidJobEnd']
