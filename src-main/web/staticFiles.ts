/**
 * Static files of the built renderer (out/renderer) for the web host. Only files below the build folder are served
 * (realpath-checked, so a symlink in the build cannot leak a file); `/` serves index.html. Every response carries
 * the renderer's Content-Security-Policy and the usual hardening headers.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { ServerResponse } from 'node:http'
import { contentSecurityPolicy } from '../common/contentSecurityPolicy'
import { isInside } from '../engine/io/canonicalPath'

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
}

/** Headers sent with every response of the web host. */
export function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  }
}

/**
 * Serves one file of the build folder.
 * @param root Canonical build folder (realpath).
 * @param urlPath Decoded URL path, starting with '/'.
 * @returns false when no such file exists (the caller answers 404).
 */
export async function serveStatic(res: ServerResponse, root: string, urlPath: string): Promise<boolean> {
  const rel = urlPath === '/' ? 'index.html' : urlPath.replace(/^\/+/, '')
  if (rel.includes('\0') || rel.split(/[\\/]+/).includes('..')) return false
  const real = await fs.realpath(path.join(root, rel)).catch(() => null)
  if (!real || !isInside(root, real)) return false
  const st = await fs.stat(real).catch(() => null)
  if (!st?.isFile()) return false
  const body = await fs.readFile(real)
  res.writeHead(200, {
    ...securityHeaders(),
    'Content-Type': MIME[path.extname(real).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': String(body.length),
    // Hashed assets never change; the page itself is re-read on every start.
    'Cache-Control': rel.startsWith('assets/') ? 'private, max-age=31536000, immutable' : 'no-store',
  })
  res.end(body)
  return true
}
