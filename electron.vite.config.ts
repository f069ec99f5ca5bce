/**
 * electron-vite 6 build of the app: main (src-main/electron/index.ts), the sandboxed preload
 * (src-main/preload/index.ts, one CommonJS file with its imports bundled, as sandboxed preloads require) and the
 * renderer (src-renderer, the same config as the renderer-only build `npm run build:renderer` that `tilelab serve`
 * serves). Output: out/main, out/preload, out/renderer.
 */
import { defineConfig } from 'electron-vite'
import { fileURLToPath } from 'node:url'
import { rendererConfig } from './src-renderer/vite.config'

const r = (p: string): string => fileURLToPath(new URL(p, import.meta.url))

const renderer = rendererConfig()

export default defineConfig({
  main: {
    build: {
      outDir: r('./out/main'),
      rolldownOptions: {
        // index: the main process; cli: the tilelab CLI its training/evaluation jobs run (ELECTRON_RUN_AS_NODE).
        input: { index: r('./src-main/electron/index.ts'), cli: r('./src-main/cli/electronEntry.ts') }, output: { format: 'es', entryFileNames: '[name].js' } },
    },
  },
  preload: {
    build: {
      outDir: r('./out/preload'),
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: r('./src-main/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    ...renderer,
    build: {
      ...renderer.build,
      rolldownOptions: { input: r('./src-renderer/index.html') },
    },
  },
})
