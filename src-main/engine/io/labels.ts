/**
 * Tumour label maps: integer labels from a NIfTI volume, the whole-tumour mask, and tumour pixels per axial slice.
 *
 * Whole tumour = label > 0 in every BraTS convention: 2015 uses 1-4 (1 necrosis, 2 oedema, 3 non-enhancing,
 * 4 enhancing), 2017-2021 {1, 2, 4}, 2023+ {1, 2, 3}; binary masks (BraTS 2018 `GT_W`) use {1}.
 *
 * @source BraTS label conventions (Menze et al. 2015; Bakas et al. 2018; BraTS 2023 challenge); the paper's
 *   whole-tumour target (paper-spec §1: mask = 1 where label ∈ {1, 2, 4}).
 */
import type { LabelVolume, Volume } from '../../common/types'
import { EngineError } from '../../common/errors'

/** Largest distance from an integer a stored label value may have and still be rounded. */
export const LABEL_TOLERANCE = 1e-3

/**
 * Converts a volume read from a label map into integer labels.
 *
 * @param volume Label map as read by readNifti (float32 values, scaling applied).
 * @returns LabelVolume with `data` Uint8Array (same length and voxel order), `labelValues` ascending.
 * @throws EngineError E_LABEL naming the file when a value is farther than 1e-3 from an integer (listing up to
 *   eight such values with their count), negative, above 255, or NaN.
 */
export function toLabelVolume(volume: Volume): LabelVolume {
  const src = volume.data
  const n = src.length
  const out = new Uint8Array(n)
  const seen = new Uint8Array(256)
  const bad = new Set<number>()
  let badCount = 0
  let outOfRange: number | null = null
  for (let i = 0; i < n; i++) {
    const v = src[i]
    const r = Math.round(v)
    if (!(Math.abs(v - r) <= LABEL_TOLERANCE)) {
      badCount++
      if (bad.size < 8) bad.add(v)
      continue
    }
    if (r < 0 || r > 255) {
      outOfRange ??= r
      continue
    }
    out[i] = r
    seen[r] = 1
  }
  if (badCount > 0) {
    const list = [...bad].map((v) => String(v)).join(', ')
    throw new EngineError(
      'E_LABEL',
      `${volume.path}: label map holds ${badCount} non-integer values (more than ${LABEL_TOLERANCE} from an integer), e.g. ${list}`,
    )
  }
  if (outOfRange !== null)
    throw new EngineError('E_LABEL', `${volume.path}: label value ${outOfRange} outside 0..255`)
  const labelValues: number[] = []
  for (let v = 0; v < 256; v++) if (seen[v]) labelValues.push(v)
  return {
    dims: volume.dims,
    spacingMm: volume.spacingMm,
    affine: volume.affine,
    orientation: volume.orientation,
    datatype: volume.datatype,
    path: volume.path,
    data: out,
    labelValues,
  }
}

/**
 * Whole-tumour mask: 1 where label > 0, else 0.
 * @param labels Integer labels, any length (a volume or a slice).
 * @returns Uint8Array of 0/1, same length and order.
 */
export function wholeTumorMask(labels: Uint8Array): Uint8Array {
  const out = new Uint8Array(labels.length)
  for (let i = 0; i < labels.length; i++) out[i] = labels[i] > 0 ? 1 : 0
  return out
}

/**
 * Tumour pixels in each axial slice.
 * @param mask Whole-tumour mask, NIfTI order, length nx·ny·nz.
 * @param dims [nx, ny, nz].
 * @returns Array of nz counts; entry k counts mask pixels in slice k.
 */
export function tumorPixelsPerSlice(mask: Uint8Array, dims: readonly [number, number, number]): number[] {
  const [nx, ny, nz] = dims
  const plane = nx * ny
  const counts = new Array<number>(nz).fill(0)
  for (let k = 0; k < nz; k++) {
    let c = 0
    const end = (k + 1) * plane
    for (let i = k * plane; i < end; i++) c += mask[i]
    counts[k] = c
  }
  return counts
}

/**
 * The axial slice with the most tumour.
 * @param counts Tumour pixels per slice.
 * @returns The first index of the maximum, or null when every slice is empty.
 */
export function maxTumorSliceIndex(counts: readonly number[]): number | null {
  let best: number | null = null
  for (let k = 0; k < counts.length; k++) if (counts[k] > 0 && (best === null || counts[k] > counts[best])) best = k
  return best
}
