/**
 * Vite config of the renderer alone: `npm run build:renderer` (`vite build --config src-renderer/vite.config.ts`)
 * writes out/renderer, which `tilelab serve` serves and Electron loads. electron.vite.config.ts reuses
 * `rendererConfig()` so both builds are the same.
 *
 * Cornerstone3D notes (../shared/notes/renderer-notes.md): no optimizeDeps.exclude for @cornerstonejs/*; the tools'
 * compute worker needs its CJS deps pre-bundled in dev (optimizeDeps.include); workers are ES modules.
 */
import { defineConfig, type Plugin, type UserConfig } from 'vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { fileURLToPath } from 'node:url'
import { contentSecurityPolicy } from '../src-main/common/contentSecurityPolicy'

const rendererRoot = fileURLToPath(new URL('.', import.meta.url))
const repoRoot = fileURLToPath(new URL('..', import.meta.url))

/**
 * Adds the CSP as a meta tag to the built page too (a second layer: the web host and the desktop app's tilelab://
 * scheme also send it as a response header).
 */
function cspMetaTag(): Plugin {
  return {
    name: 'tilelab-csp-meta',
    apply: 'build',
    transformIndexHtml(html) {
      // Reviewed (electronegativity CSP_GLOBAL_CHECK, "'self' can be problematic if you host JSONP, Angular or user
      // uploaded files"): the origin serves only this build and res/ bytes as application/octet-stream with nosniff,
      // which browsers refuse to run as script.
      const meta =
        `<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy({ electron: true, meta: true })}">` +
        ' <!-- eng-disable CSP_GLOBAL_CHECK -->'
      return html.replace('<head>', `<head>\n    ${meta}`)
    },
  }
}

export function rendererConfig(): UserConfig {
  return {
    root: rendererRoot,
    base: './',
    plugins: [svelte(), cspMetaTag()],
    optimizeDeps: { include: ['lodash.get', 'globalthis', 'fast-deep-equal', 'seedrandom'] },
    worker: { format: 'es' },
    build: {
      outDir: fileURLToPath(new URL('../out/renderer', import.meta.url)),
      emptyOutDir: true,
      target: 'es2022',
      // electron-vite turns minification off unless asked; the web host serves this build too.
      minify: true,
      sourcemap: false,
      chunkSizeWarningLimit: 8000,
      reportCompressedSize: false,
    },
    server: { fs: { allow: [repoRoot] } },
  }
}

export default defineConfig(rendererConfig())
