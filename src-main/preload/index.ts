/**
 * Preload of the viewer window (sandboxed, context-isolated): exposes the TileLabApi transport as `window.tilelab`,
 * an ApiChannel (common/apiChannel.ts). The renderer wraps it with createApiProxy, exactly as it wraps the HTTP
 * channel of the web host. Nothing else crosses: no ipcRenderer, no Node.
 *
 * Calls go to `ipcRenderer.invoke('tilelab:api', method, request)`; the main process validates the method against
 * the allowlist and the request against its zod schema (apiDispatch.ts) and answers a reply envelope, so that an
 * EngineError's code survives the bridge. Events arrive on 'tilelab:event' and are handed to listeners without
 * the IPC event object.
 *
 * Menu commands (common/menuCommands.ts) arrive on 'tilelab:menu' and are exposed as `window.tilelabShell`
 * (`onMenuCommand(listener)`); each is validated (parseMenuCommand) before a listener sees it.
 */
import { contextBridge, ipcRenderer } from 'electron'
import type { ApiEvents } from '../common/api'
import { API_EVENT_NAMES, API_IPC_CHANNEL, EVENT_IPC_CHANNEL, type ApiChannel, type ApiReply } from '../common/apiChannel'
import { MENU_IPC_CHANNEL, parseMenuCommand, type MenuCommand, type ShellBridge } from '../common/menuCommands'

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

const menuListeners = new Set<(command: MenuCommand) => void>()

ipcRenderer.on(MENU_IPC_CHANNEL, (_event, value: unknown) => {
  const command = parseMenuCommand(value)
  if (!command) return
  for (const l of menuListeners) l(command)
})

const shell: ShellBridge = {
  onMenuCommand(listener) {
    menuListeners.add(listener)
    return () => menuListeners.delete(listener)
  },
}

contextBridge.exposeInMainWorld('tilelab', channel)
contextBridge.exposeInMainWorld('tilelabShell', shell)
