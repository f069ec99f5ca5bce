/**
 * The desktop app's settings: recent studies, the last model used, the window's bounds. One small JSON file in
 * Electron's userData folder (`settings.json`), written atomically (temp file + fsync + rename, engine/io/atomicWrite)
 * so a crash mid-write leaves the previous file; writes are serialised in call order.
 *
 * Reading is forgiving: a missing file gives the defaults; a file that is not JSON is moved aside to
 * `settings.json.corrupt` and gives the defaults; a field of the wrong type falls back to its default alone (zod
 * `.catch`), so one bad value never loses the others. Plain Node: no electron, unit-tested in Node.
 */
import { promises as fs } from 'node:fs'
import { z } from 'zod'
import { writeJsonAtomic } from '../engine/io/atomicWrite'

/** How many recent studies File > Open Recent keeps. */
export const MAX_RECENT_STUDIES = 10

const boundsSchema = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().min(200).max(100_000),
  height: z.number().int().min(150).max(100_000),
  maximized: z.boolean(),
  fullScreen: z.boolean().optional(),
})

const settingsSchema = z.object({
  version: z.literal(1).catch(1),
  /** Canonical paths, most recent first. */
  recentStudies: z
    .array(z.string().min(1).max(4096))
    .catch([])
    .transform((a) => a.slice(0, MAX_RECENT_STUDIES)),
  lastModelId: z.string().min(1).max(200).nullable().catch(null),
  windowBounds: boundsSchema.nullable().catch(null),
})

export type Settings = z.infer<typeof settingsSchema>
export type WindowBounds = z.infer<typeof boundsSchema>

/** The settings of a first start. */
export function defaultSettings(): Settings {
  return { version: 1, recentStudies: [], lastModelId: null, windowBounds: null }
}

/**
 * Parses settings read from disk, field by field.
 * @param value Parsed JSON (anything).
 * @returns Valid settings: known fields kept where valid, defaults elsewhere, unknown fields dropped.
 */
export function parseSettings(value: unknown): Settings {
  const base = typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {}
  const parsed = settingsSchema.safeParse({ ...defaultSettings(), ...base })
  return parsed.success ? parsed.data : defaultSettings()
}

/** `recent` with `p` first, without duplicates, at most `max` entries. */
export function withRecent(recent: readonly string[], p: string, max = MAX_RECENT_STUDIES): string[] {
  return [p, ...recent.filter((r) => r !== p)].slice(0, max)
}

export interface SettingsStore {
  /** The file the settings live in. */
  readonly file: string
  /** A copy of the current settings. */
  get(): Settings
  /**
   * Changes the settings and writes them (atomically; serialised after earlier writes).
   * @param change Returns the new settings from a copy of the current ones.
   * @throws EngineError E_IO when the write fails (the in-memory settings keep the change).
   */
  update(change: (current: Settings) => Settings): Promise<Settings>
  /** Resolves when every write started so far has finished. */
  flush(): Promise<void>
}

/**
 * Opens (or creates on first write) the settings file.
 * @param file Absolute path, e.g. `<userData>/settings.json`.
 * @returns The store and, when the file was unreadable JSON, where it was moved (`corruptMovedTo`).
 */
export async function openSettingsStore(file: string): Promise<SettingsStore & { corruptMovedTo: string | null }> {
  let current = defaultSettings()
  let corruptMovedTo: string | null = null
  const text = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null
    throw err
  })
  if (text !== null) {
    let json: unknown
    try {
      json = JSON.parse(text)
      current = parseSettings(json)
    } catch {
      corruptMovedTo = `${file}.corrupt`
      await fs.rename(file, corruptMovedTo).catch(() => (corruptMovedTo = null))
    }
  }

  let queue: Promise<void> = Promise.resolve()
  const copy = (s: Settings): Settings => structuredClone(s)

  return {
    file,
    corruptMovedTo,
    get: () => copy(current),
    update(change) {
      current = parseSettings(change(copy(current)))
      const snapshot = copy(current)
      const write = queue.then(() => writeJsonAtomic(file, snapshot))
      queue = write.catch(() => undefined)
      return write.then(() => copy(snapshot))
    },
    flush: () => queue,
  }
}
