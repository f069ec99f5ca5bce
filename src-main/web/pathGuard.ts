/**
 * File access rule of the web host (`tilelab serve --data DIR`): a request may name only paths under the data root
 * (read and write), under a few read-only roots the host adds itself (the bundled sample study), or under the
 * host's own writable roots (the work folder's evaluation runs, so a run the app started there can be resumed).
 * Every path field of every request goes through here before the service sees it.
 *
 * Rule, in order: no NUL byte; no `..` segment at all (even one that would stay inside); relative paths are
 * resolved against the data root; the path is canonicalised with realpath (for a path that does not exist yet,
 * the realpath of its nearest existing ancestor plus the rest), so a symlink that points outside is judged by
 * where it points; the canonical path must equal a root or lie below it.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { READ_PATH_FIELDS as READ_FIELDS, WRITE_PATH_FIELDS as WRITE_FIELDS } from '../common/apiPathFields'
import type { RequestGuard } from '../common/apiDispatch'
import { EngineError } from '../common/errors'
import { isInside, realpathAllowMissing } from '../engine/io/canonicalPath'

export interface PathGuard {
  /** Canonical data root, or null when the host was started without `--data`. */
  readonly dataRoot: string | null
  /** Canonical read-only roots. */
  readonly readOnlyRoots: string[]
  /** Canonical writable roots besides the data root. */
  readonly writableRoots: string[]
  /**
   * Canonical absolute form of a path the client may read.
   * @throws EngineError E_ACCESS naming the path when it has a NUL byte or a `..` segment, is relative without a
   *   data root, or resolves (after symlinks) outside every root.
   */
  resolveReadable(p: string): Promise<string>
  /** As resolveReadable, for a path the service will write: only under the data root or a writable root. */
  resolveWritable(p: string): Promise<string>
  /** The RequestGuard for dispatchApiCall: rewrites every path field to its canonical form. */
  guardRequest: RequestGuard
}

/**
 * Builds the guard. Roots are canonicalised once here.
 * @param dataRoot Folder given with `--data`, or null.
 * @param readOnlyRoots Extra folders or files that may be read (not written), e.g. the bundled sample study.
 * @param writableRoots Extra folders of the host's own that may be read and written (missing ones are skipped).
 * @throws EngineError E_IO when the data root does not exist or is not a folder.
 */
export async function createPathGuard(
  dataRoot: string | null,
  readOnlyRoots: string[] = [],
  writableRoots: string[] = [],
): Promise<PathGuard> {
  let root: string | null = null
  if (dataRoot !== null) {
    root = await fs.realpath(path.resolve(dataRoot)).catch(() => {
      throw new EngineError('E_IO', `--data ${dataRoot}: no such folder`)
    })
    if (!(await fs.stat(root)).isDirectory()) throw new EngineError('E_IO', `--data ${dataRoot}: not a folder`)
  }
  const extra: string[] = []
  for (const r of readOnlyRoots) {
    const real = await fs.realpath(path.resolve(r)).catch(() => null)
    if (real) extra.push(real)
  }
  const writableExtra: string[] = []
  for (const r of writableRoots) {
    const real = await fs.realpath(path.resolve(r)).catch(() => null)
    if (real) writableExtra.push(real)
  }

  const canonical = async (p: string, writable: boolean): Promise<string> => {
    if (typeof p !== 'string' || p.length === 0) throw new EngineError('E_ACCESS', `empty path`)
    if (p.includes('\0')) throw new EngineError('E_ACCESS', `${JSON.stringify(p)}: NUL byte in path`)
    if (p.split(/[\\/]+/).includes('..')) throw new EngineError('E_ACCESS', `${p}: '..' is not allowed in paths`)
    if (!path.isAbsolute(p) && root === null)
      throw new EngineError('E_ACCESS', `${p}: relative path but the host was started without --data`)
    const real = await realpathAllowMissing(path.resolve(root ?? '/', p))
    const allowed = writable
      ? [...(root ? [root] : []), ...writableExtra]
      : [...(root ? [root] : []), ...extra, ...writableExtra]
    if (!allowed.some((r) => isInside(r, real))) {
      const what = writable ? 'write' : 'read'
      throw new EngineError('E_ACCESS', `${p}: outside what this host may ${what} (${allowed.join(', ') || 'nothing'})`)
    }
    return real
  }

  const guardRequest: RequestGuard = async (method, request) => {
    const out = { ...request }
    for (const field of READ_FIELDS[method] ?? []) {
      const raw = out[field]
      if (typeof raw !== 'string') continue
      let value = raw
      if (method === 'openStudy' && (field === 'image' || field === 'label') && !path.isAbsolute(value)) {
        // Overrides name files relative to the study: join them first, then judge the result.
        const base = typeof out.path === 'string' ? await studyFolder(out.path) : null
        if (base && !value.split(/[\\/]+/).includes('..')) value = path.join(base, value)
      }
      out[field] = await canonical(value, false)
    }
    for (const field of WRITE_FIELDS[method] ?? []) {
      const value = out[field]
      if (typeof value === 'string') out[field] = await canonical(value, true)
    }
    return out
  }

  return {
    dataRoot: root,
    readOnlyRoots: extra,
    writableRoots: writableExtra,
    resolveReadable: (p) => canonical(p, false),
    resolveWritable: (p) => canonical(p, true),
    guardRequest,
  }
}

/** The folder a study path names: itself when a folder, else its parent (the path was already canonicalised). */
async function studyFolder(p: string): Promise<string> {
  const st = await fs.stat(p).catch(() => null)
  return st?.isDirectory() ? p : path.dirname(p)
}
