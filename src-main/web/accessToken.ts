/**
 * The per-start secret of the web host. The first stdout line of `tilelab serve` carries it in the page URL
 * (`/?token=...`); the host answers that page with an HttpOnly, SameSite=Strict cookie so that everything the page
 * loads afterwards (scripts, the compute worker, API calls, the SSE stream, the NIfTI bytes fetched by Cornerstone's
 * loader) is authorised without putting the token in any other URL. Non-browser clients send the header
 * `X-TileLab-Token` instead.
 *
 * Cookies are not port-scoped, so the cookie name carries the port: two hosts on one machine do not clobber each
 * other's cookie.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** Header a non-browser client sends the token in. */
export const TOKEN_HEADER = 'x-tilelab-token'

/** A fresh random token: 32 bytes, base64url (43 characters). */
export function createAccessToken(): string {
  return randomBytes(32).toString('base64url')
}

/** Name of the cookie holding the token for the host on `port`. */
export function tokenCookieName(port: number): string {
  return `tilelab_token_${port}`
}

/** The Set-Cookie value that stores the token for this host. */
export function tokenCookie(port: number, token: string): string {
  return `${tokenCookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`
}

/** Constant-time comparison of a presented token with the expected one. */
export function tokenMatches(presented: string | null | undefined, expected: string): boolean {
  if (typeof presented !== 'string') return false
  const a = Buffer.from(presented)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * The token a request presents: the `X-TileLab-Token` header, else this host's cookie, else null.
 * The `?token=` query is read separately, and only for the page itself.
 */
export function presentedToken(req: IncomingMessage, port: number): string | null {
  const header = req.headers[TOKEN_HEADER]
  if (typeof header === 'string') return header
  const cookie = req.headers.cookie
  if (!cookie) return null
  const name = tokenCookieName(port)
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return null
}
