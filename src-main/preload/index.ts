/**
 * Preload of the viewer window (sandboxed, context-isolated): exposes the TileLabApi transport as `window.tilelab`,
 * an ApiChannel (common/apiChannel.ts). The renderer wraps it with createApiProxy, exactly as it wraps the HTTP
 * channel of the web host. Nothing else crosses: no ipcRenderer, no Node.
 *
 * Calls go to `ipcRenderer.invoke('tilelab:api', method, request)`; the main process validates the method against
 * the allowlist and the request against its zod schema (apiDispatch.ts) and answers a reply envelope, so that an
 * EngineError's code survives the bridge. Events arrive on 'tilelab:event' and are handed to listeners without
 * the IPC event object.
 */
import { contextBridge, ipcRenderer } from 'electron'
import type { ApiEvents } from '../common/api'
import { API_EVENT_NAMES, API_IPC_CHANNEL, EVENT_IPC_CHANNEL, type ApiChannel, type ApiReply } from '../common/apiChannel'

const listeners = new Map<string, Set<(payload: unknown) => void>>(API_EVENT_NAMES.map((n) => [n, new Set()]))

ipcRenderer.on(EVENT_IPC_CHANNEL, (_event, name: unknown, payload: unknown) => {
  if (typeof name !== 'string') return
  for (const l of listeners.get(name) ?? []) l(payload)
})

const channel: ApiChannel = {
  resourceBase: 'tilelab://app/',
  call: (method: string, request: unknown) =>
    ipcRenderer.invoke(API_IPC_CHANNEL, String(method), request) as Promise<ApiReply>,
  listen<E extends keyof ApiEvents>(event: E, listener: (payload: ApiEvents[E]) => void) {
    const set = listeners.get(event)
    if (!set) return () => undefined
    const l = listener as (payload: unknown) => void
    set.add(l)
    return () => set.delete(l)
  },
}

contextBridge.exposeInMainWorld('tilelab', channel)
