/**
 * Z-score normalisation of FLAIR before the U-Net sees it.
 *
 * - 'slice' (TileLab's default, the paper's text): each axial slice minus its own mean, divided by its own std,
 *   both over all pixels of the slice (background included).
 * - 'volume' (the paper's code): one mean and one std over the whole FLAIR volume. The authors' preprocess.py
 *   normalised jointly over all 4 modalities (t1, t2, flair, t1ce) and all voxels including the zero background
 *   (paper-spec §1); TileLab has FLAIR only, so this variant uses the FLAIR volume alone and is an approximation of
 *   that code, not a reproduction.
 * The std is the population std (numpy's default ddof = 0). A slice or volume with std 0 becomes all zeros, never
 * NaN. Sums are accumulated in float64.
 *
 * @source Reina & Panchumarthy 2018, text (slices z-scored; per-slice statistics as issue 2 reads it);
 *   paper-spec.md §1 and §6 item 6 (the code's joint per-patient normalisation, background included).
 */
import type { Dims3, Normalization } from '../../common/types'
import { EngineError } from '../../common/errors'

/** Mean and population std of some values. */
export interface MeanStd {
  mean: number
  std: number
}

/**
 * Mean and population standard deviation (two passes, float64).
 * @param values Any float array; an empty array gives { mean: 0, std: 0 }.
 */
export function meanStd(values: ArrayLike<number>): MeanStd {
  const n = values.length
  if (n === 0) return { mean: 0, std: 0 }
  let sum = 0
  for (let i = 0; i < n; i++) sum += values[i]
  const mean = sum / n
  let ss = 0
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean
    ss += d * d
  }
  return { mean, std: Math.sqrt(ss / n) }
}

/**
 * Writes (x − mean) / std into `out`; all zeros when std is 0 or not finite.
 * @param src Values, any length.
 * @param out Destination of the same length (may be `src` itself).
 * @returns `out`.
 */
export function applyZscore(src: ArrayLike<number>, out: Float32Array, stats: MeanStd): Float32Array {
  const { mean, std } = stats
  if (!(std > 0) || !Number.isFinite(std) || !Number.isFinite(mean)) {
    out.fill(0)
    return out
  }
  const inv = 1 / std
  for (let i = 0; i < src.length; i++) out[i] = (src[i] - mean) * inv
  return out
}

/**
 * Z-scores one axial slice by its own mean and std.
 * @param slice `[H, W]` float32 row-major (e.g. `volume.data.subarray(k·nx·ny, (k+1)·nx·ny)`).
 * @returns A new `[H, W]` float32 array, z-scored; all zeros when the slice is constant.
 */
export function zscoreSlice(slice: Float32Array): Float32Array {
  return applyZscore(slice, new Float32Array(slice.length), meanStd(slice))
}

/**
 * Normalises a FLAIR volume.
 *
 * @param volume `{ data, dims }`: data float32 in NIfTI order (length nx·ny·nz), dims [nx, ny, nz].
 * @param mode   'slice' (each axial slice by its own statistics, the default) or 'volume' (one mean/std).
 * @returns A new float32 array of the same layout, z-scored.
 * @throws EngineError E_SHAPE when data.length ≠ nx·ny·nz; E_ARGS for an unknown mode.
 */
export function normalizeVolume(volume: { data: Float32Array; dims: Dims3 }, mode: Normalization = 'slice'): Float32Array {
  const [nx, ny, nz] = volume.dims
  const plane = nx * ny
  if (volume.data.length !== plane * nz)
    throw new EngineError('E_SHAPE', `volume has ${volume.data.length} voxels, dims ${nx}×${ny}×${nz} need ${plane * nz}`)
  const out = new Float32Array(volume.data.length)
  if (mode === 'volume') return applyZscore(volume.data, out, meanStd(volume.data))
  if (mode !== 'slice') throw new EngineError('E_ARGS', `normalization must be 'slice' or 'volume', got '${String(mode)}'`)
  for (let k = 0; k < nz; k++) {
    const src = volume.data.subarray(k * plane, (k + 1) * plane)
    applyZscore(src, out.subarray(k * plane, (k + 1) * plane), meanStd(src))
  }
  return out
}

/**
 * One axial slice of a FLAIR volume, normalised as the model expects.
 *
 * @param volume `{ data, dims }` as for normalizeVolume.
 * @param k      Axial slice index in [0, nz).
 * @param mode   'slice': the slice's own statistics; 'volume': pass `volumeStats` (from meanStd(volume.data)) to
 *   avoid recomputing them for every slice.
 * @returns `[ny, nx]` float32, z-scored.
 * @throws EngineError E_ARGS when k is out of range.
 */
export function normalizedSlice(
  volume: { data: Float32Array; dims: Dims3 },
  k: number,
  mode: Normalization = 'slice',
  volumeStats?: MeanStd,
): Float32Array {
  const [nx, ny, nz] = volume.dims
  if (!Number.isInteger(k) || k < 0 || k >= nz) throw new EngineError('E_ARGS', `slice ${k} outside 0..${nz - 1}`)
  const src = volume.data.subarray(k * nx * ny, (k + 1) * nx * ny)
  const stats = mode === 'volume' ? (volumeStats ?? meanStd(volume.data)) : meanStd(src)
  return applyZscore(src, new Float32Array(src.length), stats)
}
