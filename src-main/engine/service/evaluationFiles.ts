/**
 * The output files of evaluation folders as resources, so the app's results view can offer them for download (or,
 * for report.html, open them in a browser tab): `res/evaluation/<id>/<name>`. Only folders the client was allowed
 * to read (it called readEvaluation on them, after the host's path guard) get an id, and only the fixed file names
 * that `tilelab evaluate` writes are served.
 */
import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { EvaluationFile, ResourceBytes } from '../../common/api'
import { EngineError } from '../../common/errors'

/** Served file names and their content types (`tilelab evaluate`'s outputs; writeOutputs.ts, runFolder.ts). */
export const EVALUATION_FILE_TYPES: Readonly<Record<string, string>> = {
  'report.html': 'text/html; charset=utf-8',
  'summary.json': 'application/json; charset=utf-8',
  'slices.csv': 'text/csv; charset=utf-8',
  'run.json': 'application/json; charset=utf-8',
  'sweep.html': 'text/html; charset=utf-8',
  'sweep.json': 'application/json; charset=utf-8',
  'sweep.csv': 'text/csv; charset=utf-8',
}

const PREFIX = 'res/evaluation/'

export class EvaluationFiles {
  /** id → canonical out folder, for the folders read so far. */
  private readonly folders = new Map<string, string>()

  /**
   * Registers a folder and lists its output files that exist, each with its resource URL.
   * @param out An evaluation folder the host allowed the client to read.
   */
  async list(out: string): Promise<EvaluationFile[]> {
    const id = createHash('sha256').update(out).digest('hex').slice(0, 16)
    this.folders.set(id, out)
    const files: EvaluationFile[] = []
    for (const name of Object.keys(EVALUATION_FILE_TYPES)) {
      const path = join(out, name)
      const s = await stat(path).catch(() => null)
      if (s?.isFile()) files.push({ name, path, bytes: s.size, url: `${PREFIX}${id}/${name}` })
    }
    return files
  }

  /** True for URLs this registry answers. */
  handles(url: string): boolean {
    return url.startsWith(PREFIX)
  }

  /**
   * Bytes of `res/evaluation/<id>/<name>`.
   * @throws EngineError E_IO for an unknown folder id, a name outside EVALUATION_FILE_TYPES, or a missing file.
   */
  async read(url: string): Promise<ResourceBytes> {
    const [id, name, ...rest] = url.slice(PREFIX.length).split('/')
    const out = this.folders.get(id ?? '')
    const contentType = EVALUATION_FILE_TYPES[name ?? '']
    if (!out || !contentType || rest.length > 0 || !Object.hasOwn(EVALUATION_FILE_TYPES, name!))
      throw new EngineError('E_IO', `${url}: no such evaluation file (read the evaluation first)`)
    const bytes = await readFile(join(out, name!)).catch((err: Error) => {
      throw new EngineError('E_IO', `${join(out, name!)}: cannot read: ${err.message}`)
    })
    return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), contentType }
  }
}
