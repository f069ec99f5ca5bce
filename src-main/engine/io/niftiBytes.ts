/**
 * Reads the header and voxel bytes of a single-file NIfTI, plain or gzipped, under a memory cap.
 *
 * Gzip is decided by the magic bytes 1f 8b, never by the name. Gzipped files are inflated as a stream (fflate
 * `Gunzip`) in small input chunks and inflation stops as soon as the header's voxels have arrived, so a small
 * .gz that would inflate to gigabytes costs at most the promised bytes plus one chunk (deflate's ratio is
 * ≤ 1032:1, so a 16 KiB input chunk yields ≤ ~17 MB). The header is checked against the cap before the voxel
 * buffer is allocated. Plain files are read with positioned reads straight into the voxel buffer.
 *
 * @source fflate streaming API (Gunzip.push/ondata); NIfTI-1/2 layout (header, 4-byte extension flag, voxels at
 *   vox_offset).
 */
import { open, type FileHandle } from 'node:fs/promises'
import { Gunzip } from 'fflate'
import { EngineError } from '../../common/errors'
import { niftiHeaderSize, parseNiftiHeader, type NiftiHeaderInfo } from './niftiHeader'

/** Default cap on voxel bytes: 2 GiB, or the environment variable TILELAB_MAX_VOXEL_BYTES. */
export const DEFAULT_MAX_VOXEL_BYTES = 2 * 1024 ** 3

const RAW_CHUNK = 1 << 26
/** vox_offset (header + extensions) is allowed up to max(cap, this). */
const MAX_HEADER_BYTES = 1 << 20
const GZ_CHUNK = 1 << 14

/**
 * The voxel-byte cap in force: `TILELAB_MAX_VOXEL_BYTES` when set, else 2 GiB.
 * @throws EngineError E_ARGS when the variable is set but not a positive integer.
 */
export function defaultMaxVoxelBytes(): number {
  const env = process.env.TILELAB_MAX_VOXEL_BYTES
  if (env === undefined || env.trim() === '') return DEFAULT_MAX_VOXEL_BYTES
  const n = Number(env)
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new EngineError('E_ARGS', `TILELAB_MAX_VOXEL_BYTES must be a positive integer (bytes), got '${env}'`)
  return n
}

/** Bytes that reading the voxels will allocate: the stored voxels, or the float32 volume if larger. */
export function promisedVoxelBytes(h: NiftiHeaderInfo): number {
  return Math.max(h.storedVoxelBytes, h.dims[0] * h.dims[1] * h.dims[2] * 4)
}

/**
 * Rejects a header whose voxels would exceed the cap (before anything is allocated), or whose vox_offset lies
 * beyond max(cap, 1 MiB).
 * @throws EngineError E_TOO_LARGE naming the file, the dims, the bytes promised and the cap.
 */
export function checkVoxelCap(h: NiftiHeaderInfo, maxBytes: number): void {
  const promised = promisedVoxelBytes(h)
  // vox_offset bounds how much a .gz inflates (and discards) before the voxels: header + extensions
  if (promised > maxBytes || h.voxOffset > Math.max(maxBytes, MAX_HEADER_BYTES)) {
    const [nx, ny, nz] = h.dims
    throw new EngineError(
      'E_TOO_LARGE',
      `${h.path}: header promises ${nx}×${ny}×${nz} ${h.datatype} voxels = ${h.storedVoxelBytes} bytes stored ` +
        `(${promised} bytes to hold; vox_offset ${h.voxOffset}), over the cap of ${maxBytes} bytes ` +
        `(raise it with TILELAB_MAX_VOXEL_BYTES)`,
    )
  }
}

/** Result of `readNiftiBytes`. */
export interface NiftiBytes {
  header: NiftiHeaderInfo
  /** Stored voxel bytes (file byte order), own buffer starting at offset 0; null when only the header was read. */
  voxels: Uint8Array | null
}

/**
 * Reads a NIfTI file's header and (unless `headerOnly`) its voxel bytes.
 *
 * @param path     File path (`.nii` or `.nii.gz`; the name does not matter).
 * @param maxBytes Cap on promisedVoxelBytes (and on vox_offset, with a 1 MiB floor).
 * @throws EngineError E_IO (missing/unreadable), E_NIFTI (not NIfTI, corrupt gzip, truncated: promised vs actual
 *   bytes), E_TOO_LARGE (over the cap, before allocation).
 */
export async function readNiftiBytes(path: string, maxBytes: number, headerOnly = false): Promise<NiftiBytes> {
  let fh: FileHandle
  try {
    fh = await open(path, 'r')
  } catch (err) {
    throw ioError(path, err)
  }
  try {
    const first = new Uint8Array(2)
    const { bytesRead } = await fh.read(first, 0, 2, 0)
    const gzip = bytesRead === 2 && first[0] === 0x1f && first[1] === 0x8b
    return gzip ? await readGzip(fh, path, maxBytes, headerOnly) : await readRaw(fh, path, maxBytes, headerOnly)
  } catch (err) {
    if (err instanceof EngineError) throw err
    throw ioError(path, err)
  } finally {
    await fh.close()
  }
}

async function readRaw(fh: FileHandle, path: string, maxBytes: number, headerOnly: boolean): Promise<NiftiBytes> {
  const { size: fileBytes } = await fh.stat()
  const head = new Uint8Array(Math.min(540, fileBytes))
  await readFully(fh, head, 0)
  const header = parseNiftiHeader(head.subarray(0, niftiHeaderSize(head, path)), path, false)
  checkVoxelCap(header, maxBytes)
  if (headerOnly) return { header, voxels: null }
  const available = Math.max(0, fileBytes - header.voxOffset)
  if (available < header.storedVoxelBytes) throw truncated(header, available, fileBytes, false)
  const voxels = new Uint8Array(header.storedVoxelBytes)
  await readFully(fh, voxels, header.voxOffset)
  return { header, voxels }
}

async function readFully(fh: FileHandle, into: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < into.length; ) {
    const n = Math.min(RAW_CHUNK, into.length - done)
    const { bytesRead } = await fh.read(into, done, n, position + done)
    if (bytesRead === 0) break
    done += bytesRead
  }
}

/** Collects the inflated stream: header bytes first, then (after the cap check) the voxel bytes. */
class StreamSink {
  header: NiftiHeaderInfo | null = null
  voxels: Uint8Array | null = null
  /** Inflated bytes seen so far (the counter bounding decompression). */
  position = 0
  done = false
  private readonly head = new Uint8Array(540)
  private headNeed = 4

  constructor(
    private readonly path: string,
    private readonly maxBytes: number,
    private readonly headerOnly: boolean,
  ) {}

  push(chunk: Uint8Array): void {
    let at = 0
    while (at < chunk.length && !this.done) {
      if (!this.header) {
        const take = Math.min(this.headNeed - this.position, chunk.length - at)
        this.head.set(chunk.subarray(at, at + take), this.position)
        this.position += take
        at += take
        if (this.position === this.headNeed) this.onHeadBytes()
        continue
      }
      const h = this.header
      if (this.position < h.voxOffset) {
        const skip = Math.min(h.voxOffset - this.position, chunk.length - at)
        this.position += skip
        at += skip
        continue
      }
      const filled = this.position - h.voxOffset
      const take = Math.min(h.storedVoxelBytes - filled, chunk.length - at)
      this.voxels!.set(chunk.subarray(at, at + take), filled)
      this.position += take
      at += take
      if (filled + take === h.storedVoxelBytes) this.done = true
    }
  }

  private onHeadBytes(): void {
    if (this.headNeed === 4) {
      this.headNeed = niftiHeaderSize(this.head.subarray(0, 4), this.path)
      return
    }
    const h = parseNiftiHeader(this.head.subarray(0, this.headNeed), this.path, true)
    checkVoxelCap(h, this.maxBytes)
    this.header = h
    if (this.headerOnly || h.storedVoxelBytes === 0) this.done = true
    else this.voxels = new Uint8Array(h.storedVoxelBytes)
  }
}

async function readGzip(fh: FileHandle, path: string, maxBytes: number, headerOnly: boolean): Promise<NiftiBytes> {
  const sink = new StreamSink(path, maxBytes, headerOnly)
  const gunzip = new Gunzip((data) => sink.push(data))
  const input = new Uint8Array(GZ_CHUNK)
  let position = 0
  let ended = false
  while (!sink.done && !ended) {
    const { bytesRead } = await fh.read(input, 0, GZ_CHUNK, position)
    position += bytesRead
    ended = bytesRead === 0
    try {
      // a copy: fflate may keep a reference to the pushed chunk until the next push
      gunzip.push(input.slice(0, bytesRead), ended)
    } catch (err) {
      if (err instanceof EngineError) throw err
      if (ended && sink.header) throw truncated(sink.header, Math.max(0, sink.position - sink.header.voxOffset), sink.position, true)
      throw new EngineError('E_NIFTI', `${path}: corrupt gzip stream after ${position} compressed bytes: ${(err as Error).message}`, {
        cause: err,
      })
    }
  }
  if (!sink.header) {
    if (sink.position < 4) throw new EngineError('E_NIFTI', `${path}: not a NIfTI file: gzip stream holds ${sink.position} bytes`)
    throw new EngineError('E_NIFTI', `${path}: truncated header: gzip stream ends after ${sink.position} bytes`)
  }
  if (!sink.done) {
    const available = Math.max(0, sink.position - sink.header.voxOffset)
    throw truncated(sink.header, available, sink.position, true)
  }
  return { header: sink.header, voxels: sink.voxels }
}

function truncated(h: NiftiHeaderInfo, available: number, total: number, gzip: boolean): EngineError {
  const [nx, ny, nz] = h.dims
  return new EngineError(
    'E_NIFTI',
    `${h.path}: truncated: header promises ${h.storedVoxelBytes} bytes of voxels (${nx}×${ny}×${nz} ${h.datatype} ` +
      `from byte ${h.voxOffset}), ${gzip ? 'decompressed stream' : 'file'} holds ${available} ` +
      `(${total} bytes in all)`,
  )
}

function ioError(path: string, err: unknown): EngineError {
  const e = err as NodeJS.ErrnoException
  const what = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a folder, not a file' : e.message
  return new EngineError('E_IO', `${path}: cannot read: ${what}`, { cause: err })
}
