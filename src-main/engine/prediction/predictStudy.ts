/**
 * `tilelab predict` for one study: load the study, choose the axial slices (one, or all), z-score the FLAIR, run
 * the model on the whole slice and on tiles (and, if asked, on the paper's centre crop) through predictVolume,
 * score every slice as `tilelab evaluate` does, and write the NIfTI maps, the PNGs and prediction.json.
 *
 * Everything that can be checked without the model (options, tiling, model folder, study, slice range, crop size)
 * is checked before the model is opened; the tile and crop sizes are checked against the model's input multiple
 * before the first forward pass.
 *
 * @source paper-spec §4 (whole vs tiled per axial slice; centre crop, Fig. 3), §5 (per-slice soft Dice).
 */
import { join } from 'node:path'
import { throwIfCancelled, type CancellationToken } from '../../common/cancellation'
import { EngineError } from '../../common/errors'
import type { Affine, Normalization, Tiling } from '../../common/types'
import { readModelInfo } from '../evaluation/modelInfo'
import type { Predictor } from '../inference/predictor'
import { centreCropWindow } from '../inference/centreCrop'
import { validateTiling } from '../inference/tiling'
import { loadStudy, type Study } from '../io/study'
import { openPredictor, type OpenPredictorOptions } from '../inference/openPredictor'
import { normalizeVolume } from '../preprocess/zscore'
import { runPredictionModes, type PredictionProgress } from './runPredictionModes'
import { PREDICTION_REPORT_VERSION, type PngSelection, type PredictionReport, type SliceSelection } from './predictionReport'
import { writePredictionReport } from './writePredictionReport'

export interface PredictStudyOptions {
  /** Study folder or FLAIR NIfTI file. */
  study: string
  /** Explicit FLAIR / label files (win over discovery and study.json). */
  image?: string
  label?: string
  /** Model folder (model.json + weights, or model.onnx; optional card.json). */
  model: string
  engine?: 'auto' | 'onnx' | 'tfjs'
  /** tfjs backend preference, passed to openPredictor. */
  backend?: OpenPredictorOptions['backend']
  /** One axial slice; default: the slice with the most tumour (the middle slice without a label). */
  slice?: number
  /** Every axial slice (exclusive with `slice`). */
  all?: boolean
  tiling: Tiling
  /** Side of the paper's centre crop in pixels, or null/undefined for none. */
  centreCrop?: number | null
  /** Default: the model card's, else 'slice'. */
  normalization?: Normalization
  /** Which slices get a PNG (default 'auto'). */
  pngs?: PngSelection
  /** Output folder (created); default `./tilelab-predict/<study name>`. */
  out?: string
  token?: CancellationToken
  onProgress?: (progress: PredictionProgress) => void
  /** An already open predictor for `model` (the caller keeps and disposes it); otherwise openPredictor is used. */
  predictor?: Predictor
}

const PNG_SELECTIONS: readonly PngSelection[] = ['auto', 'all', 'tumor', 'none']

/**
 * Predicts a study whole-image and tiled and writes the outputs.
 *
 * @returns The report also written to `<out>/prediction.json`.
 * @throws EngineError E_ARGS for bad options (naming the value; a slice outside [0, nz − 1] names the image file),
 *   E_MODEL for a missing or unreadable model folder, the study-loading errors (E_STUDY, E_NIFTI, E_GEOMETRY…),
 *   E_BACKEND, E_CANCELLED, E_IO when an output cannot be written.
 */
export async function predictStudy(options: PredictStudyOptions): Promise<PredictionReport> {
  const started = performance.now()
  validateOptions(options)
  const info = await readModelInfo(options.model)
  const study = await loadStudy(options.study, { image: options.image, label: options.label })
  const [nx, ny, nz] = study.image.dims
  const { slices, selection } = chooseSlices(study, options)
  const crop = options.centreCrop ?? null
  const window = crop === null ? null : centreCropWindow(ny, nx, crop)
  const loadMs = performance.now() - started
  throwIfCancelled(options.token, 'prediction')

  const t0 = performance.now()
  const predictor = options.predictor ?? (await openPredictor(info.dir, { engine: options.engine, backend: options.backend }))
  try {
    const modelOpenMs = performance.now() - t0
    validateTiling(options.tiling, predictor.inputMultiple)
    if (crop !== null && crop % predictor.inputMultiple !== 0)
      throw new EngineError('E_ARGS', `--centre-crop ${crop} is not a multiple of the model's input multiple ${predictor.inputMultiple} (${info.dir})`)
    const normalization = options.normalization ?? info.normalization ?? 'slice'
    const volume = { data: normalizeVolume(study.image, normalization), dims: study.image.dims }
    const run = await runPredictionModes(volume, predictor, {
      slices,
      tiling: options.tiling,
      centreCrop: crop,
      token: options.token,
      onProgress: options.onProgress,
    })
    const base: Omit<PredictionReport, 'slices' | 'summary' | 'timings' | 'outputs'> = {
      version: PREDICTION_REPORT_VERSION,
      tool: 'tilelab predict',
      createdAt: new Date().toISOString(),
      study: studySection(study),
      model: { name: info.name, dir: info.dir, engine: predictor.engine, fingerprint: info.fingerprint, architecture: info.architecture },
      settings: { selection, normalization, centreCrop: crop, pngs: options.pngs ?? 'auto' },
      tiling: {
        tile: run.layout.tile,
        overlap: options.tiling.overlap,
        effectiveOverlap: run.layout.effectiveOverlap,
        stride: run.layout.stride,
        blend: options.tiling.blend,
        paddedSize: [run.layout.paddedHeight, run.layout.paddedWidth],
        offsetsY: run.layout.offsetsY,
        offsetsX: run.layout.offsetsX,
        origins: run.layout.origins,
        tilesPerSlice: run.layout.tilesPerSlice,
      },
      centreCropWindow: window,
      predictedSlices: [...slices].sort((a, b) => a - b),
    }
    return await writePredictionReport({
      out: options.out ?? defaultPredictionDir(study.name),
      study,
      run,
      base,
      timings: { loadMs, modelOpenMs },
      started,
      onProgress: options.onProgress,
      token: options.token,
    })
  } finally {
    if (!options.predictor) await predictor.dispose()
  }
}

/** `./tilelab-predict/<study name>` in the working directory. */
export function defaultPredictionDir(studyName: string): string {
  return join('tilelab-predict', studyName)
}

/**
 * The axial slices to predict: all of them, the one asked for, or by default the slice with the most tumour
 * (the middle slice ⌊nz/2⌋ without a label or without tumour).
 * @throws EngineError E_ARGS naming the image file and the range when `slice` is outside [0, nz − 1].
 */
export function chooseSlices(study: Study, options: { slice?: number; all?: boolean }): { slices: number[]; selection: SliceSelection } {
  const nz = study.image.dims[2]
  if (options.all) return { slices: Array.from({ length: nz }, (_, k) => k), selection: 'all' }
  if (options.slice !== undefined) {
    if (!Number.isInteger(options.slice) || options.slice < 0 || options.slice >= nz)
      throw new EngineError('E_ARGS', `${study.imagePath}: --slice ${options.slice} is outside the image's ${nz} axial slices (0 to ${nz - 1})`)
    return { slices: [options.slice], selection: 'slice' }
  }
  if (study.maxTumorSlice !== null) return { slices: [study.maxTumorSlice], selection: 'max-tumor' }
  return { slices: [Math.floor(nz / 2)], selection: 'middle' }
}

function validateOptions(o: PredictStudyOptions): void {
  if (o.all && o.slice !== undefined)
    throw new EngineError('E_ARGS', `--slice ${o.slice} and --all exclude each other`)
  if (o.slice !== undefined && (!Number.isInteger(o.slice) || o.slice < 0))
    throw new EngineError('E_ARGS', `--slice must be an integer ≥ 0, received ${o.slice}`)
  validateTiling(o.tiling)
  const crop = o.centreCrop
  if (crop !== undefined && crop !== null && (!Number.isInteger(crop) || crop < 1))
    throw new EngineError('E_ARGS', `--centre-crop must be an integer ≥ 1 (pixels), received ${crop}`)
  if (o.pngs !== undefined && !PNG_SELECTIONS.includes(o.pngs))
    throw new EngineError('E_ARGS', `--pngs must be one of ${PNG_SELECTIONS.join(', ')}, received ${JSON.stringify(o.pngs)}`)
  if (o.normalization !== undefined && o.normalization !== 'slice' && o.normalization !== 'volume')
    throw new EngineError('E_ARGS', `--normalization must be 'slice' or 'volume', received ${JSON.stringify(o.normalization)}`)
  if (o.engine !== undefined && !['auto', 'onnx', 'tfjs'].includes(o.engine))
    throw new EngineError('E_ARGS', `--engine must be auto, onnx or tfjs, received ${JSON.stringify(o.engine)}`)
  if (o.out !== undefined && (typeof o.out !== 'string' || o.out === '')) throw new EngineError('E_ARGS', '--out must name a folder')
}

function studySection(study: Study): PredictionReport['study'] {
  const { image, label } = study
  return {
    name: study.name,
    path: study.path,
    image: study.imagePath,
    label: study.labelPath,
    dims: [...image.dims],
    voxelSizeMm: [...image.spacingMm],
    affine: image.affine.map((row) => [...row]) as Affine,
    orientation: image.orientation,
    datatype: image.datatype,
    labelValues: label?.labelValues ?? [],
    wholeTumorVoxels: study.wholeTumor ? study.tumorPixelsPerSlice.reduce((a, b) => a + b, 0) : null,
    maxTumorSlice: study.maxTumorSlice,
  }
}
