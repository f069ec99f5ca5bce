/**
 * Where TileLab's own files are: the folder holding its package.json, found by walking up from this module. The
 * same code runs as TypeScript from the checkout (src-main/...), bundled by electron-vite (out/main/...) and inside
 * the packaged app (resources/app.asar/out/main/...), so fixed relative paths would break in one of them.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let cached: { root: string; version: string } | null = null

function find(): { root: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const file = join(dir, 'package.json')
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'tilelab') return { root: dir, version: pkg.version ?? '0.0.0' }
    }
    const up = dirname(dir)
    if (up === dir) throw new Error(`TileLab's package.json not found above ${fileURLToPath(import.meta.url)}`)
    dir = up
  }
}

/** Absolute path of the folder holding TileLab's package.json (the repository root in a checkout). */
export function packageRoot(): string {
  return (cached ??= find()).root
}

/** TileLab's version (package.json). */
export function packageVersion(): string {
  return (cached ??= find()).version
}
