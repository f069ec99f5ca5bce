/**
 * The forward passes of `tilelab predict`: the chosen axial slices through the model whole-image, then tiled
 * (both through predictVolume, as `tilelab evaluate` and the viewer do), then optionally the paper's centre crop,
 * each written into a volume-sized map on the study grid (slices not predicted stay 0), with per-slice timing.
 *
 * @source paper-spec §4 (TSI whole vs `predict_tiles`; CCF centre crop).
 */
import type { CancellationToken } from '../../common/cancellation'
import type { Tiling } from '../../common/types'
import type { Region } from '../inference/blend'
import { centreCropInference } from '../inference/centreCrop'
import { predictVolume, type VolumeData, type VolumeInferenceStats } from '../inference/predictVolume'
import type { Predictor } from '../inference/predictor'
import type { TileLayout } from '../inference/tiling'
import type { InferenceStats } from '../inference/windowedInference'
import type { ModeTiming } from './predictionReport'

/** Progress of a prediction run, for a progress bar. */
export interface PredictionProgress {
  phase: 'full' | 'tiled' | 'centre-crop' | 'writing'
  /** Slices (or, for 'writing', files) done in this phase, and the phase's total. */
  done: number
  total: number
}

export interface RunModesOptions {
  /** Axial slices to predict, in the order to run them. */
  slices: readonly number[]
  tiling: Tiling
  /** Centre-crop side, or null. */
  centreCrop: number | null
  token?: CancellationToken
  onProgress?: (progress: PredictionProgress) => void
}

export interface PredictionRun {
  /** `[nz][ny][nx]` float32 maps; only the predicted slices are non-zero. */
  full: Float32Array
  tiled: Float32Array
  /** The crop's probabilities placed in its window of each predicted slice (0 elsewhere), or null. */
  centreCrop: Float32Array | null
  /** The crop window (slice pixels) and each predicted slice's `[P, P]` crop probabilities. */
  crop: { window: Region; probabilities: Map<number, Float32Array> } | null
  /** Milliseconds per slice and mode. */
  msFull: Map<number, number>
  msTiled: Map<number, number>
  msCentreCrop: Map<number, number> | null
  layout: TileLayout
  timing: { full: ModeTiming; tiled: ModeTiming; centreCrop: ModeTiming | null }
}

/**
 * Runs the modes over the chosen slices.
 *
 * @param volume    `{ data, dims }` z-scored FLAIR, NIfTI order.
 * @param predictor The model.
 * @throws EngineError E_ARGS / E_SHAPE before any forward pass (predictVolume, centreCropInference);
 *   E_CANCELLED when the token fires; predictor errors.
 */
export async function runPredictionModes(volume: VolumeData, predictor: Predictor, options: RunModesOptions): Promise<PredictionRun> {
  const [nx, ny] = volume.dims
  const plane = nx * ny
  const total = options.slices.length
  const full = new Float32Array(volume.data.length)
  const tiled = new Float32Array(volume.data.length)
  const msFull = new Map<number, number>()
  const msTiled = new Map<number, number>()
  const report = options.onProgress ?? (() => undefined)

  report({ phase: 'full', done: 0, total })
  const fullStats = await predictVolume(volume, predictor, {
    mode: 'full',
    slices: options.slices,
    token: options.token,
    onSlice: (z, p, info) => {
      full.set(p, z * plane)
      msFull.set(z, info.elapsedMs)
      report({ phase: 'full', done: info.done, total })
    },
  })
  report({ phase: 'tiled', done: 0, total })
  const tiledStats = await predictVolume(volume, predictor, {
    mode: 'tiled',
    tiling: options.tiling,
    slices: options.slices,
    token: options.token,
    onSlice: (z, p, info) => {
      tiled.set(p, z * plane)
      msTiled.set(z, info.elapsedMs)
      report({ phase: 'tiled', done: info.done, total })
    },
  })
  const crop = options.centreCrop === null ? null : await runCentreCrop(volume, predictor, options)
  return {
    full,
    tiled,
    centreCrop: crop?.map ?? null,
    crop: crop ? { window: crop.window, probabilities: crop.probabilities } : null,
    msFull,
    msTiled,
    msCentreCrop: crop?.ms ?? null,
    layout: tiledStats.layout as TileLayout,
    timing: { full: modeTiming(fullStats), tiled: modeTiming(tiledStats), centreCrop: crop ? modeTiming(crop.stats) : null },
  }
}

async function runCentreCrop(volume: VolumeData, predictor: Predictor, options: RunModesOptions) {
  const [nx, ny] = volume.dims
  const plane = nx * ny
  const total = options.slices.length
  const sliceViews = options.slices.map((z) => volume.data.subarray(z * plane, (z + 1) * plane))
  const map = new Float32Array(volume.data.length)
  const probabilities = new Map<number, Float32Array>()
  const ms = new Map<number, number>()
  options.onProgress?.({ phase: 'centre-crop', done: 0, total })
  const result = await centreCropInference(sliceViews, ny, nx, predictor, options.centreCrop as number, {
    token: options.token,
    retain: false,
    onSlice: (index, p, info) => {
      const z = options.slices[index]
      probabilities.set(z, p)
      ms.set(z, info.elapsedMs)
      options.onProgress?.({ phase: 'centre-crop', done: info.done, total })
    },
  })
  const w = result.window
  for (const [z, p] of probabilities)
    for (let r = 0; r < w.height; r++) map.set(p.subarray(r * w.width, (r + 1) * w.width), z * plane + (w.y0 + r) * nx + w.x0)
  return { map, window: w, probabilities, ms, stats: result.stats }
}

function modeTiming(stats: InferenceStats | VolumeInferenceStats): ModeTiming {
  return {
    slices: stats.slices,
    elapsedMs: stats.elapsedMs,
    msPerSlice: stats.elapsedMs / Math.max(1, stats.slices),
    forwardPasses: stats.forwardPasses,
    forwardPassesPerSlice: stats.forwardPassesPerSlice,
    predictorCalls: stats.predictorCalls,
    batchSize: stats.batchSize,
    predictorMs: stats.predictorMs,
    overheadMs: stats.overheadMs,
  }
}
