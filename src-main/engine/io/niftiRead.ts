/**
 * NIfTI reader: `.nii` / `.nii.gz` (gzip decided by content), NIfTI-1 and NIfTI-2, either byte order, the eight
 * scalar datatypes, scl_slope/scl_inter applied, affine per the standard, 4D files with one volume read as 3D,
 * bounded by a memory cap.
 *
 * Header fields are parsed by nifti-reader-js (niftiHeader.ts); gzip is inflated by fflate (niftiBytes.ts).
 *
 * @source NIfTI-1 standard nifti1.h (scl_slope: "If the scl_slope field is nonzero, then each voxel value in the
 *   dataset should be scaled as y = scl_slope * x + scl_inter"); nibabel (slope 0 or non-finite → unscaled).
 */
import type { NiftiDatatype, Volume } from '../../common/types'
import { defaultMaxVoxelBytes, readNiftiBytes } from './niftiBytes'
import type { NiftiHeaderInfo } from './niftiHeader'

export type { NiftiHeaderInfo } from './niftiHeader'
export { defaultMaxVoxelBytes, DEFAULT_MAX_VOXEL_BYTES } from './niftiBytes'

/** Options of `readNifti` / `readNiftiHeader`. */
export interface NiftiReadOptions {
  /** Cap on the bytes the voxels may take (stored, or as float32 if larger). Default: `defaultMaxVoxelBytes()`. */
  maxBytes?: number
}

/**
 * Reads only the header (for discovery and `tilelab info`): cheap, inflates only the first bytes of a .gz.
 *
 * @returns The checked header, including dims, datatype, affine (sform > qform > pixdim) and orientation.
 * @throws EngineError E_IO, E_NIFTI, E_TOO_LARGE (the cap is checked here too), each naming the file.
 */
export async function readNiftiHeader(path: string, options: NiftiReadOptions = {}): Promise<NiftiHeaderInfo> {
  const { header } = await readNiftiBytes(path, options.maxBytes ?? defaultMaxVoxelBytes(), true)
  return header
}

/**
 * Reads a NIfTI volume.
 *
 * @param path File path; `.nii` or `.nii.gz` (gzip is detected from the bytes 1f 8b, not the name).
 * @returns Volume with `data` = float32 voxel values, length nx·ny·nz, i fastest (NIfTI order), with
 *   y = scl_slope·x + scl_inter applied when scl_slope is finite and non-zero; dims, spacingMm (|pixdim[1..3]|),
 *   affine (sform when sform_code > 0, else qform when qform_code > 0, else diag(pixdim) — NIfTI METHOD 1, where
 *   nibabel would centre the grid instead), orientation (e.g. 'LPS'), stored datatype.
 *   float64 voxels are rounded to float32.
 * @throws EngineError E_IO (missing, unreadable); E_NIFTI (not NIfTI, .hdr/.img pair, unsupported datatype, more
 *   than one volume, truncated: promised vs actual bytes, corrupt gzip); E_TOO_LARGE (header promises more than
 *   `maxBytes`, raised before allocating); E_ARGS (bad TILELAB_MAX_VOXEL_BYTES). Messages name the file.
 */
export async function readNifti(path: string, options: NiftiReadOptions = {}): Promise<Volume> {
  const { header, voxels } = await readNiftiBytes(path, options.maxBytes ?? defaultMaxVoxelBytes())
  return {
    dims: header.dims,
    spacingMm: header.spacingMm,
    affine: header.affine,
    orientation: header.orientation,
    data: decodeVoxels(voxels!, header),
    datatype: header.datatype,
    path,
  }
}

type Ctor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => ArrayLike<number>

const VIEWS: Record<NiftiDatatype, Ctor> = {
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/**
 * Converts stored voxel bytes to float32 values with scaling applied.
 *
 * @param bytes  Stored voxels in file byte order, own buffer at offset 0 (swapped in place when the file's byte
 *   order differs from the host's).
 * @param header The header the bytes belong to.
 * @returns Float32Array of nx·ny·nz values; for unscaled float32 it shares `bytes`' buffer (no copy).
 */
export function decodeVoxels(bytes: Uint8Array, header: Pick<NiftiHeaderInfo, 'dims' | 'datatype' | 'bytesPerVoxel' | 'littleEndian' | 'scaled' | 'sclSlope' | 'sclInter'>): Float32Array {
  const n = header.dims[0] * header.dims[1] * header.dims[2]
  if (header.littleEndian !== HOST_LITTLE_ENDIAN) swapBytes(bytes, header.bytesPerVoxel)
  const src = new VIEWS[header.datatype](bytes.buffer as ArrayBuffer, bytes.byteOffset, n)
  if (!header.scaled) {
    if (src instanceof Float32Array) return src
    const out = new Float32Array(n)
    out.set(src)
    return out
  }
  const out = src instanceof Float32Array ? src : new Float32Array(n)
  const slope = header.sclSlope
  const inter = header.sclInter
  for (let i = 0; i < n; i++) out[i] = slope * src[i] + inter
  return out
}

/** Reverses the byte order of each `width`-byte element in place. */
function swapBytes(bytes: Uint8Array, width: number): void {
  if (width === 1) return
  const n = bytes.length
  for (let i = 0; i < n; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const t = bytes[a]
      bytes[a] = bytes[b]
      bytes[b] = t
    }
  }
}
