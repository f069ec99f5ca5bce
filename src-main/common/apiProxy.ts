/**
 * The client side of TileLabApi: turns any ApiChannel into the typed API, like VS Code's `ProxyChannel.toService`.
 * The renderer uses it over the preload (Electron) and over HTTP + SSE (web host); tests use it in process.
 *
 * It is a JS Proxy, so it needs no runtime list of methods (and does not pull zod into the renderer): the host side
 * (apiDispatch.ts) is what enforces the allowlist and validates requests. Pure TS: no node:, electron or DOM.
 */
import type { ApiChannel } from './apiChannel'
import type { TileLabApi } from './api'
import { deserializeError } from './errors'

/**
 * Builds the typed API over a channel.
 *
 * @param channel Transport; `call` resolves to a reply envelope.
 * @returns TileLabApi whose methods resolve to the value, or reject with an EngineError carrying the host's code
 *   (E_ARGS for a request the schema refused, E_ACCESS for a path outside what the host may read, ...).
 */
export function createApiProxy(channel: ApiChannel): TileLabApi {
  const cache = new Map<string, (request?: unknown) => Promise<unknown>>()
  const target = {} as TileLabApi
  return new Proxy(target, {
    get(_t, prop) {
      if (prop === 'on') return channel.listen.bind(channel)
      if (prop === 'resourceBase') return channel.resourceBase
      // Not a thenable, not a JSON-able object: keeps `await api` and structured cloning from probing the channel.
      if (typeof prop !== 'string' || prop === 'then' || prop === 'toJSON') return undefined
      let fn = cache.get(prop)
      if (!fn) {
        fn = async (request?: unknown) => {
          const reply = await channel.call(prop, request ?? {})
          if (!reply.ok) throw deserializeError(reply.error)
          return reply.value
        }
        cache.set(prop, fn)
      }
      return fn
    },
  })
}

/** Resolves a resource URL the API returned (`res/...`) against the channel's base. */
export function resolveResourceUrl(api: Pick<TileLabApi, 'resourceBase'>, url: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return url
  return new URL(url, api.resourceBase).toString()
}
