/**
 * NIfTI fixtures generated at test time: NIfTI-1 via the engine's writer (plus header patches for odd cases),
 * NIfTI-2 via nifti-reader-js's `NIFTI2.toArrayBuffer`, temp folders, the BraTS affine.
 *
 * @source NIfTI-1 nifti1.h / NIfTI-2 nifti2.h field offsets.
 */
import { mkdtemp, rm, mkdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { NIFTI2 } from 'nifti-reader-js'
import { gzipSync } from 'fflate'
import type { Affine, Dims3, NiftiDatatype } from '../../src-main/common/types'
import { encodeNifti, NIFTI_DATATYPES, affineToQuaternion } from '../../src-main/engine/io/niftiWrite'

/** The BraTS grid's affine: i → Left, j → Posterior, k → Superior (srow_y offset 239). */
export const BRATS_AFFINE: Affine = [
  [-1, 0, 0, 0],
  [0, -1, 0, 239],
  [0, 0, 1, 0],
  [0, 0, 0, 1],
]

export const IDENTITY_AFFINE: Affine = [
  [1, 0, 0, 0],
  [0, 1, 0, 0],
  [0, 0, 1, 0],
  [0, 0, 0, 1],
]

export const ALL_DATATYPES: NiftiDatatype[] = ['uint8', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'float64']

/** A temp folder and a function that removes it. */
export async function makeTempDir(prefix = 'tilelab-io-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

/** Writes bytes to dir/relative (creating folders); returns the path. */
export async function put(dir: string, relative: string, bytes: Uint8Array | string = ''): Promise<string> {
  const path = join(dir, relative)
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, bytes)
  return path
}

export interface Nifti1FixtureOptions {
  dims: Dims3
  datatype?: NiftiDatatype
  affine?: Affine
  littleEndian?: boolean
}

/** Uncompressed NIfTI-1 bytes holding `stored` values as stored (no scaling in the header). */
export function nifti1Bytes(stored: ArrayLike<number>, o: Nifti1FixtureOptions): Uint8Array {
  return encodeNifti(stored, {
    dims: o.dims,
    affine: o.affine ?? BRATS_AFFINE,
    datatype: o.datatype ?? 'float32',
    gzip: false,
    littleEndian: o.littleEndian ?? true,
  })
}

/** Header field patches for NIfTI-1 fixtures (offsets from nifti1.h). */
export interface Nifti1Patch {
  dim?: number[]
  sclSlope?: number
  sclInter?: number
  qformCode?: number
  sformCode?: number
  srow?: number[][]
  pixdim0?: number
  datatypeCode?: number
  voxOffset?: number
  sizeofHdr?: number
}

/** Patches header fields of uncompressed NIfTI-1 bytes in place; returns them. */
export function patchNifti1(bytes: Uint8Array, p: Nifti1Patch, littleEndian = true): Uint8Array {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const le = littleEndian
  if (p.dim) p.dim.forEach((d, i) => v.setInt16(40 + 2 * i, d, le))
  if (p.datatypeCode !== undefined) v.setInt16(70, p.datatypeCode, le)
  if (p.pixdim0 !== undefined) v.setFloat32(76, p.pixdim0, le)
  if (p.voxOffset !== undefined) v.setFloat32(108, p.voxOffset, le)
  if (p.sclSlope !== undefined) v.setFloat32(112, p.sclSlope, le)
  if (p.sclInter !== undefined) v.setFloat32(116, p.sclInter, le)
  if (p.qformCode !== undefined) v.setInt16(252, p.qformCode, le)
  if (p.sformCode !== undefined) v.setInt16(254, p.sformCode, le)
  if (p.srow) p.srow.forEach((row, r) => row.forEach((x, c) => v.setFloat32(280 + 16 * r + 4 * c, x, le)))
  if (p.sizeofHdr !== undefined) v.setInt32(0, p.sizeofHdr, le)
  return bytes
}

export function gzip(bytes: Uint8Array): Uint8Array {
  return gzipSync(bytes, { level: 6 })
}

export interface Nifti2FixtureOptions {
  dims: Dims3
  datatype: NiftiDatatype
  littleEndian: boolean
  affine?: Affine
  /** Write the affine as qform only (sform_code 0) instead of sform. */
  qformOnly?: boolean
  sclSlope?: number
  sclInter?: number
  /** dim[0] and extra dims, e.g. [4, 1] for a 4D file with one volume. */
  extraDims?: number[]
}

/** NIfTI-2 bytes (540-byte header + 4-byte extension flag + voxels), header built by nifti-reader-js. */
export function nifti2Bytes(stored: ArrayLike<number>, o: Nifti2FixtureOptions): Uint8Array {
  const h = new NIFTI2()
  const affine = o.affine ?? BRATS_AFFINE
  const { code, bytes } = NIFTI_DATATYPES[o.datatype]
  const q = affineToQuaternion(affine)
  const spacing = [0, 1, 2].map((c) => Math.hypot(affine[0][c], affine[1][c], affine[2][c]))
  h.littleEndian = o.littleEndian
  h.magic = 'n+2\0\r\n\x1a\n'
  h.datatypeCode = code
  h.numBitsPerVoxel = bytes * 8
  const extra = o.extraDims ?? []
  h.dims = [3 + extra.length, ...o.dims, ...extra, 1, 1, 1, 1].slice(0, 8)
  h.pixDims = [q.qfac, spacing[0], spacing[1], spacing[2], 0, 0, 0, 0]
  h.vox_offset = 544
  h.scl_slope = o.sclSlope ?? 0
  h.scl_inter = o.sclInter ?? 0
  h.qform_code = 1
  h.sform_code = o.qformOnly ? 0 : 1
  h.quatern_b = q.b
  h.quatern_c = q.c
  h.quatern_d = q.d
  h.qoffset_x = affine[0][3]
  h.qoffset_y = affine[1][3]
  h.qoffset_z = affine[2][3]
  h.affine = o.qformOnly ? [[9, 9, 9, 9], [9, 9, 9, 9], [9, 9, 9, 9], [0, 0, 0, 1]] : affine.map((r) => [...r])
  h.xyzt_units = 2
  const header = new Uint8Array(h.toArrayBuffer())
  const out = new Uint8Array(544 + stored.length * bytes)
  out.set(header.subarray(0, 544))
  writeValues(new DataView(out.buffer), 544, stored, o.datatype, o.littleEndian)
  return out
}

/** Writes values as `datatype` in the given byte order (test helper; not optimised). */
export function writeValues(view: DataView, offset: number, values: ArrayLike<number>, datatype: NiftiDatatype, le: boolean): void {
  const step = NIFTI_DATATYPES[datatype].bytes
  for (let i = 0; i < values.length; i++) {
    const o = offset + i * step
    const x = values[i]
    switch (datatype) {
      case 'uint8': view.setUint8(o, x); break
      case 'int8': view.setInt8(o, x); break
      case 'int16': view.setInt16(o, x, le); break
      case 'uint16': view.setUint16(o, x, le); break
      case 'int32': view.setInt32(o, x, le); break
      case 'uint32': view.setUint32(o, x, le); break
      case 'float32': view.setFloat32(o, x, le); break
      case 'float64': view.setFloat64(o, x, le); break
    }
  }
}

/** Representative stored values per datatype (extremes, negatives, fractions), 24 voxels = dims [2, 3, 4]. */
export function sampleValues(datatype: NiftiDatatype): number[] {
  const base: Record<NiftiDatatype, number[]> = {
    uint8: [0, 1, 2, 127, 128, 254, 255],
    int8: [-128, -1, 0, 1, 127, -5, 64],
    int16: [-32768, -1, 0, 1, 32767, 1184, -300],
    uint16: [0, 1, 65535, 40000, 256, 1, 2],
    int32: [-2147483648, -1, 0, 1, 2147483647, 123456, -7],
    uint32: [0, 1, 4294967295, 3000000000, 65536, 2, 3],
    float32: [0, -1.5, 2.25, 1e-3, -1e6, 3.5, 7],
    float64: [0, -1.5, 2.25, 1e-3, -1e6, 0.1, 7],
  }
  const b = base[datatype]
  return Array.from({ length: 24 }, (_, i) => b[i % b.length])
}
