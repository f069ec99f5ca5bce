/**
 * The preprocessed-slice cache: every axial slice of a cohort's studies, z-scored (float32) with its whole-tumour
 * mask (uint8 0/1), decoded from NIfTI once and then read by the batch sampler and the validation without touching
 * NIfTI again.
 *
 * On disk (the default) each study gets a folder `<cacheDir>/<key>/` holding `slices.bin` (the z-scored image,
 * `[nz, ny, nx]` float32 little-endian, i fastest = NIfTI order, then the mask `[nz, ny, nx]` uint8) and
 * `meta.json`, written last as the commit marker. The key is a sha256 of the image and label paths, their sizes and
 * modification times, the normalisation and the format version: change any of them and the study is decoded
 * again. Keys are per study, so cohorts that share studies (or a different validation split) share entries.
 * Nothing is evicted; delete the folder to reclaim the space.
 *
 * In memory: when the cohort's slices fit in `cacheMb` they are all held in RAM (read from the disk cache, or
 * decoded directly with `cacheDir: null`); otherwise rows are read from the disk files on demand (the OS page
 * cache does the rest). Memory-only mode refuses cohorts over the bound.
 *
 * @source paper-spec §1 (the authors preprocessed all slices once into one HDF5 file and trained from RAM).
 */
import { open, readFile, stat, type FileHandle } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { endianness, homedir } from 'node:os'
import { join } from 'node:path'
import { throwIfCancelled, type CancellationToken } from '../../common/cancellation'
import { EngineError } from '../../common/errors'
import type { Dims3, Normalization } from '../../common/types'
import { writeFileAtomic, writeJsonAtomic } from '../io/atomicWrite'
import type { StudyFiles } from '../io/discovery'
import { loadStudy as defaultLoadStudy, type Study } from '../io/study'
import { normalizeVolume } from '../preprocess/zscore'

const FORMAT = 'tilelab-slice-cache'
const VERSION = 1

/** A study to cache: its files (discovery) and the key the trainer knows it by. */
export interface CacheInput {
  key: string
  files: StudyFiles
}

/** A cached study. */
export interface CachedStudy {
  key: string
  name: string
  /** [nx, ny, nz]; a slice is [ny, nx]. */
  dims: Dims3
  /** Whole-tumour pixels of each axial slice. */
  tumorPixelsPerSlice: number[]
  /** Cache folder of the study (null in memory-only mode). */
  dir: string | null
}

export interface SliceCacheOptions {
  /** Cache folder; null keeps everything in memory only (nothing written). */
  cacheDir: string | null
  /** Most MiB of slices held in memory (images and masks together). */
  cacheMb: number
  normalization: Normalization
  token?: CancellationToken
  /** Called after each study: `decoded` false when the disk cache was reused. */
  onStudy?: (done: number, total: number, name: string, decoded: boolean) => void
  /** Study loader, replaceable in tests (e.g. to count decodes). */
  loadStudy?: (files: StudyFiles) => Promise<Study>
}

/** Rows of one slice: `image` `[rows, nx]` float32 z-scored, `mask` `[rows, nx]` uint8 0/1. */
export interface SliceRows {
  image: Float32Array
  mask: Uint8Array
}

interface FileStamp {
  path: string
  size: number
  mtimeMs: number
}

interface CacheMeta {
  format: string
  version: number
  name: string
  studyPath: string
  image: FileStamp
  label: FileStamp | null
  normalization: Normalization
  dims: Dims3
  tumorPixelsPerSlice: number[]
  endianness: 'LE' | 'BE'
}

/** The default cache folder: $TILELAB_CACHE_DIR, else $XDG_CACHE_HOME/tilelab/slices, else ~/.cache/tilelab/slices. */
export function defaultCacheDir(): string {
  if (process.env.TILELAB_CACHE_DIR) return process.env.TILELAB_CACHE_DIR
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tilelab', 'slices')
}

/** Slices of a cohort, in memory or read from the disk cache; built by openSliceCache. */
export class SliceStore {
  /** How many studies were decoded from NIfTI (the rest came from the disk cache). */
  decodedStudies = 0
  constructor(
    readonly studies: CachedStudy[],
    readonly mode: 'memory' | 'disk',
    /** Bytes of all slices (images + masks). */
    readonly bytes: number,
    private readonly memory: { image: Float32Array; mask: Uint8Array }[] | null,
    private readonly files: FileHandle[] | null,
  ) {}

  /**
   * Rows y0 … y0+rows−1 of axial slice z of study `s`.
   * In memory mode these are views into the cache (do not write to them); in disk mode new arrays.
   * @throws EngineError E_ARGS when the rows are outside the slice; E_IO when a cache file read comes up short.
   */
  async readRows(s: number, z: number, y0: number, rows: number): Promise<SliceRows> {
    const st = this.studies[s]
    if (!st) throw new EngineError('E_ARGS', `slice cache: no study ${s}`)
    const [nx, ny, nz] = st.dims
    if (!(z >= 0 && z < nz && y0 >= 0 && rows >= 1 && y0 + rows <= ny))
      throw new EngineError('E_ARGS', `slice cache: ${st.name}: rows ${y0}+${rows} of slice ${z} outside ${ny}×${nz}`)
    const start = (z * ny + y0) * nx
    const count = rows * nx
    if (this.memory) {
      const m = this.memory[s]
      return { image: m.image.subarray(start, start + count), mask: m.mask.subarray(start, start + count) }
    }
    const fh = this.files![s]
    const image = new Float32Array(count)
    const mask = new Uint8Array(count)
    const voxels = nx * ny * nz
    await readExactly(fh, new Uint8Array(image.buffer), start * 4, st)
    await readExactly(fh, mask, voxels * 4 + start, st)
    return { image, mask }
  }

  /** A whole axial slice `[ny, nx]` (image z-scored, mask 0/1). */
  readSlice(s: number, z: number): Promise<SliceRows> {
    return this.readRows(s, z, 0, this.studies[s].dims[1])
  }

  /** Closes the cache files (disk mode). */
  async close(): Promise<void> {
    if (this.files) await Promise.all(this.files.map((f) => f.close().catch(() => undefined)))
  }
}

async function readExactly(fh: FileHandle, into: Uint8Array, position: number, st: CachedStudy): Promise<void> {
  const { bytesRead } = await fh.read(into, 0, into.length, position)
  if (bytesRead !== into.length)
    throw new EngineError('E_IO', `slice cache: ${st.dir}: read ${bytesRead} of ${into.length} bytes at ${position}`)
}

/**
 * Opens (building where needed) the slice cache of some studies.
 *
 * @param inputs  Studies with labels, each with a unique key.
 * @param options Cache folder (or null), memory bound, normalisation, token, progress callback.
 * @returns The store; `decodedStudies` says how many studies were decoded from NIfTI this time.
 * @throws EngineError E_ARGS for a study without a label or a bad cacheMb; E_MEMORY when memory-only mode would
 *   exceed cacheMb; E_NIFTI / E_GEOMETRY / E_LABEL from loading; E_IO when the cache cannot be written;
 *   E_CANCELLED when the token fires between studies.
 */
export async function openSliceCache(inputs: readonly CacheInput[], options: SliceCacheOptions): Promise<SliceStore> {
  if (!(options.cacheMb >= 0)) throw new EngineError('E_ARGS', `slice cache: --cache-mb must be ≥ 0, received ${options.cacheMb}`)
  if (endianness() !== 'LE') throw new EngineError('E_INTERNAL', 'slice cache: big-endian machines are not supported')
  const load = options.loadStudy ?? ((f: StudyFiles) => defaultLoadStudy(f.path, { image: f.imagePath, label: f.labelPath }))
  const limit = options.cacheMb * 2 ** 20
  const studies: CachedStudy[] = []
  const arrays: { image: Float32Array; mask: Uint8Array }[] = []
  let bytes = 0
  let decoded = 0
  let keepInMemory = true
  for (const [index, input] of inputs.entries()) {
    throwIfCancelled(options.token, 'slice caching')
    if (!input.files.labelPath)
      throw new EngineError('E_ARGS', `slice cache: ${input.files.path}: study has no tumour label; training needs one`)
    const stamp = await stamps(input.files)
    const dir = options.cacheDir ? join(options.cacheDir, cacheKey(stamp, options.normalization)) : null
    let meta = dir ? await readMeta(dir, stamp, options.normalization) : null
    let data: { image: Float32Array; mask: Uint8Array } | null = null
    if (!meta) {
      const built = await decodeStudy(input.files, load, options.normalization, stamp)
      meta = built.meta
      data = built.data
      decoded++
      if (dir) await writeEntry(dir, meta, data)
    }
    const voxels = meta.dims[0] * meta.dims[1] * meta.dims[2]
    bytes += voxels * 5
    if (!dir && bytes > limit)
      throw new EngineError(
        'E_MEMORY',
        `slice cache: the cohort's slices need more than --cache-mb ${options.cacheMb} MiB (${(bytes / 2 ** 20).toFixed(0)} MiB ` +
          `after ${index + 1} studies); raise --cache-mb or use a disk cache (--cache-dir)`,
      )
    keepInMemory &&= bytes <= limit
    if (keepInMemory) arrays.push(data ?? (await readEntry(dir!, voxels)))
    else arrays.length = 0 // over the bound: read rows from disk instead
    studies.push({ key: input.key, name: meta.name, dims: meta.dims, tumorPixelsPerSlice: meta.tumorPixelsPerSlice, dir })
    options.onStudy?.(index + 1, inputs.length, meta.name, data !== null)
  }
  let store: SliceStore
  if (keepInMemory) store = new SliceStore(studies, 'memory', bytes, arrays, null)
  else store = new SliceStore(studies, 'disk', bytes, null, await Promise.all(studies.map((s) => open(join(s.dir!, 'slices.bin'), 'r'))))
  store.decodedStudies = decoded
  return store
}

async function stamps(files: StudyFiles): Promise<{ image: FileStamp; label: FileStamp | null }> {
  const one = async (path: string): Promise<FileStamp> => {
    const s = await stat(path).catch((err: Error) => {
      throw new EngineError('E_IO', `slice cache: ${path}: ${err.message}`)
    })
    return { path, size: s.size, mtimeMs: s.mtimeMs }
  }
  return { image: await one(files.imagePath), label: files.labelPath ? await one(files.labelPath) : null }
}

function cacheKey(stamp: { image: FileStamp; label: FileStamp | null }, normalization: Normalization): string {
  const text = JSON.stringify({ format: FORMAT, version: VERSION, normalization, ...stamp })
  return createHash('sha256').update(text).digest('hex').slice(0, 32)
}

async function readMeta(
  dir: string,
  stamp: { image: FileStamp; label: FileStamp | null },
  normalization: Normalization,
): Promise<CacheMeta | null> {
  try {
    const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as CacheMeta
    const same =
      meta.format === FORMAT &&
      meta.version === VERSION &&
      meta.normalization === normalization &&
      meta.endianness === 'LE' &&
      JSON.stringify([meta.image, meta.label]) === JSON.stringify([stamp.image, stamp.label])
    if (!same) return null
    const size = (await stat(join(dir, 'slices.bin'))).size
    return size === meta.dims[0] * meta.dims[1] * meta.dims[2] * 5 ? meta : null
  } catch {
    return null
  }
}

async function decodeStudy(
  files: StudyFiles,
  load: (f: StudyFiles) => Promise<Study>,
  normalization: Normalization,
  stamp: { image: FileStamp; label: FileStamp | null },
): Promise<{ meta: CacheMeta; data: { image: Float32Array; mask: Uint8Array } }> {
  const study = await load(files)
  if (!study.wholeTumor) throw new EngineError('E_ARGS', `slice cache: ${files.path}: study has no tumour label`)
  const image = normalizeVolume(study.image, normalization)
  const meta: CacheMeta = {
    format: FORMAT,
    version: VERSION,
    name: study.name,
    studyPath: study.path,
    ...stamp,
    normalization,
    dims: [...study.image.dims],
    tumorPixelsPerSlice: study.tumorPixelsPerSlice,
    endianness: 'LE',
  }
  return { meta, data: { image, mask: study.wholeTumor } }
}

async function writeEntry(dir: string, meta: CacheMeta, data: { image: Float32Array; mask: Uint8Array }): Promise<void> {
  const bytes = new Uint8Array(data.image.length * 5)
  bytes.set(new Uint8Array(data.image.buffer, data.image.byteOffset, data.image.byteLength), 0)
  bytes.set(data.mask, data.image.byteLength)
  await writeFileAtomic(join(dir, 'slices.bin'), bytes)
  await writeJsonAtomic(join(dir, 'meta.json'), meta)
}

async function readEntry(dir: string, voxels: number): Promise<{ image: Float32Array; mask: Uint8Array }> {
  const image = new Float32Array(voxels)
  const mask = new Uint8Array(voxels)
  const fh = await open(join(dir, 'slices.bin'), 'r')
  try {
    const st: CachedStudy = { key: '', name: '', dims: [voxels, 1, 1], tumorPixelsPerSlice: [], dir }
    await readExactly(fh, new Uint8Array(image.buffer), 0, st)
    await readExactly(fh, mask, voxels * 4, st)
  } finally {
    await fh.close()
  }
  return { image, mask }
}
