/**
 * Which URLs the desktop app lets its pages load, navigate to and talk from. The app shows no remote content: only
 * its own scheme (`tilelab://app/`), the in-memory `blob:`/`data:` URLs the renderer makes itself and, in
 * development only, the electron-vite dev server (ELECTRON_RENDERER_URL, with its HMR websocket) and devtools.
 * Electron's checklist items 1 (only local content), 13 (no navigation) and 17 (validate the IPC sender) rest on
 * these predicates; index.ts applies them (webRequest.onBeforeRequest, will-navigate, ipcMain handlers).
 * Pure TS on the WHATWG URL parser: no electron, no node:.
 */
import { APP_HOST, APP_SCHEME } from './appProtocol'

export interface RequestPolicyOptions {
  /** Origin of the dev server (`http://localhost:5173`), only when running unpackaged with ELECTRON_RENDERER_URL. */
  devServerOrigin?: string | null
}

function parse(url: string | undefined | null): URL | null {
  if (typeof url !== 'string' || url.length === 0 || url.length > 1 << 16) return null
  try {
    return new URL(url)
  } catch {
    return null
  }
}

/** True for a URL of the app's own scheme and host (`tilelab://app/...`). */
export function isAppUrl(url: string | undefined | null): boolean {
  const u = parse(url)
  return !!u && u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST
}

/** True for a URL on the dev server's origin (http(s) for pages, ws(s) for Vite's HMR socket). */
function isDevServerUrl(u: URL, devServerOrigin: string | null | undefined): boolean {
  const dev = devServerOrigin ? parse(devServerOrigin) : null
  if (!dev || (dev.protocol !== 'http:' && dev.protocol !== 'https:')) return false
  if (!['localhost', '127.0.0.1', '[::1]'].includes(dev.hostname)) return false
  const sameHost = u.hostname === dev.hostname && u.port === dev.port
  if (u.protocol === dev.protocol) return sameHost
  return sameHost && u.protocol === (dev.protocol === 'https:' ? 'wss:' : 'ws:')
}

/**
 * May a page of the app load this URL (any request: document, script, fetch, XHR, image, worker)?
 * @returns true for `tilelab://app/...`, `blob:` of the app's origin, `data:`, and in development the dev server
 *   and `devtools:`; false for everything else (http(s) to anywhere, file:, other custom schemes).
 */
export function isAllowedRequestUrl(url: string, options: RequestPolicyOptions = {}): boolean {
  const u = parse(url)
  if (!u) return false
  if (u.protocol === `${APP_SCHEME}:`) return u.host === APP_HOST
  if (u.protocol === 'data:') return true
  if (u.protocol === 'blob:') {
    // blob:<origin>/<uuid>: only blobs the app's own pages made.
    const inner = u.pathname.replace(/\/[^/]*$/, '')
    return isAppUrl(inner + '/') || (!!options.devServerOrigin && isAllowedRequestUrl(inner + '/', options))
  }
  if (options.devServerOrigin) {
    if (u.protocol === 'devtools:') return true
    return isDevServerUrl(u, options.devServerOrigin)
  }
  return false
}

/**
 * May an IPC message from a frame at this URL be trusted (the sender check of every ipcMain handler)?
 * @param url `event.senderFrame.url` (undefined when the frame is gone).
 * @returns true only for the app's own pages, or the dev server's pages in development.
 */
export function isTrustedSenderUrl(url: string | undefined | null, options: RequestPolicyOptions = {}): boolean {
  const u = parse(url)
  if (!u) return false
  if (u.protocol === `${APP_SCHEME}:`) return u.host === APP_HOST
  return !!options.devServerOrigin && (u.protocol === 'http:' || u.protocol === 'https:') && isDevServerUrl(u, options.devServerOrigin)
}

/**
 * Origin of the dev server from ELECTRON_RENDERER_URL, only for an unpackaged app; null otherwise (a packaged app
 * never trusts that variable) and for anything but an http(s) URL on a loopback host.
 */
export function devServerOrigin(env: Record<string, string | undefined>, isPackaged: boolean): string | null {
  if (isPackaged) return null
  const u = parse(env.ELECTRON_RENDERER_URL)
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) return null
  if (!['localhost', '127.0.0.1', '[::1]'].includes(u.hostname)) return null
  return u.origin
}
