/**
 * NIfTI-1 single-file writer (`.nii` or gzipped `.nii.gz`) for TileLab's outputs: probability maps, label maps,
 * synthetic studies. Reading goes through nifti-reader-js (niftiRead.ts); no well-kept JS writer exists, and the
 * NIfTI-1 header is a fixed 348-byte struct, so the header is filled here field by field.
 *
 * @source NIfTI-1 standard, nifti1.h (https://nifti.nimh.nih.gov/pub/dist/src/niftilib/nifti1.h);
 *   quaternion from nifti1_io.c `nifti_mat44_to_quatern`.
 */
import { gzipSync } from 'fflate'
import type { Affine, Dims3, NiftiDatatype } from '../../common/types'
import { EngineError } from '../../common/errors'
import { writeFileAtomic } from './atomicWrite'

/** NIfTI datatype codes and bytes per voxel (nifti1.h `DT_*`). */
export const NIFTI_DATATYPES: Record<NiftiDatatype, { code: number; bytes: number }> = {
  uint8: { code: 2, bytes: 1 },
  int16: { code: 4, bytes: 2 },
  int32: { code: 8, bytes: 4 },
  float32: { code: 16, bytes: 4 },
  float64: { code: 64, bytes: 8 },
  int8: { code: 256, bytes: 1 },
  uint16: { code: 512, bytes: 2 },
  uint32: { code: 768, bytes: 4 },
}

export interface NiftiWriteOptions {
  dims: Dims3
  /** Voxel size in mm; defaults to the column norms of the affine. */
  spacingMm?: [number, number, number]
  /** Voxel → world RAS+ mm; written as sform (code 1) and as qform (code 1). */
  affine: Affine
  /** Stored datatype; values are rounded (and clamped to the type's range) for integer types. */
  datatype: NiftiDatatype
  /** Gzip the whole file (always a gzip stream when true, whatever the file name). */
  gzip: boolean
  /** Deflate level 1-9 (default 6); 4 is ~2× faster on noisy images for the same size within 0.1%. */
  gzipLevel?: 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9
  description?: string
  /** Written to scl_slope / scl_inter (stored = (value − inter) / slope when slope is finite and non-zero). Default 0 / 0: unscaled. */
  sclSlope?: number
  sclInter?: number
  /** Display range hint (cal_min, cal_max). */
  calRange?: [number, number]
  /** Little-endian (default) or big-endian byte order. */
  littleEndian?: boolean
}

const HEADER_BYTES = 348
const VOX_OFFSET = 352

/**
 * Encodes a volume as NIfTI-1 bytes.
 *
 * @param data Voxel values in NIfTI order (i fastest), length nx·ny·nz; physical values (before scl scaling).
 * @returns The `.nii` bytes, gzipped when `options.gzip`.
 * @throws EngineError E_SHAPE if data.length ≠ nx·ny·nz.
 */
export function encodeNifti(data: ArrayLike<number>, options: NiftiWriteOptions): Uint8Array {
  const [nx, ny, nz] = options.dims
  const count = nx * ny * nz
  if (data.length !== count)
    throw new EngineError('E_SHAPE', `NIfTI data has ${data.length} voxels, dims ${nx}×${ny}×${nz} need ${count}`)
  const { code, bytes } = NIFTI_DATATYPES[options.datatype]
  const le = options.littleEndian ?? true
  const buf = new ArrayBuffer(VOX_OFFSET + count * bytes)
  const view = new DataView(buf)
  writeHeader(view, options, code, bytes * 8, le)
  writeVoxels(view, data, options, le)
  const raw = new Uint8Array(buf)
  // mtime 0: no timestamp in the gzip header, so the same volume always gives the same bytes
  return options.gzip ? gzipSync(raw, { level: options.gzipLevel ?? 6, mtime: 0 }) : raw
}

/**
 * Writes a volume as a NIfTI-1 file atomically (temp file + rename).
 * @throws EngineError E_IO naming the path when the write fails; E_SHAPE as encodeNifti.
 */
export async function writeNifti(path: string, data: ArrayLike<number>, options: NiftiWriteOptions): Promise<void> {
  await writeFileAtomic(path, encodeNifti(data, options))
}

function writeHeader(view: DataView, o: NiftiWriteOptions, code: number, bitpix: number, le: boolean): void {
  const a = o.affine
  const spacing = o.spacingMm ?? columnNorms(a)
  view.setInt32(0, HEADER_BYTES, le)
  view.setUint8(38, 'r'.charCodeAt(0))
  const dim = [3, o.dims[0], o.dims[1], o.dims[2], 1, 1, 1, 1]
  dim.forEach((d, i) => view.setInt16(40 + 2 * i, d, le))
  view.setInt16(70, code, le)
  view.setInt16(72, bitpix, le)
  const q = affineToQuaternion(a)
  const pixdim = [q.qfac, spacing[0], spacing[1], spacing[2], 0, 0, 0, 0]
  pixdim.forEach((p, i) => view.setFloat32(76 + 4 * i, p, le))
  view.setFloat32(108, VOX_OFFSET, le)
  view.setFloat32(112, o.sclSlope ?? 0, le)
  view.setFloat32(116, o.sclInter ?? 0, le)
  view.setUint8(123, 2 | 8) // NIFTI_UNITS_MM | NIFTI_UNITS_SEC
  if (o.calRange) {
    view.setFloat32(124, o.calRange[1], le)
    view.setFloat32(128, o.calRange[0], le)
  }
  writeAscii(view, 148, 80, o.description ?? 'TileLab')
  view.setInt16(252, 1, le) // qform_code: NIFTI_XFORM_SCANNER_ANAT
  view.setInt16(254, 1, le) // sform_code
  ;[q.b, q.c, q.d, a[0][3], a[1][3], a[2][3]].forEach((v, i) => view.setFloat32(256 + 4 * i, v, le))
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) view.setFloat32(280 + 16 * r + 4 * c, a[r][c], le)
  writeAscii(view, 344, 4, 'n+1\0')
}

function writeVoxels(view: DataView, data: ArrayLike<number>, o: NiftiWriteOptions, le: boolean): void {
  // Readers scale only when scl_slope is finite and non-zero (NIfTI-1); otherwise scl_inter is ignored too.
  const scaled = o.sclSlope !== undefined && Number.isFinite(o.sclSlope) && o.sclSlope !== 0
  const slope = scaled ? o.sclSlope! : 1
  const inter = scaled ? (o.sclInter ?? 0) : 0
  const integer = !o.datatype.startsWith('float')
  const [lo, hi] = INTEGER_RANGE[o.datatype] ?? [-Infinity, Infinity]
  const setter = SETTERS[o.datatype]
  const step = NIFTI_DATATYPES[o.datatype].bytes
  for (let n = 0, off = VOX_OFFSET; n < data.length; n++, off += step) {
    let v = (data[n] - inter) / slope
    if (integer) v = Math.min(hi, Math.max(lo, Math.round(v)))
    setter(view, off, v, le)
  }
}

const INTEGER_RANGE: Partial<Record<NiftiDatatype, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
}

type Setter = (v: DataView, off: number, x: number, le: boolean) => void
const SETTERS: Record<NiftiDatatype, Setter> = {
  uint8: (v, o, x) => v.setUint8(o, x),
  int8: (v, o, x) => v.setInt8(o, x),
  int16: (v, o, x, le) => v.setInt16(o, x, le),
  uint16: (v, o, x, le) => v.setUint16(o, x, le),
  int32: (v, o, x, le) => v.setInt32(o, x, le),
  uint32: (v, o, x, le) => v.setUint32(o, x, le),
  float32: (v, o, x, le) => v.setFloat32(o, x, le),
  float64: (v, o, x, le) => v.setFloat64(o, x, le),
}

function writeAscii(view: DataView, offset: number, max: number, text: string): void {
  for (let i = 0; i < Math.min(max, text.length); i++) view.setUint8(offset + i, text.charCodeAt(i) & 0x7f)
}

function columnNorms(a: Affine): [number, number, number] {
  const n = (c: number): number => Math.hypot(a[0][c], a[1][c], a[2][c])
  return [n(0), n(1), n(2)]
}

/**
 * Quaternion (b, c, d) and qfac of the rotation part of an affine, after nifti1_io.c `nifti_mat44_to_quatern`
 * (columns normalised; a negative determinant flips the third column and sets qfac = −1).
 */
export function affineToQuaternion(a: Affine): { b: number; c: number; d: number; qfac: number } {
  const [sx, sy, sz] = columnNorms(a).map((s) => (s === 0 ? 1 : s))
  let r11 = a[0][0] / sx, r12 = a[0][1] / sy, r13 = a[0][2] / sz
  let r21 = a[1][0] / sx, r22 = a[1][1] / sy, r23 = a[1][2] / sz
  let r31 = a[2][0] / sx, r32 = a[2][1] / sy, r33 = a[2][2] / sz
  const det = r11 * (r22 * r33 - r32 * r23) - r12 * (r21 * r33 - r31 * r23) + r13 * (r21 * r32 - r31 * r22)
  let qfac = 1
  if (det < 0) {
    qfac = -1
    r13 = -r13
    r23 = -r23
    r33 = -r33
  }
  let qa = r11 + r22 + r33 + 1
  let b: number, c: number, d: number
  if (qa > 0.5) {
    qa = 0.5 * Math.sqrt(qa)
    b = (0.25 * (r32 - r23)) / qa
    c = (0.25 * (r13 - r31)) / qa
    d = (0.25 * (r21 - r12)) / qa
  } else {
    const xd = 1 + r11 - (r22 + r33)
    const yd = 1 + r22 - (r11 + r33)
    const zd = 1 + r33 - (r11 + r22)
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd)
      c = (0.25 * (r12 + r21)) / b
      d = (0.25 * (r13 + r31)) / b
      qa = (0.25 * (r32 - r23)) / b
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd)
      b = (0.25 * (r12 + r21)) / c
      d = (0.25 * (r23 + r32)) / c
      qa = (0.25 * (r13 - r31)) / c
    } else {
      d = 0.5 * Math.sqrt(zd)
      b = (0.25 * (r13 + r31)) / d
      c = (0.25 * (r23 + r32)) / d
      qa = (0.25 * (r21 - r12)) / d
    }
    if (qa < 0) {
      b = -b
      c = -c
      d = -d
    }
  }
  return { b, c, d, qfac }
}
