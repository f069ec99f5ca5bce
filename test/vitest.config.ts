import { defineConfig } from 'vitest/config'
import { fileURLToPath } from 'node:url'

// Unit tests sit beside the code (src-main/**/*.test.ts, and the renderer's DOM-free modules in src-renderer/src);
// integration and end-to-end tests live in test/.
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['src-main/**/*.test.ts', 'src-renderer/src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 300_000,
    reporters: ['default'],
    // Engine logs (pino, stderr) only from warnings up, so test output stays readable.
    env: { TILELAB_LOG: process.env.TILELAB_LOG ?? 'warn' },
  },
})
