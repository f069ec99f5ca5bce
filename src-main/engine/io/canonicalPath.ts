/**
 * Canonical paths for confinement checks: whether a path lies inside a root, and the realpath of a path that may not
 * exist yet. One implementation serves every host that confines paths: the web host's path guard
 * (src-main/web/pathGuard.ts), the desktop app's access grants (src-main/electron/accessGrants.ts) and the engine
 * service's read roots (service/readRoots.ts).
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { EngineError } from '../../common/errors'

/**
 * True when `p` is `root` or below it, by whole path segments ('/a/b' holds '/a/b/c', not '/a/bc'). Both paths must
 * already be canonical (absolute, symlinks resolved): this compares strings, it touches no file.
 */
export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p)
  return rel === '' || (rel !== '..' && !rel.startsWith('..' + path.sep) && !path.isAbsolute(rel))
}

/**
 * realpath of `p`; for a missing path, the realpath of its nearest existing ancestor joined with the missing rest
 * (so a file about to be written is checked where it will really land).
 * @param p An absolute path.
 * @throws EngineError E_ACCESS for a dangling symbolic link on the way (refused rather than followed blindly later);
 *   E_IO for other system errors.
 */
export async function realpathAllowMissing(p: string): Promise<string> {
  const rest: string[] = []
  let cur = p
  for (;;) {
    try {
      const real = await fs.realpath(cur)
      return rest.length ? path.join(real, ...rest.reverse()) : real
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new EngineError('E_IO', `${p}: ${code ?? String(err)}`)
      if (await fs.lstat(cur).then((s) => s.isSymbolicLink()).catch(() => false))
        throw new EngineError('E_ACCESS', `${p}: dangling symbolic link`)
      const parent = path.dirname(cur)
      if (parent === cur) return p
      rest.push(path.basename(cur))
      cur = parent
    }
  }
}
