/**
 * Interprets a NIfTI-1 / NIfTI-2 header parsed by nifti-reader-js: datatype, dims (4D with one volume = 3D),
 * voxel offset, scl_slope/scl_inter and the voxel → world affine, each checked and turned into TileLab's terms.
 *
 * nifti-reader-js parses the fields. Two of its choices differ from the standard, so the affine is computed here:
 * for NIfTI-1 it prefers the qform whenever qform_code > sform_code (the standard and nibabel use the sform
 * whenever sform_code > 0), and for NIfTI-2 it never builds the qform. The srow_* rows are therefore read from
 * their documented offsets, and the quaternion is turned into a matrix as nifti1_io.c `nifti_quatern_to_mat44` does.
 *
 * @source NIfTI-1 standard, nifti1.h (METHOD 1/2/3 of "3D IMAGE (VOLUME) ORIENTATION AND LOCATION IN SPACE");
 *   NIfTI-2 nifti2.h (same fields as 64-bit types at new offsets); nifti1_io.c; nibabel `get_best_affine`,
 *   `get_slope_inter` (valid slope with non-finite intercept is an error).
 */
import { NIFTI1, NIFTI2, isNIFTI1, isNIFTI2 } from 'nifti-reader-js'
import type { Affine, Dims3, NiftiDatatype } from '../../common/types'
import { EngineError } from '../../common/errors'
import { axisCodes } from './orientation'

/** What TileLab needs from a NIfTI header, already checked. */
export interface NiftiHeaderInfo {
  path: string
  /** 1 for NIfTI-1 (348-byte header), 2 for NIfTI-2 (540-byte header). */
  version: 1 | 2
  littleEndian: boolean
  /** Whether the file is a gzip stream (decided by the magic bytes 1f 8b, never by the name). */
  gzip: boolean
  dims: Dims3
  /** |pixdim[1..3]| in mm. */
  spacingMm: [number, number, number]
  datatype: NiftiDatatype
  /** NIfTI datatype code (nifti1.h DT_*). */
  datatypeCode: number
  bytesPerVoxel: number
  /** Byte offset of the first voxel in the (decompressed) file. */
  voxOffset: number
  /** nx·ny·nz·bytesPerVoxel: voxel bytes stored in the file. */
  storedVoxelBytes: number
  /** scl_slope / scl_inter as stored (may be 0 or NaN). */
  sclSlope: number
  sclInter: number
  /** True when scaling applies: scl_slope finite and non-zero (y = slope·x + inter). */
  scaled: boolean
  qformCode: number
  sformCode: number
  /** Which transform the affine came from. */
  affineSource: 'sform' | 'qform' | 'pixdim'
  affine: Affine
  /** Axis codes of the voxel axes, e.g. 'LPS' (orientation.ts `axisCodes`). */
  orientation: string
  description: string
}

/** NIfTI datatype code → TileLab datatype and bytes per voxel (nifti1.h DT_*). */
const DATATYPES: Record<number, { name: NiftiDatatype; bytes: number }> = {
  2: { name: 'uint8', bytes: 1 },
  4: { name: 'int16', bytes: 2 },
  8: { name: 'int32', bytes: 4 },
  16: { name: 'float32', bytes: 4 },
  64: { name: 'float64', bytes: 8 },
  256: { name: 'int8', bytes: 1 },
  512: { name: 'uint16', bytes: 2 },
  768: { name: 'uint32', bytes: 4 },
}

const UNSUPPORTED: Record<number, string> = {
  0: 'unknown',
  1: 'binary (1 bit)',
  32: 'complex64',
  128: 'rgb24',
  1024: 'int64',
  1280: 'uint64',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'rgba32',
}

/**
 * Size of the header that starts `bytes`: 348 (NIfTI-1) or 540 (NIfTI-2), in either byte order.
 *
 * @param bytes At least the first 4 bytes of the (decompressed) file.
 * @throws EngineError E_NIFTI naming `path` and the sizeof_hdr value read, when it is neither.
 */
export function niftiHeaderSize(bytes: Uint8Array, path: string): 348 | 540 {
  if (bytes.length < 4) throw new EngineError('E_NIFTI', `${path}: not a NIfTI file: only ${bytes.length} bytes`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, 4)
  for (const le of [true, false]) {
    const size = view.getInt32(0, le)
    if (size === 348 || size === 540) return size
  }
  throw new EngineError(
    'E_NIFTI',
    `${path}: not a NIfTI file: sizeof_hdr is ${view.getInt32(0, true)}, expected 348 (NIfTI-1) or 540 (NIfTI-2)`,
  )
}

/**
 * Parses and checks a NIfTI header.
 *
 * @param bytes The first `niftiHeaderSize(bytes)` bytes of the decompressed file (extensions are not needed).
 * @param path  File name used in messages.
 * @param gzip  Whether the file was gzipped (recorded in the result).
 * @returns The checked header with the affine chosen per the standard.
 * @throws EngineError E_NIFTI when the magic is wrong (also for .hdr/.img pairs), a dim is not positive, the file
 *   holds more than one volume (dims 4..7), the datatype is not one of the 8 scalar types, or scl_slope is valid
 *   while scl_inter is not finite.
 */
export function parseNiftiHeader(bytes: Uint8Array, path: string, gzip: boolean): NiftiHeaderInfo {
  const size = niftiHeaderSize(bytes, path)
  if (bytes.length < size)
    throw new EngineError('E_NIFTI', `${path}: truncated header: ${bytes.length} of ${size} bytes`)
  const buf = bytes.slice(0, size).buffer
  const version = size === 348 ? 1 : 2
  const pairMagic = version === 1 ? isNIFTI1(buf, true) && !isNIFTI1(buf) : isNIFTI2(buf, true) && !isNIFTI2(buf)
  if (pairMagic)
    throw new EngineError('E_NIFTI', `${path}: a .hdr/.img pair header; TileLab reads single-file NIfTI (.nii/.nii.gz)`)
  if (version === 1 ? !isNIFTI1(buf) : !isNIFTI2(buf))
    throw new EngineError('E_NIFTI', `${path}: not a NIfTI-${version} file: magic bytes missing at the expected offset`)
  const h = version === 1 ? new NIFTI1() : new NIFTI2()
  try {
    h.readHeader(buf)
  } catch (err) {
    throw new EngineError('E_NIFTI', `${path}: unreadable NIfTI header: ${(err as Error).message}`, { cause: err })
  }
  const dims = spatialDims(h.dims, path)
  const dt = DATATYPES[h.datatypeCode]
  if (!dt) {
    const name = UNSUPPORTED[h.datatypeCode] ?? 'not a NIfTI datatype'
    throw new EngineError(
      'E_NIFTI',
      `${path}: unsupported datatype code ${h.datatypeCode} (${name}); TileLab reads uint8, int8, int16, uint16, int32, uint32, float32, float64`,
    )
  }
  const { scaled, sclSlope, sclInter } = scaling(h.scl_slope, h.scl_inter, path)
  const minOffset = size + 4
  const rawOffset = Number(h.vox_offset)
  if (!Number.isFinite(rawOffset) || rawOffset < 0)
    throw new EngineError('E_NIFTI', `${path}: invalid vox_offset ${rawOffset}`)
  // nibabel's rule: a single-file vox_offset below the header + 4-byte extension flag is raised to that minimum.
  const voxOffset = Math.max(minOffset, Math.floor(rawOffset))
  const chosen = chooseAffine(h, bytes, version)
  const affine = chosen.affine.map((row) => row.map((v) => v + 0)) as Affine // -0 → 0
  const affineSource = chosen.affineSource
  return {
    path,
    version,
    littleEndian: h.littleEndian,
    gzip,
    dims,
    spacingMm: [Math.abs(h.pixDims[1] ?? 1), Math.abs(h.pixDims[2] ?? 1), Math.abs(h.pixDims[3] ?? 1)],
    datatype: dt.name,
    datatypeCode: h.datatypeCode,
    bytesPerVoxel: dt.bytes,
    voxOffset,
    storedVoxelBytes: dims[0] * dims[1] * dims[2] * dt.bytes,
    sclSlope,
    sclInter,
    scaled,
    qformCode: h.qform_code,
    sformCode: h.sform_code,
    affineSource,
    affine,
    orientation: axisCodes(affine),
    description: h.description.replace(/\0+$/, ''),
  }
}

/** dims[1..3]; dims beyond dim[0] are ignored (standard); extra axes must all be 1. */
function spatialDims(dim: number[], path: string): Dims3 {
  const ndim = dim[0]
  if (!Number.isInteger(ndim) || ndim < 1 || ndim > 7)
    throw new EngineError('E_NIFTI', `${path}: invalid dim[0] = ${ndim} (number of dimensions must be 1..7)`)
  const extent = (axis: number): number => (axis <= ndim ? dim[axis] : 1)
  for (let axis = 1; axis <= ndim; axis++) {
    const n = dim[axis]
    if (!Number.isSafeInteger(n) || n < 1)
      throw new EngineError('E_NIFTI', `${path}: invalid dim[${axis}] = ${n} (must be a positive integer)`)
  }
  let volumes = 1
  for (let axis = 4; axis <= ndim; axis++) volumes *= dim[axis]
  if (volumes !== 1) {
    const shape = dim.slice(1, ndim + 1).join('×')
    throw new EngineError(
      'E_NIFTI',
      `${path}: ${ndim}D image ${shape} holds ${volumes} volumes; TileLab reads one 3D volume (split the file first)`,
    )
  }
  return [extent(1), extent(2), extent(3)]
}

/** NIfTI-1 §scl_slope: scale when slope is finite and non-zero; nibabel refuses a valid slope with a bad intercept. */
function scaling(slope: number, inter: number, path: string): { scaled: boolean; sclSlope: number; sclInter: number } {
  const scaled = Number.isFinite(slope) && slope !== 0
  if (scaled && !Number.isFinite(inter))
    throw new EngineError('E_NIFTI', `${path}: scl_slope ${slope} is valid but scl_inter is ${inter}`)
  return { scaled, sclSlope: slope, sclInter: inter }
}

function chooseAffine(
  h: NIFTI1 | NIFTI2,
  bytes: Uint8Array,
  version: 1 | 2,
): { affine: Affine; affineSource: NiftiHeaderInfo['affineSource'] } {
  if (h.sform_code > 0) return { affine: sformRows(bytes, version, h.littleEndian), affineSource: 'sform' }
  if (h.qform_code > 0) return { affine: qformAffine(h), affineSource: 'qform' }
  const [dx, dy, dz] = [h.pixDims[1], h.pixDims[2], h.pixDims[3]]
  return {
    affine: [
      [dx, 0, 0, 0],
      [0, dy, 0, 0],
      [0, 0, dz, 0],
      [0, 0, 0, 1],
    ],
    affineSource: 'pixdim',
  }
}

/** srow_x/y/z: NIfTI-1 float32 at byte 280, NIfTI-2 float64 at byte 400 (nifti1.h, nifti2.h). */
function sformRows(bytes: Uint8Array, version: 1 | 2, le: boolean): Affine {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const at = (r: number, c: number): number =>
    version === 1 ? view.getFloat32(280 + 4 * (4 * r + c), le) : view.getFloat64(400 + 8 * (4 * r + c), le)
  const row = (r: number): [number, number, number, number] => [at(r, 0), at(r, 1), at(r, 2), at(r, 3)]
  return [row(0), row(1), row(2), [0, 0, 0, 1]]
}

/** nifti1_io.c `nifti_quatern_to_mat44`: quaternion (b, c, d), qfac = sign of pixdim[0], offsets. */
function qformAffine(h: NIFTI1 | NIFTI2): Affine {
  let b = h.quatern_b
  let c = h.quatern_c
  let d = h.quatern_d
  let a = 1 - (b * b + c * c + d * d)
  if (a < 1e-7) {
    a = 1 / Math.sqrt(b * b + c * c + d * d)
    b *= a
    c *= a
    d *= a
    a = 0
  } else {
    a = Math.sqrt(a)
  }
  const xd = h.pixDims[1] > 0 ? h.pixDims[1] : 1
  const yd = h.pixDims[2] > 0 ? h.pixDims[2] : 1
  let zd = h.pixDims[3] > 0 ? h.pixDims[3] : 1
  if (h.pixDims[0] < 0) zd = -zd
  return [
    [(a * a + b * b - c * c - d * d) * xd, 2 * (b * c - a * d) * yd, 2 * (b * d + a * c) * zd, h.qoffset_x],
    [2 * (b * c + a * d) * xd, (a * a + c * c - b * b - d * d) * yd, 2 * (c * d - a * b) * zd, h.qoffset_y],
    [2 * (b * d - a * c) * xd, 2 * (c * d + a * b) * yd, (a * a + d * d - c * c - b * b) * zd, h.qoffset_z],
    [0, 0, 0, 1],
  ]
}
