/**
 * Cohorts: a folder holding study folders at any depth (e.g. `../shared/data/real`: brats2021/BraTS2021_00006,
 * brats2018-whole-tumor/case_0..5, brats2015-normalized/brats_2013_pat000N_1).
 *
 * A folder is a study when it directly holds a NIfTI file or a study.json; the walk does not descend into
 * studies. Hidden folders and node_modules are skipped; symbolic links to folders are followed once (by real path).
 *
 * @source BraTS release layouts (one folder per patient, possibly grouped, e.g. HGG/ and LGG/ in BraTS 2018).
 */
import { readdir, realpath, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { EngineError, serializeError, type SerializedError } from '../../common/errors'
import { discoverStudy, isNiftiName, type StudyFiles } from './discovery'

/** A folder that looks like a study (holds NIfTI files) but whose files could not be chosen. */
export interface StudyFailure {
  path: string
  error: SerializedError
}

/** The studies found under a root. */
export interface Cohort {
  root: string
  /** Discovered studies, sorted by path. */
  studies: StudyFiles[]
  /** Study-like folders whose discovery failed, sorted by path, with the reason (for batch reports). */
  failures: StudyFailure[]
}

/** Deepest folder level searched below the root. */
export const MAX_COHORT_DEPTH = 16

/**
 * Finds the studies under a folder.
 *
 * @param root Cohort folder (a study folder or a NIfTI file gives a cohort of one).
 * @returns Studies and failures, each sorted by path (code-point order).
 * @throws EngineError E_IO when root does not exist; E_STUDY when nothing study-like is found under it.
 */
export async function findStudies(root: string): Promise<Cohort> {
  const abs = resolve(root)
  const s = await stat(abs).catch(() => null)
  if (!s) throw new EngineError('E_IO', `${abs}: no such cohort folder`)
  const candidates: string[] = []
  if (s.isFile()) candidates.push(abs)
  else await walk(abs, 0, new Set(), candidates)
  if (candidates.length === 0)
    throw new EngineError('E_STUDY', `${abs}: no study folders (folders holding .nii / .nii.gz files) found`)
  const studies: StudyFiles[] = []
  const failures: StudyFailure[] = []
  for (const path of candidates.sort(byCodePoint)) {
    try {
      studies.push(await discoverStudy(path))
    } catch (err) {
      failures.push({ path, error: serializeError(err) })
    }
  }
  return { root: abs, studies, failures }
}

async function walk(folder: string, depth: number, visited: Set<string>, out: string[]): Promise<void> {
  const real = await realpath(folder)
  if (visited.has(real) || depth > MAX_COHORT_DEPTH) return
  visited.add(real)
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => [])
  if (entries.some((e) => !e.isDirectory() && (isNiftiName(e.name) || e.name === 'study.json'))) {
    out.push(folder)
    return
  }
  for (const e of entries.sort((a, b) => byCodePoint(a.name, b.name))) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue
    const child = join(folder, e.name)
    const isDir = e.isDirectory() || (e.isSymbolicLink() && (await stat(child).catch(() => null))?.isDirectory())
    if (isDir) await walk(child, depth + 1, visited, out)
  }
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
