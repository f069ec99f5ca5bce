/**
 * Server-Sent Events for the web host: `GET /api/events` streams every ApiEvents payload the service emits
 * (onDidJobProgress, onDidJobEnd) to every connected page. Wire format (WHATWG HTML §9.2): `event: <name>` +
 * `data: <JSON>` + blank line. A `hello` event is sent on connect so a client can wait until it is subscribed
 * before starting a job, and a comment line every `heartbeatMs` keeps proxies and idle timers from closing the stream.
 */
import type { ServerResponse } from 'node:http'
import type { ApiEvents, TileLabService } from '../common/api'
import { API_EVENT_NAMES } from '../common/apiChannel'

export interface EventHub {
  /** Adds a client; the response stays open until the client goes or the hub closes. */
  attach(res: ServerResponse): void
  /** Connected clients. */
  readonly clients: number
  /** Unsubscribes from the service and ends every stream. */
  close(): void
}

/**
 * Subscribes once to the service's events and fans them out.
 * @param heartbeatMs Interval of keep-alive comments.
 */
export function createEventHub(service: Pick<TileLabService, 'on'>, heartbeatMs = 15_000): EventHub {
  const clients = new Set<ServerResponse>()
  const send = (res: ServerResponse, event: string, payload: unknown): void => {
    res.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`)
  }
  const unsubscribe = API_EVENT_NAMES.map((name) =>
    service.on(name, (payload: ApiEvents[typeof name]) => {
      for (const res of clients) send(res, name, payload)
    }),
  )
  const heartbeat = setInterval(() => {
    for (const res of clients) res.write(`: keep-alive\n\n`)
  }, heartbeatMs)
  heartbeat.unref()

  return {
    attach(res) {
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      })
      res.socket?.setNoDelay(true)
      clients.add(res)
      res.on('close', () => clients.delete(res))
      send(res, 'hello', { events: API_EVENT_NAMES })
    },
    get clients() {
      return clients.size
    },
    close() {
      clearInterval(heartbeat)
      for (const u of unsubscribe) u()
      for (const res of clients) res.end()
      clients.clear()
    },
  }
}
