/**
 * Loading a study: discover its FLAIR image and tumour label, read both, check they share one voxel grid, and
 * derive the whole-tumour mask and the tumour pixels per axial slice.
 *
 * @source Paper §1 (axial slices = slices of the third voxel axis; whole tumour = label > 0); NIfTI-1 affine.
 */
import type { Affine, Geometry, LabelVolume, Volume } from '../../common/types'
import { EngineError } from '../../common/errors'
import { discoverStudy, type DiscoveryOptions } from './discovery'
import { maxTumorSliceIndex, toLabelVolume, tumorPixelsPerSlice, wholeTumorMask } from './labels'
import { readNifti } from './niftiRead'

/** A loaded study. */
export interface Study {
  /** BraTS case id or folder name. */
  name: string
  /** The study folder (or the NIfTI file when given a file). */
  path: string
  imagePath: string
  labelPath: string | null
  /** FLAIR, float32 with scaling applied, NIfTI order. */
  image: Volume
  /** Integer labels on the image grid, or null when the study has no label. */
  label: LabelVolume | null
  /** 1 where label > 0 (whole tumour), else 0; same length as image.data. Null without a label. */
  wholeTumor: Uint8Array | null
  /** Whole-tumour pixels in each axial slice k (length nz); all zeros without a label. */
  tumorPixelsPerSlice: number[]
  /** Axial slice with the most tumour (first one on ties); null without a label or without tumour. */
  maxTumorSlice: number | null
}

/** Options of `loadStudy`. */
export interface LoadStudyOptions extends DiscoveryOptions {
  /** Memory cap per file, see readNifti. */
  maxBytes?: number
}

/** Largest difference, in mm, between two affine entries of one grid. */
export const AFFINE_TOLERANCE_MM = 1e-3

/**
 * Loads a study folder (or a single NIfTI file).
 *
 * @param path A study folder or a NIfTI file.
 * @returns The study with image, label, whole-tumour mask and per-slice tumour counts.
 * @throws EngineError E_IO / E_STUDY (discovery), E_NIFTI / E_TOO_LARGE (reading), E_LABEL (non-integer label
 *   values), E_GEOMETRY when the label's dims or affine (beyond 1e-3 mm) differ from the image's; the message
 *   gives both geometries.
 */
export async function loadStudy(path: string, options: LoadStudyOptions = {}): Promise<Study> {
  const files = await discoverStudy(path, options)
  const read = { maxBytes: options.maxBytes }
  // Both files are read in parallel; when both fail, the image's error is reported (deterministic messages).
  const [imageResult, labelResult] = await Promise.allSettled([
    readNifti(files.imagePath, read),
    files.labelPath ? readNifti(files.labelPath, read) : Promise.resolve(null),
  ])
  if (imageResult.status === 'rejected') throw imageResult.reason
  if (labelResult.status === 'rejected') throw labelResult.reason
  const image = imageResult.value
  const labelVolume = labelResult.value
  let label: LabelVolume | null = null
  let wholeTumor: Uint8Array | null = null
  let perSlice = new Array<number>(image.dims[2]).fill(0)
  if (labelVolume) {
    checkSameGrid(image, labelVolume)
    label = toLabelVolume(labelVolume)
    wholeTumor = wholeTumorMask(label.data)
    perSlice = tumorPixelsPerSlice(wholeTumor, image.dims)
  }
  return {
    name: files.name,
    path: files.path,
    imagePath: files.imagePath,
    labelPath: files.labelPath,
    image,
    label,
    wholeTumor,
    tumorPixelsPerSlice: perSlice,
    maxTumorSlice: maxTumorSliceIndex(perSlice),
  }
}

/**
 * Checks that a label map lies on the image's voxel grid.
 * @throws EngineError E_GEOMETRY naming both files with their dims and affines.
 */
export function checkSameGrid(image: Geometry & { path: string }, label: Geometry & { path: string }): void {
  const sameDims = image.dims.every((d, i) => d === label.dims[i])
  const diff = maxAffineDifference(image.affine, label.affine)
  if (sameDims && diff <= AFFINE_TOLERANCE_MM) return
  const what = sameDims ? `affines differ by up to ${diff.toPrecision(3)} mm (tolerance ${AFFINE_TOLERANCE_MM} mm)` : 'dims differ'
  throw new EngineError(
    'E_GEOMETRY',
    `${label.path}: label grid does not match the image: ${what}; ` +
      `image ${image.path}: ${describeGeometry(image)}; label: ${describeGeometry(label)}`,
  )
}

/** Largest absolute difference between corresponding entries of two affines (mm). */
export function maxAffineDifference(a: Affine, b: Affine): number {
  let max = 0
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) max = Math.max(max, Math.abs(a[r][c] - b[r][c]))
  return Number.isNaN(max) ? Infinity : max
}

/** 'dims 240×240×155, affine [[-1,0,0,0],[0,-1,0,239],[0,0,1,0]]' */
export function describeGeometry(g: Geometry): string {
  const rows = g.affine
    .slice(0, 3)
    .map((row) => `[${row.map((v) => +v.toFixed(4)).join(',')}]`)
    .join(',')
  return `dims ${g.dims.join('×')}, affine [${rows}]`
}
