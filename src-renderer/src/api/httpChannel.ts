/**
 * The ApiChannel of the web host (`tilelab serve`): `POST /api/<method>` with JSON, and one EventSource on
 * `/api/events` for every page-wide listener. Authorisation is the HttpOnly token cookie the host set when the page
 * was opened with `?token=` (same-origin requests carry it; nothing here sees the token).
 *
 * Calls wait for the event stream's `hello` (at most 3 s) so that a job started right away cannot emit events
 * before the page listens.
 */
import type { ApiEvents } from '../../../src-main/common/api'
import { API_EVENT_NAMES, type ApiChannel, type ApiReply } from '../../../src-main/common/apiChannel'

export function createHttpChannel(origin: string = location.origin): ApiChannel {
  const listeners = new Map<keyof ApiEvents, Set<(p: never) => void>>(API_EVENT_NAMES.map((n) => [n, new Set()]))
  const source = new EventSource(`${origin}/api/events`)
  const ready = new Promise<void>((resolve) => {
    source.addEventListener('hello', () => resolve(), { once: true })
    setTimeout(resolve, 3000)
  })
  for (const name of API_EVENT_NAMES) {
    source.addEventListener(name, (e) => {
      let payload: unknown
      try {
        payload = JSON.parse((e as MessageEvent<string>).data)
      } catch {
        return
      }
      for (const l of listeners.get(name) ?? []) (l as (p: unknown) => void)(payload)
    })
  }

  return {
    resourceBase: `${origin}/`,
    async call(method: string, request: unknown): Promise<ApiReply> {
      await ready
      let res: Response
      try {
        res = await fetch(`${origin}/api/${encodeURIComponent(method)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(request ?? {}),
          credentials: 'same-origin',
        })
      } catch (err) {
        return { ok: false, error: { name: 'Error', code: 'E_IO', message: `${method}: host unreachable (${String(err)})` } }
      }
      const text = await res.text()
      let body: unknown = null
      try {
        body = text ? JSON.parse(text) : null
      } catch {
        body = null
      }
      if (res.ok) return { ok: true, value: body }
      if (body && typeof body === 'object' && 'code' in body && 'message' in body)
        return { ok: false, error: body as Extract<ApiReply, { ok: false }>['error'] }
      return { ok: false, error: { name: 'Error', code: 'E_INTERNAL', message: `${method}: HTTP ${res.status}` } }
    },
    listen(event, listener) {
      const set = listeners.get(event)!
      set.add(listener as (p: never) => void)
      return () => set.delete(listener as (p: never) => void)
    },
  }
}
