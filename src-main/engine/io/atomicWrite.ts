/**
 * Atomic file writes: write a sibling temp file, fsync it, then rename over the target, so a reader (or a run
 * killed with SIGKILL) never sees a half-written file.
 */
import { open, mkdir, rename, rm } from 'node:fs/promises'
import { dirname, basename, join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { EngineError } from '../../common/errors'

/**
 * Writes `data` to `path` atomically, creating parent folders.
 * @throws EngineError E_IO naming the path and the system error.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(path)
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    await mkdir(dir, { recursive: true })
    const fh = await open(tmp, 'w')
    try {
      await fh.writeFile(data)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined)
    throw new EngineError('E_IO', `${path}: write failed: ${(err as Error).message}`, { cause: err })
  }
}

/** Writes a JSON value (2-space indented, trailing newline) atomically. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n')
}
