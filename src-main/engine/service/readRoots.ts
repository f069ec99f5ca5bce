/**
 * Read confinement of the engine service, for a host that may only read some folders (`tilelab serve --data DIR`).
 *
 * The host's path guard (src-main/web/pathGuard.ts) checks the paths a request names. A study folder then names
 * its own files (by file name, or in a study.json), and a cohort folder names its studies; any of those may be a
 * symbolic link to a file elsewhere, or a study.json entry like `../../other/flair.nii.gz`. With read roots set, the
 * service checks every file it is about to read the same way the guard checks a request: canonical path (after
 * symlinks) equal to a root or below it. Without read roots (the desktop app, the CLI) nothing is checked here.
 */
import { realpath } from 'node:fs/promises'
import { resolve } from 'node:path'
import { EngineError } from '../../common/errors'
import { isInside } from '../io/canonicalPath'
import type { StudyFiles } from '../io/discovery'

export interface ReadRoots {
  /** Canonical roots. */
  readonly roots: string[]
  /**
   * Checks that each existing path lies under a root after symlinks; missing paths pass (reading them fails anyway).
   * @throws EngineError E_ACCESS naming the path and where it leads.
   */
  check(paths: (string | null | undefined)[]): Promise<void>
  /** check() on a study's image and label. */
  checkStudy(files: StudyFiles): Promise<void>
}

/**
 * Canonicalises the roots once (missing ones are dropped).
 * @param roots Folders (or files) the service may read; null for no confinement.
 * @returns null when roots is null.
 */
export async function createReadRoots(roots: string[] | null | undefined): Promise<ReadRoots | null> {
  if (!roots) return null
  const canonical: string[] = []
  for (const r of roots) {
    const real = await realpath(resolve(r)).catch(() => null)
    if (real) canonical.push(real)
  }
  const check = async (paths: (string | null | undefined)[]): Promise<void> => {
    for (const p of paths) {
      if (!p) continue
      const real = await realpath(resolve(p)).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return null
        throw new EngineError('E_ACCESS', `${p}: cannot resolve (${err.code ?? err.message})`)
      })
      if (real === null) continue
      if (!canonical.some((root) => isInside(root, real)))
        throw new EngineError('E_ACCESS', `${p}: leads to ${real}, outside what this host may read (${canonical.join(', ') || 'nothing'})`)
    }
  }
  return {
    roots: canonical,
    check,
    checkStudy: (files) => check([files.path, files.imagePath, files.labelPath]),
  }
}

