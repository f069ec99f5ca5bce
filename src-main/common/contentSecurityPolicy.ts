/**
 * The Content-Security-Policy of the renderer, shared by the web host (HTTP header) and the built index.html (meta
 * tag; the desktop app's tilelab:// scheme sends it as a header too). Pure TS.
 *
 * - Scripts only from the app's own origin: no inline script, no eval (vega runs with its AST interpreter).
 * - Styles: own origin plus inline style attributes, which Svelte, Cornerstone and vega-embed set on elements.
 * - connect-src: own origin for the API, SSE and NIfTI bytes; `blob:` for the in-memory FLAIR handed to
 *   Cornerstone's NIfTI loader; `tilelab:` for Electron's resource protocol.
 * - Workers (Cornerstone's compute worker) from the own origin.
 */
export function contentSecurityPolicy(options: { electron?: boolean; meta?: boolean } = {}): string {
  const extra = options.electron ? ' tilelab:' : ''
  const directives = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob:${extra}`,
    "font-src 'self'",
    `connect-src 'self' blob:${extra}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ]
  // frame-ancestors is ignored (with a console warning) in a meta tag.
  if (!options.meta) directives.push("frame-ancestors 'none'")
  return directives.join('; ')
}
