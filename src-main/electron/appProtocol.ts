/**
 * The desktop app's own URL scheme, `tilelab://app/`: the renderer is loaded from it instead of file://, and the
 * resource bytes the API hands out (`res/...`) are read from it. Registered as a privileged standard scheme
 * (index.ts), so the page has a real origin (`tilelab://app`) that the CSP's 'self' names.
 *
 * Routes (host `app` only, GET/HEAD only):
 * - `/res/<...>`  service.readResource('res/<...>'): raw bytes, `application/octet-stream` unless the service says
 *                 otherwise, never a Content-Encoding (the NIfTI loader gunzips by itself), `no-store`.
 * - `/`, `/<file>` a file of the built renderer (out/renderer), realpath-checked to stay inside it.
 * Every response carries the renderer's Content-Security-Policy header and `nosniff`.
 *
 * Plain Node + WHATWG Request/Response (global in Node 20 and in Electron's main): no electron import, so the
 * handler is unit-tested in Node; index.ts passes it to `protocol.handle`.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { RESOURCE_PREFIX, type TileLabService } from '../common/api'
import { contentSecurityPolicy } from '../common/contentSecurityPolicy'
import { serializeError } from '../common/errors'
import { isInside } from '../engine/io/canonicalPath'

/** The scheme, host and entry page of the app. */
export const APP_SCHEME = 'tilelab'
export const APP_HOST = 'app'
export const APP_BASE_URL = `${APP_SCHEME}://${APP_HOST}/`
export const APP_ENTRY_URL = `${APP_BASE_URL}index.html`

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
}

/** Headers on every response of the scheme. */
export function appResponseHeaders(contentType: string): Record<string, string> {
  return {
    'content-type': contentType,
    'content-security-policy': contentSecurityPolicy({ electron: true }),
    'x-content-type-options': 'nosniff',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'referrer-policy': 'no-referrer',
  }
}

/**
 * Maps a URL path of the scheme to a file of the renderer build.
 * @param rendererRoot Canonical (realpath) folder of the build (out/renderer).
 * @param urlPath The URL's pathname, still percent-encoded (`/assets/index-x.js`); `/` means index.html.
 * @returns The canonical file path, or null when the path is malformed, has a NUL, backslash or `..` segment
 *   (after decoding), or resolves (after symlinks) outside the build, or is not a regular file.
 */
export async function resolveRendererFile(rendererRoot: string, urlPath: string): Promise<string | null> {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return null
  }
  const rel = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '')
  if (rel.includes('\0') || rel.includes('\\') || rel.split('/').includes('..')) return null
  const real = await fs.realpath(path.join(rendererRoot, rel)).catch(() => null)
  if (!real || !isInside(rendererRoot, real)) return null
  const st = await fs.stat(real).catch(() => null)
  return st?.isFile() ? real : null
}

/**
 * Builds the handler of `tilelab://` requests.
 * @param options.rendererDir Folder of the built renderer (out/renderer); canonicalised once.
 * @param options.service Reader of resource bytes (the engine service proxy, or a promise of it while the worker
 *   starts: resource requests wait for it); null answers 503 for `res/`.
 * @returns `(request) => Response`: 200 with the bytes, 403 for another host or a `..`, 404 for nothing there,
 *   405 for a method other than GET/HEAD, 503 while the engine is not up.
 */
export function createAppProtocolHandler(options: {
  rendererDir: string
  service: Pick<TileLabService, 'readResource'> | null | Promise<Pick<TileLabService, 'readResource'> | null>
}): (request: Request) => Promise<Response> {
  const rootPromise = fs.realpath(options.rendererDir).catch(() => null)
  const text = (status: number, body: string): Response =>
    new Response(body, { status, headers: appResponseHeaders('text/plain; charset=utf-8') })

  return async (request) => {
    let url: URL
    try {
      url = new URL(request.url)
    } catch {
      return text(400, 'malformed URL')
    }
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return text(403, `${url.host}: not this app`)
    if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'GET only')
    const head = request.method === 'HEAD'

    if (url.pathname.startsWith('/' + RESOURCE_PREFIX)) {
      let resource: string
      try {
        resource = decodeURIComponent(url.pathname.slice(1))
      } catch {
        return text(400, 'malformed URL')
      }
      if (resource.includes('\0') || resource.split('/').includes('..')) return text(403, `${resource}: '..' is not allowed`)
      const service = await options.service
      if (!service) return text(503, 'the engine is not running')
      try {
        const { bytes, contentType } = await service.readResource(resource)
        const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
        return new Response(head ? null : body, {
          status: 200,
          headers: {
            ...appResponseHeaders(contentType || 'application/octet-stream'),
            'content-length': String(bytes.byteLength),
            'cache-control': 'no-store',
          },
        })
      } catch (err) {
        return new Response(JSON.stringify(serializeError(err)), {
          status: 404,
          headers: appResponseHeaders('application/json'),
        })
      }
    }

    const root = await rootPromise
    if (!root) return text(404, `${options.rendererDir}: renderer build not found (run \`npm run build\`)`)
    const file = await resolveRendererFile(root, url.pathname)
    if (!file) return text(404, `${url.pathname}: not found`)
    const body = await fs.readFile(file)
    return new Response(head ? null : body, {
      status: 200,
      headers: {
        ...appResponseHeaders(MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream'),
        'content-length': String(body.byteLength),
        'cache-control': 'no-cache',
      },
    })
  }
}
