/**
 * predictVolume: the one entry point that predicts the axial slices of a volume, used by the predict CLI, the
 * evaluation and the viewer's service. It picks full-image or tiled inference, orders the slices (e.g. the slice
 * on screen first, then outward), batches them through the predictor and streams each slice back as it completes.
 *
 * @source paper-spec §4 (whole vs tiled prediction per axial slice).
 */
import { throwIfCancelled, type CancellationToken } from '../../common/cancellation'
import { EngineError } from '../../common/errors'
import type { Dims3, PredictionMode, Tiling } from '../../common/types'
import { PAPER_TILING } from '../../common/types'
import { fullImagePlan } from './fullImage'
import type { Predictor } from './predictor'
import { tilePlan } from './slidingWindow'
import type { TileLayout } from './tiling'
import { inputMultipleOf, runWindowedInference, type InferenceStats, type SliceInfo } from './windowedInference'

/** The part of a Volume (types.ts) predictVolume needs; a Volume itself fits. */
export interface VolumeData {
  /** Voxels in NIfTI order (i fastest), length nx·ny·nz, z-scored. Axial slice k = [ny, nx] at k·nx·ny. */
  data: Float32Array
  /** [nx, ny, nz]. */
  dims: Dims3
}

export interface PredictVolumeOptions {
  mode: PredictionMode
  /** Tiles for mode 'tiled' (default: the paper's 128 / 0.5 / mean); ignored for 'full'. */
  tiling?: Tiling
  /** Axial slices to predict, in this order (default 0 … nz − 1); a subset is fine, no repeats. */
  slices?: readonly number[]
  token?: CancellationToken
  /**
   * Called once per slice, in the order of `slices`, with probabilities `[ny, nx]` float32 in [0, 1] (i fastest, a
   * new array the callee owns) and per-slice timing. May return a promise; the next callback waits for it.
   */
  onSlice: (z: number, probabilities: Float32Array, info: SliceInfo) => void | Promise<void>
  /** Send the first slice alone in the first batch so it arrives as early as possible (the viewer). */
  prioritizeFirstSlice?: boolean
}

export interface VolumeInferenceStats extends InferenceStats {
  mode: PredictionMode
  engine: string
  /** Tile layout of a slice (mode 'tiled'), null for 'full'. */
  layout: TileLayout | null
  /** elapsedMs / slices. */
  msPerSlice: number
}

/**
 * Slice order for interactive viewing: `first`, then outward alternately above and below
 * (first, first+1, first−1, first+2, first−2, …), skipping indices outside [0, nz).
 *
 * @param nz    Number of axial slices, integer ≥ 1.
 * @param first Slice to start from, integer in [0, nz).
 * @returns A permutation of 0 … nz − 1.
 * @throws EngineError E_ARGS naming the value when nz or first is out of range.
 */
export function slicesOutward(nz: number, first: number): number[] {
  if (!Number.isInteger(nz) || nz < 1)
    throw new EngineError('E_ARGS', `slicesOutward: nz must be an integer ≥ 1, received ${nz}`)
  if (!Number.isInteger(first) || first < 0 || first >= nz)
    throw new EngineError('E_ARGS', `slicesOutward: first slice must be in [0, ${nz - 1}], received ${first}`)
  const order = [first]
  for (let d = 1; order.length < nz; d++) {
    if (first + d < nz) order.push(first + d)
    if (first - d >= 0) order.push(first - d)
  }
  return order
}

/**
 * Predicts axial slices of a z-scored volume, full-image or tiled, streaming each slice to `onSlice` in the
 * requested order as soon as it is done. Everything is validated before the first forward pass. Slices are
 * zero-copy views of `volume.data`; full mode sends up to `predictor.maxBatch(H', W')` slices per call, tiled
 * mode packs tiles of consecutive slices into batches of up to `predictor.maxBatch(P, P)`.
 *
 * @param volume    `{ data, dims: [nx, ny, nz] }`, z-scored (preprocess), NIfTI order.
 * @param predictor The model (predictor.ts).
 * @param options   Mode, tiling, slice order, token (checked before every batch), callback.
 * @returns Counts and timings: forward passes per slice (1 or the tiles), predictor calls, ms per slice,
 *   time inside the predictor and outside it (extraction and blending), the tile layout.
 * @throws EngineError E_SHAPE if data.length ≠ nx·ny·nz; E_ARGS for a bad mode, tiling or slice list (naming the
 *   value); E_CANCELLED when the token fires; E_MODEL / E_MEMORY from the predictor.
 */
export async function predictVolume(
  volume: VolumeData,
  predictor: Predictor,
  options: PredictVolumeOptions,
): Promise<VolumeInferenceStats> {
  const [nx, ny, nz] = validateVolume(volume)
  const order = validateOrder(options.slices ?? Array.from({ length: nz }, (_, k) => k), nz)
  if (options.mode !== 'full' && options.mode !== 'tiled')
    throw new EngineError(
      'E_ARGS',
      `predictVolume: mode must be 'full' or 'tiled', received ${JSON.stringify(options.mode)}`,
    )
  if (typeof options.onSlice !== 'function')
    throw new EngineError('E_ARGS', 'predictVolume: onSlice callback is required')
  const multiple = inputMultipleOf(predictor)
  const tiled = options.mode === 'tiled' ? tilePlan(ny, nx, options.tiling ?? PAPER_TILING, multiple) : null
  const plan = tiled ? tiled.plan : fullImagePlan(ny, nx, multiple)
  throwIfCancelled(options.token, 'prediction')

  const sliceSize = nx * ny
  const slices = order.map((k) => volume.data.subarray(k * sliceSize, (k + 1) * sliceSize))
  const result = await runWindowedInference(
    slices,
    ny,
    nx,
    plan,
    predictor,
    {
      token: options.token,
      retain: false,
      prioritizeFirstSlice: options.prioritizeFirstSlice,
      onSlice: (index, probabilities, info) => options.onSlice(order[index], probabilities, info),
    },
    `${options.mode} prediction`,
  )
  return {
    ...result.stats,
    mode: options.mode,
    engine: predictor.engine,
    layout: tiled ? tiled.layout : null,
    msPerSlice: result.stats.elapsedMs / order.length,
  }
}

function validateVolume(volume: VolumeData): Dims3 {
  const dims = volume?.dims
  if (!Array.isArray(dims) || dims.length !== 3 || !dims.every((d) => Number.isInteger(d) && d >= 1))
    throw new EngineError('E_ARGS', `predictVolume: dims must be three integers ≥ 1, received ${JSON.stringify(dims)}`)
  const [nx, ny, nz] = dims
  if (!(volume.data instanceof Float32Array) || volume.data.length !== nx * ny * nz)
    throw new EngineError(
      'E_SHAPE',
      `predictVolume: volume has ${volume.data?.length} voxels, dims ${nx}×${ny}×${nz} need ${nx * ny * nz}`,
    )
  return dims
}

function validateOrder(order: readonly number[], nz: number): readonly number[] {
  if (!Array.isArray(order) || order.length === 0)
    throw new EngineError(
      'E_ARGS',
      `predictVolume: slices must list at least one axial slice, received ${JSON.stringify(order)}`,
    )
  const seen = new Set<number>()
  for (const k of order) {
    if (!Number.isInteger(k) || k < 0 || k >= nz)
      throw new EngineError('E_ARGS', `predictVolume: slice ${k} is outside [0, ${nz - 1}]`)
    if (seen.has(k)) throw new EngineError('E_ARGS', `predictVolume: slice ${k} is listed twice`)
    seen.add(k)
  }
  return order
}
