/**
 * The output folder of `tilelab evaluate` and what makes it resumable and mergeable:
 *
 * ```
 * <out>/run.json            the run manifest: settings (compared on --resume and by merge) and the study ids
 * <out>/parts/<key>.json    one file per finished study: its slice records, panels and seconds, or why it failed
 * <out>/panels/<key>_z<k>.png  five-panel pictures of the study's worst slices for tiling
 * <out>/slices.csv, summary.json, report.html   written from run.json + parts when every study is done
 * ```
 * Every file is written atomically (temp file + rename), so a run killed at any moment leaves only whole files: a
 * study whose part is on disk is done; one without is evaluated again on --resume.
 */
import { readFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { EngineError } from '../../common/errors'
import type { Blend, Normalization } from '../../common/types'
import { writeJsonAtomic } from '../io/atomicWrite'
import type { Shard } from './shard'
import type { SliceRecord } from './sliceTable'

export const MANIFEST_FILE = 'run.json'
export const PARTS_DIR = 'parts'
export const PANELS_DIR = 'panels'

/** Settings that decide the numbers; a resume or a merge must match them exactly. */
export interface RunSettings {
  /** Absolute cohort folder. */
  data: string
  model: { name: string; dir: string | null; fingerprint: string | null }
  /** Inference engine (predictor.engine). */
  engine: string
  tile: number
  overlap: number
  blend: Blend
  slices: 'all' | 'tumor'
  normalization: Normalization
  shard: Shard | null
  bootstrapSeed: number
  bootstrapResamples: number
  /** Worst slices pictured per study (and in the report). */
  panels: number
  /** Only these study ids (relative to the cohort folder), e.g. a model's held-out patients; null = every study. */
  studies?: string[] | null
}

export interface RunManifest {
  tool: 'tilelab evaluate'
  version: 1
  settings: RunSettings
  /** Study ids of this run (after sharding), code-point order. */
  studies: string[]
}

/** A picture of one slice in panels/. */
export interface PanelInfo {
  slice: number
  /** File name inside panels/. */
  file: string
  width: number
  height: number
  panelWidth: number
}

/** What a finished study left on disk. */
export type StudyPart =
  | {
      status: 'ok'
      study: string
      path: string
      records: SliceRecord[]
      panels: PanelInfo[]
      seconds: number
    }
  | { status: 'skipped'; study: string; path: string; reason: string; seconds: number }
  | { status: 'failed'; study: string; path: string; error: string; seconds: number }

/** File-name stem of a study: its id with unsafe characters replaced, plus 8 hex digits of its SHA-1 (unique). */
export function studyKey(study: string): string {
  const safe = study.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80)
  return `${safe}-${createHash('sha1').update(study).digest('hex').slice(0, 8)}`
}

export function partPath(out: string, study: string): string {
  return join(out, PARTS_DIR, `${studyKey(study)}.json`)
}

export function panelFile(study: string, slice: number): string {
  return `${studyKey(study)}_z${String(slice).padStart(3, '0')}.png`
}

/** Reads run.json, or null when the folder has none. @throws EngineError E_IO when it exists but is unreadable. */
export async function readManifest(out: string): Promise<RunManifest | null> {
  const text = await readFile(join(out, MANIFEST_FILE), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null
    throw new EngineError('E_IO', `${join(out, MANIFEST_FILE)}: ${err.message}`, { cause: err })
  })
  if (text === null) return null
  try {
    const m = JSON.parse(text) as RunManifest
    if (m.tool !== 'tilelab evaluate' || m.version !== 1 || !m.settings || !Array.isArray(m.studies)) throw new Error('not a tilelab evaluate run manifest')
    return m
  } catch (err) {
    throw new EngineError('E_IO', `${join(out, MANIFEST_FILE)}: ${(err as Error).message}`, { cause: err })
  }
}

export async function writeManifest(out: string, manifest: RunManifest): Promise<void> {
  await writeJsonAtomic(join(out, MANIFEST_FILE), manifest)
}

/** The part of a study, or null when it is not on disk yet. */
export async function readPart(out: string, study: string): Promise<StudyPart | null> {
  const path = partPath(out, study)
  const text = await readFile(path, 'utf8').catch(() => null)
  if (text === null) return null
  try {
    const part = JSON.parse(text) as StudyPart
    if (part.study !== study) throw new Error(`holds study ${JSON.stringify(part.study)}, expected ${JSON.stringify(study)}`)
    return part
  } catch (err) {
    throw new EngineError('E_IO', `${path}: corrupt study part: ${(err as Error).message}`, { cause: err })
  }
}

export async function writePart(out: string, part: StudyPart): Promise<void> {
  await writeJsonAtomic(partPath(out, part.study), part)
}

/**
 * The settings that differ between two runs, as readable lines ('tile: 128 on disk, 96 requested').
 * @param ignore Setting names left out of the comparison (merge ignores 'shard').
 */
export function settingsDifferences(
  onDisk: RunSettings,
  requested: RunSettings,
  ignore: readonly (keyof RunSettings)[] = [],
  labels: [string, string] = ['on disk', 'requested'],
): string[] {
  const keys = new Set([...Object.keys(onDisk), ...Object.keys(requested)] as (keyof RunSettings)[])
  const out: string[] = []
  for (const k of keys) {
    if (ignore.includes(k)) continue
    const a = JSON.stringify(onDisk[k] ?? null)
    const b = JSON.stringify(requested[k] ?? null)
    if (a !== b) out.push(`${k}: ${a} ${labels[0]}, ${b} ${labels[1]}`)
  }
  return out
}
