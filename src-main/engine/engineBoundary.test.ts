/**
 * The engine is plain Node: it imports nothing from Electron, the Electron shell, the web host or the renderer, so the
 * CLI, `tilelab serve`, workers and tests run it without Electron (architecture rule of the developers' brief).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ENGINE = __dirname
const SRC_MAIN = resolve(ENGINE, '..')
/** Folders the engine must not reach into. */
const FORBIDDEN = [join(SRC_MAIN, 'electron'), join(SRC_MAIN, 'web'), join(SRC_MAIN, 'cli'), resolve(SRC_MAIN, '..', 'src-renderer')]

/** Why an import crosses the boundary, or null. */
function violation(file: string, specifier: string): string | null {
  if (specifier === 'electron' || specifier.startsWith('electron/')) return 'the electron package'
  if (!specifier.startsWith('.')) return null
  const target = resolve(dirname(file), specifier)
  const folder = FORBIDDEN.find((f) => target === f || target.startsWith(f + '/'))
  return folder ? relative(resolve(SRC_MAIN, '..'), folder) : null
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.(ts|mts|mjs|js)$/.test(e.name) ? [join(dir, e.name)] : [])
}

/** Module specifiers of static imports, re-exports, dynamic imports and requires. */
function specifiers(source: string): string[] {
  const found: string[] = []
  for (const re of [/\bfrom\s+['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /^\s*import\s+['"]([^'"]+)['"]/gm])
    for (const m of source.matchAll(re)) found.push(m[1]!)
  return found
}

describe('engine boundary', () => {
  it('no engine module imports electron, the shell, the web host, the CLI or the renderer', () => {
    const files = sourceFiles(ENGINE)
    expect(files.length).toBeGreaterThan(50)
    const offending = files.flatMap((file) =>
      specifiers(readFileSync(file, 'utf8')).flatMap((s) => {
        const why = violation(file, s)
        return why ? [`${relative(ENGINE, file)} imports '${s}' (${why})`] : []
      }))
    expect(offending).toEqual([])
  })

  it('would catch a violation', () => {
    expect(violation(join(ENGINE, 'service', 'x.ts'), 'electron')).toBe('the electron package')
    expect(violation(join(ENGINE, 'service', 'x.ts'), '../../electron/mainWindow')).toBe('src-main/electron')
    expect(violation(join(ENGINE, 'x.ts'), '../../src-renderer/src/App.svelte')).toBe('src-renderer')
    expect(violation(join(ENGINE, 'service', 'x.ts'), '../../common/api')).toBeNull()
  })
})
