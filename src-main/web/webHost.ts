/**
 * The loopback web host of `tilelab serve`: the built renderer plus TileLabApi over HTTP, for a browser on the same
 * machine (or through an SSH tunnel to a GPU box).
 *
 * Routes (all need the per-start token: see accessToken.ts):
 * - `GET /?token=T`       checks T, sets the token cookie, redirects to `/` (the token leaves the address bar).
 * - `GET /`, `/assets/*`  the built renderer (staticFiles.ts), with a strict CSP.
 * - `POST /api/<method>`  JSON request → JSON value; errors as {name, code, message} with a 4xx/5xx status.
 *                         Only allowlisted methods; each request is validated with its zod schema and its path
 *                         fields are checked by the path guard (only under `--data`).
 * - `GET /api/events`     Server-Sent Events: onDidJobProgress, onDidJobEnd.
 * - `GET /res/...`        bytes of a resource URL the API returned (NIfTI, label voxels, probability slices),
 *                         `application/octet-stream`, never with a Content-Encoding.
 *
 * It binds 127.0.0.1 only and refuses requests whose Host header is not this host (DNS rebinding), and POSTs whose
 * Origin is another site. The service does the engine work; keeping it off this thread is the service's concern.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { RESOURCE_PREFIX, type TileLabService } from '../common/api'
import { dispatchApiCall, isApiMethod } from '../common/apiDispatch'
import { EngineError, serializeError, type SerializedError } from '../common/errors'
import { createAccessToken, presentedToken, tokenCookie, tokenMatches } from './accessToken'
import { createEventHub } from './eventStream'
import { createPathGuard } from './pathGuard'
import { securityHeaders, serveStatic } from './staticFiles'

export interface WebHostOptions {
  /** The engine service (or a test double). */
  service: TileLabService
  /** Folder of the built renderer (index.html + assets/). */
  staticDir: string
  /** `--data`: the only folder requests may name (read and write); null for none. */
  dataRoot: string | null
  /** Extra read-only roots, e.g. the bundled sample study. */
  readOnlyRoots?: string[]
  /** Extra writable roots of the host's own, e.g. the work folder's evaluation runs. */
  writableRoots?: string[]
  /** TCP port; 0 (default) picks a free one. */
  port?: number
  /** Fixed token (tests); a random one otherwise. */
  token?: string
}

export interface WebHost {
  /** `http://127.0.0.1:PORT/?token=...`: what `tilelab serve` prints first. */
  readonly url: string
  readonly origin: string
  readonly port: number
  readonly token: string
  close(): Promise<void>
}

const MAX_BODY_BYTES = 1 << 20

/**
 * Starts the host.
 * @throws EngineError E_IO when the data root or the build folder is missing, or the port is taken.
 */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const { service } = options
  const token = options.token ?? createAccessToken()
  const guard = await createPathGuard(options.dataRoot, options.readOnlyRoots ?? [], options.writableRoots ?? [])
  const staticRoot = await fs.realpath(options.staticDir).catch(() => {
    throw new EngineError('E_IO', `${options.staticDir}: renderer build not found (run \`npm run build:renderer\`)`)
  })
  await fs.access(path.join(staticRoot, 'index.html')).catch(() => {
    throw new EngineError('E_IO', `${staticRoot}/index.html: renderer build not found (run \`npm run build:renderer\`)`)
  })
  const hub = createEventHub(service)
  let port = 0

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => sendError(res, serializeError(err)))
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host ?? ''
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`)
      return sendError(res, accessError(`Host '${host.slice(0, 100)}' is not this host`), 421)
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`)
    const pathname = safeDecode(url.pathname)
    if (pathname === null) return sendError(res, argsError('malformed URL'), 400)

    // The page with the token in its query: store it as a cookie, then drop it from the address bar.
    if (req.method === 'GET' && pathname === '/' && url.searchParams.has('token')) {
      if (!tokenMatches(url.searchParams.get('token'), token)) return sendError(res, accessError('wrong token'), 403)
      res.writeHead(303, { ...securityHeaders(), 'Set-Cookie': tokenCookie(port, token), Location: '/' })
      return void res.end()
    }
    const presented = presentedToken(req, port)
    if (presented === null) return sendError(res, accessError('token required: open the URL tilelab serve printed'), 401)
    if (!tokenMatches(presented, token)) return sendError(res, accessError('wrong token'), 403)

    if (pathname.startsWith('/api/')) return handleApi(req, res, pathname.slice('/api/'.length))
    if (pathname.startsWith('/' + RESOURCE_PREFIX)) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, argsError('GET only'), 405)
      return handleResource(req, res, pathname.slice(1))
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, argsError('GET only'), 405)
    if (!(await serveStatic(res, staticRoot, pathname))) sendError(res, ioError(`${pathname}: not found`), 404)
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    if (method === 'events') {
      if (req.method !== 'GET') return sendError(res, argsError('GET only'), 405)
      return hub.attach(res)
    }
    if (req.method !== 'POST') return sendError(res, argsError('POST only'), 405)
    const origin = req.headers.origin
    if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`)
      return sendError(res, accessError(`Origin '${origin.slice(0, 100)}' may not call this host`), 403)
    if (!isApiMethod(method)) return sendError(res, argsError(`unknown API method '${method.slice(0, 80)}'`), 404)
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
      return sendError(res, argsError('Content-Type must be application/json'), 415)
    const body = await readBody(req)
    if (body === null) return sendError(res, argsError(`request body over ${MAX_BODY_BYTES} bytes`), 413)
    let request: unknown
    try {
      request = body.length ? JSON.parse(body) : {}
    } catch {
      return sendError(res, argsError(`${method}: request body is not JSON`), 400)
    }
    // No native dialogs over HTTP: the renderer falls back to its folder browser.
    const reply =
      method === 'pickPath'
        ? ({ ok: true, value: null } as const)
        : await dispatchApiCall(service, method, request, guard.guardRequest)
    if (!reply.ok) return sendError(res, reply.error)
    sendJson(res, 200, reply.value ?? null)
  }

  async function handleResource(req: IncomingMessage, res: ServerResponse, resourcePath: string): Promise<void> {
    if (resourcePath.includes('\0') || resourcePath.split('/').includes('..'))
      return sendError(res, accessError(`${resourcePath}: '..' is not allowed`), 403)
    const { bytes, contentType } = await service.readResource(resourcePath)
    res.writeHead(200, {
      ...securityHeaders(),
      // Raw bytes exactly as the service produced them: never Content-Encoding (the NIfTI loader gunzips itself).
      'Content-Type': contentType || 'application/octet-stream',
      'Content-Length': String(bytes.byteLength),
      'Cache-Control': 'no-store',
    })
    res.end(req.method === 'HEAD' ? undefined : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new EngineError('E_IO', `127.0.0.1:${options.port ?? 0}: cannot listen: ${err.code ?? err.message}`)),
    )
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  port = typeof address === 'object' && address ? address.port : 0
  const origin = `http://127.0.0.1:${port}`

  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    close: async () => {
      hub.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value)
  res.writeHead(status, {
    ...securityHeaders(),
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
  })
  res.end(body)
}

/** Error statuses by code; the body is always the wire form {name, code, message}. */
function sendError(res: ServerResponse, error: SerializedError, status?: number): void {
  if (res.headersSent) return void res.end()
  const byCode: Partial<Record<SerializedError['code'], number>> = {
    E_ARGS: 400,
    E_ACCESS: 403,
    E_IO: 404,
    E_INTERNAL: 500,
    E_WORKER: 503,
  }
  sendJson(res, status ?? byCode[error.code] ?? 422, error)
}

const accessError = (message: string): SerializedError => ({ name: 'EngineError', code: 'E_ACCESS', message })
const argsError = (message: string): SerializedError => ({ name: 'EngineError', code: 'E_ARGS', message })
const ioError = (message: string): SerializedError => ({ name: 'EngineError', code: 'E_IO', message })

function safeDecode(p: string): string | null {
  try {
    return decodeURIComponent(p)
  } catch {
    return null
  }
}

/** The request body as text, or null when it exceeds MAX_BODY_BYTES. */
async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) return null
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}
