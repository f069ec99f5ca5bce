/**
 * Files of a `tilelab predict` run, all written atomically into one folder:
 *
 * | file                            | content                                                                     |
 * |---------------------------------|-----------------------------------------------------------------------------|
 * | prob_full.nii.gz                | whole-image probabilities, float32, the source grid and affine              |
 * | prob_tiled.nii.gz               | tiled (blended) probabilities, float32                                      |
 * | prob_full_minus_tiled.nii.gz    | full − tiled, float32 in [−1, 1] (computed in float32 from the two maps)    |
 * | prob_centre_crop.nii.gz         | with --centre-crop: the crop's probabilities in its window, 0 outside       |
 * | pngs/slice_<k>.png              | the labelled picture of slice k (slicePicture.ts), for the chosen slices    |
 * | prediction.json                 | the PredictionReport                                                        |
 *
 * The maps cover the whole study grid: slices that were not predicted hold 0 (with --slice, only that slice is
 * filled), so each map overlays the FLAIR in any viewer (ITK-SNAP, nibabel, 3D Slicer). PNGs named slice_<k>.png
 * left in pngs/ by an earlier run and not written by this one are removed, so the folder matches prediction.json.
 *
 * The maps are encoded by io/niftiWrite.ts and gzipped with Node's zlib (level 4) on libuv's thread pool, the three
 * at once: float probability maps barely compress, and zlib does a 240×240×155 map in under a second where the
 * pure-JS deflate takes several.
 *
 * @source NIfTI-1 (io/niftiWrite.ts): sform and qform code 1 from the source affine, cal_min/cal_max as the
 *   display range; gzip (RFC 1952) by Node's zlib.
 */
import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gzip } from 'node:zlib'
import type { Affine, Dims3 } from '../../common/types'
import { EngineError } from '../../common/errors'
import { writeFileAtomic, writeJsonAtomic } from '../io/atomicWrite'
import { encodeNifti, type NiftiWriteOptions } from '../io/niftiWrite'

const gzipAsync = promisify(gzip)

/** File names inside the output folder. */
export const PREDICTION_FILES = {
  full: 'prob_full.nii.gz',
  tiled: 'prob_tiled.nii.gz',
  difference: 'prob_full_minus_tiled.nii.gz',
  centreCrop: 'prob_centre_crop.nii.gz',
  json: 'prediction.json',
  pngDir: 'pngs',
} as const

/** `pngs/slice_069.png` (three digits at least, so files sort by slice). */
export function slicePngName(slice: number): string {
  return `${PREDICTION_FILES.pngDir}/slice_${String(slice).padStart(3, '0')}.png`
}

export interface PredictionMaps {
  /** `[nz][ny][nx]` float32 volumes on the study grid (NIfTI order). */
  full: Float32Array
  tiled: Float32Array
  centreCrop: Float32Array | null
}

export interface MapGeometry {
  dims: Dims3
  affine: Affine
  spacingMm: [number, number, number]
}

/**
 * Writes the probability maps and the difference map as gzipped NIfTI-1 float32.
 *
 * @returns The difference map (full − tiled, float32) it wrote, for callers that show it.
 * @throws EngineError E_IO naming the file when a write fails; E_SHAPE when a map's length is not nx·ny·nz.
 */
export async function writePredictionMaps(dir: string, maps: PredictionMaps, geometry: MapGeometry): Promise<Float32Array> {
  const difference = new Float32Array(maps.full.length)
  for (let i = 0; i < difference.length; i++) difference[i] = maps.full[i] - maps.tiled[i]
  const base = { dims: geometry.dims, affine: geometry.affine, spacingMm: geometry.spacingMm, datatype: 'float32' as const, gzip: false }
  const writes = [
    writeNiftiGz(join(dir, PREDICTION_FILES.full), maps.full, { ...base, calRange: [0, 1], description: 'TileLab P(tumour), whole image' }),
    writeNiftiGz(join(dir, PREDICTION_FILES.tiled), maps.tiled, { ...base, calRange: [0, 1], description: 'TileLab P(tumour), tiled' }),
    writeNiftiGz(join(dir, PREDICTION_FILES.difference), difference, { ...base, calRange: [-1, 1], description: 'TileLab P whole - P tiled' }),
  ]
  if (maps.centreCrop)
    writes.push(writeNiftiGz(join(dir, PREDICTION_FILES.centreCrop), maps.centreCrop, { ...base, calRange: [0, 1], description: 'TileLab P(tumour), centre crop' }))
  await Promise.all(writes)
  return difference
}

/** encodeNifti, gzip off the main thread, atomic write. @throws EngineError E_IO naming the path; E_SHAPE. */
async function writeNiftiGz(path: string, data: Float32Array, options: NiftiWriteOptions): Promise<void> {
  const raw = encodeNifti(data, { ...options, gzip: false })
  let bytes: Uint8Array
  try {
    bytes = await gzipAsync(raw, { level: 4 })
  } catch (err) {
    throw new EngineError('E_IO', `${path}: gzip failed: ${(err as Error).message}`, { cause: err })
  }
  await writeFileAtomic(path, bytes)
}

/** Writes one slice picture at `slicePngName(slice)` under `dir`. @throws EngineError E_IO. */
export async function writeSlicePng(dir: string, slice: number, png: Uint8Array): Promise<string> {
  const name = slicePngName(slice)
  await writeFileAtomic(join(dir, name), png)
  return name
}

/** Removes `pngs/slice_<k>.png` files that are not in `keep` (names relative to `dir`); other files are left. */
export async function removeStalePngs(dir: string, keep: readonly string[]): Promise<void> {
  const folder = join(dir, PREDICTION_FILES.pngDir)
  const names = await readdir(folder).catch(() => [] as string[])
  const kept = new Set(keep)
  for (const n of names)
    if (/^slice_\d+\.png$/.test(n) && !kept.has(`${PREDICTION_FILES.pngDir}/${n}`)) await rm(join(folder, n), { force: true })
}

/** Writes prediction.json. @throws EngineError E_IO. */
export async function writePredictionJson(dir: string, report: unknown): Promise<void> {
  await writeJsonAtomic(join(dir, PREDICTION_FILES.json), report)
}
