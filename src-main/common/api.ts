/**
 * TileLabApi: the one typed API between the renderer and the engine.
 *
 * One service implements it (src-main/engine/service); three transports carry it, like VS Code's
 * ProxyChannel: Electron IPC through the preload (`tilelab:api`), the loopback web host of `tilelab serve`
 * (`POST /api/<method>` + Server-Sent Events at `/api/events`), and in-process calls from the CLI and tests.
 *
 * Every request is validated with the zod schema of its method on the host side before the service sees it.
 * Voxels never travel as JSON: volumes and probability slices are fetched as bytes from the URLs the API returns.
 * Pure TS (zod only): no node:, electron or DOM.
 */
import { z } from 'zod'
import type { SerializedError } from './errors'
import type { Geometry, ModelCard, NiftiDatatype, SliceMetrics, Tiling } from './types'
import type { EvalEvent, PredictionEvent, TrainEvent } from './events'

// ---------------------------------------------------------------------------------------------------------------
// Request schemas (validated at every transport boundary)

const tilingSchema = z.object({
  tile: z.number().int().min(16).max(1024),
  overlap: z.number().min(0).lt(1),
  blend: z.enum(['mean', 'gaussian']),
})

const pathSchema = z.string().min(1).max(4096)

export const requestSchemas = {
  getAppInfo: z.object({}).strict(),
  listModels: z.object({}).strict(),
  /** Studies found under a folder (the data root when omitted), at any depth. */
  listStudies: z.object({ path: pathSchema.optional() }).strict(),
  /** Opens one study: a folder or a NIfTI file. Overrides win over discovery. */
  openStudy: z
    .object({ path: pathSchema, image: pathSchema.optional(), label: pathSchema.optional() })
    .strict(),
  closeStudy: z.object({ studyId: z.string().min(1).max(200) }).strict(),
  /** Predicts every axial slice of an open study, `firstSlice` first, then outward; streams PredictionEvents. */
  startPrediction: z
    .object({
      studyId: z.string().min(1).max(200),
      modelId: z.string().min(1).max(200),
      mode: z.enum(['full', 'tiled']),
      tiling: tilingSchema.optional(),
      firstSlice: z.number().int().min(0).optional(),
    })
    .strict(),
  /** Counts the studies of a cohort folder and names those that fail to load (train/evaluate dialogs). */
  inspectCohort: z.object({ path: pathSchema }).strict(),
  startTraining: z
    .object({
      data: pathSchema,
      name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - only'),
      preset: z.enum(['paper', 'cpu-small']).optional(),
      input: z.enum(['crops', 'full']).optional(),
      crop: z.number().int().min(16).max(512).optional(),
      batchSize: z.number().int().min(1).max(512).optional(),
      epochs: z.number().int().min(1).max(10_000).optional(),
      stepsPerEpoch: z.number().int().min(1).max(1_000_000).optional(),
      learningRate: z.number().gt(0).max(1).optional(),
      valFraction: z.number().min(0).lt(1).optional(),
      seed: z.number().int().optional(),
      flips: z.boolean().optional(),
      rotations: z.boolean().optional(),
      baseFilters: z.number().int().min(1).max(128).optional(),
      depth: z.number().int().min(1).max(6).optional(),
      tumorFraction: z.number().min(0).max(1).optional(),
      backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).optional(),
      resume: z.boolean().optional(),
    })
    .strict(),
  /** Training runs whose output folder holds a checkpoint but no finished model: offered for resume. */
  listTrainingRuns: z.object({}).strict(),
  startEvaluation: z
    .object({
      data: pathSchema,
      modelId: z.string().min(1).max(200),
      tiling: tilingSchema.optional(),
      slices: z.enum(['all', 'tumor']).optional(),
      out: pathSchema.optional(),
      resume: z.boolean().optional(),
    })
    .strict(),
  startSweep: z
    .object({
      data: pathSchema,
      modelId: z.string().min(1).max(200),
      tiles: z.array(z.number().int().min(16).max(1024)).min(1).max(16),
      overlaps: z.array(z.number().min(0).lt(1)).min(1).max(16),
      slices: z.enum(['all', 'tumor']).optional(),
      out: pathSchema.optional(),
    })
    .strict(),
  /** Reads the outputs of a finished (or partial) evaluation folder. */
  readEvaluation: z.object({ out: pathSchema }).strict(),
  cancelJob: z.object({ jobId: z.string().min(1).max(200) }).strict(),
  /** Lists sub-folders and NIfTI files of a folder the host may read (web host: under --data). */
  browse: z.object({ path: pathSchema.optional() }).strict(),
  /** Native file/folder dialog (Electron only; the web host answers null). Grants access to the picked path. */
  pickPath: z
    .object({ kind: z.enum(['folder', 'file', 'study']), title: z.string().max(200).optional() })
    .strict(),
} as const

export type ApiMethod = keyof typeof requestSchemas
/** The allowlist of callable methods, in a stable order. */
export const API_METHODS = Object.keys(requestSchemas) as ApiMethod[]
export type ApiRequest<M extends ApiMethod> = z.infer<(typeof requestSchemas)[M]>

// ---------------------------------------------------------------------------------------------------------------
// Results

export interface BackendStatus {
  name: 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu' | 'onnxruntime-cpu' | 'onnxruntime-cuda'
  available: boolean
  /** Why it is unavailable (package absent, native library missing, no GPU), or what it runs on. */
  reason: string
}

export interface AppInfo {
  version: string
  host: 'electron' | 'web' | 'cli'
  /** tfjs backend used for training (and tfjs inference). */
  trainingBackend: string
  /** Engine used for inference: 'onnxruntime-cpu', 'onnxruntime-cuda' or a tfjs backend. */
  inferenceEngine: string
  backends: BackendStatus[]
  dataRoot: string | null
  /** Bundled sample study opened when the app starts with none. */
  sampleStudy: string | null
  defaultModelId: string | null
}

export interface ModelSummary {
  id: string
  name: string
  dir: string
  card: ModelCard
  /** An ONNX graph sits beside the tfjs model. */
  hasOnnx: boolean
  /** Shipped with TileLab (read-only) rather than trained by the user. */
  bundled: boolean
}

export interface StudySummary {
  /** Path of the study folder (or file), as the host names it. */
  path: string
  name: string
  image: string
  label: string | null
}

export interface StudyInfo extends Geometry {
  studyId: string
  name: string
  path: string
  image: string
  label: string | null
  datatype: NiftiDatatype
  labelValues: number[]
  wholeTumorVoxels: number
  /** Axial slice with the most whole-tumour voxels; null without a label or tumour. */
  maxTumorSlice: number | null
  /** Whole-tumour pixels of each axial slice, length nz. */
  tumorPixelsPerSlice: number[]
  /** Robust intensity range of the FLAIR for window/level presets. */
  intensity: { min: number; max: number; p01: number; p99: number }
  /** Uncompressed NIfTI-1 bytes of the FLAIR (never sent with Content-Encoding). */
  imageUrl: string
  /** Raw uint8 whole-tumour label voxels (values as in the file), i fastest; null without a label. */
  labelUrl: string | null
}

export interface PredictionStarted {
  jobId: string
  predictionId: string
}

export interface CohortInspection {
  path: string
  studies: StudySummary[]
  failed: { study: string; error: string }[]
}

export interface TrainingRun {
  dir: string
  name: string
  epochsDone: number
  epochs: number
  updatedAt: string
  finished: boolean
  /** The cohort folder of its recipe (what a resume passes as `data`); null when the checkpoint does not say. */
  data: string | null
  /** history.csv of the run: one row per validated epoch (empty before the first epoch ends). */
  history: TrainingEpoch[]
}

/** One epoch of a training run's history.csv. */
export interface TrainingEpoch {
  epoch: number
  loss: number
  valDiceFull: number | null
  valDiceTiled: number | null
}

export interface EvaluationResult {
  out: string
  /** summary.json as written by `tilelab evaluate` (keys documented there). */
  summary: Record<string, unknown> | null
  /** slices.csv rows. */
  slices: Record<string, string | number | null>[]
  complete: boolean
  /** sweep.json of `tilelab sweep` (rows: tile, overlap, meanDice, relativeFlops, msPerSlice, ...) when the folder holds a sweep. */
  sweep: Record<string, unknown> | null
  /** The run's output files (slices.csv, summary.json, report.html, run.json) with resource URLs to fetch them. */
  files: EvaluationFile[]
}

/** One output file of an evaluation folder. */
export interface EvaluationFile {
  name: string
  /** Absolute path on the host. */
  path: string
  bytes: number
  /** Resource URL (`res/evaluation/...`), relative to api.resourceBase. */
  url: string
}

export interface BrowseEntry {
  name: string
  path: string
  kind: 'folder' | 'nifti' | 'file'
}

export interface ApiResults {
  getAppInfo: AppInfo
  listModels: ModelSummary[]
  listStudies: StudySummary[]
  openStudy: StudyInfo
  closeStudy: void
  startPrediction: PredictionStarted
  inspectCohort: CohortInspection
  startTraining: { jobId: string; out: string }
  listTrainingRuns: TrainingRun[]
  startEvaluation: { jobId: string; out: string }
  startSweep: { jobId: string; out: string }
  readEvaluation: EvaluationResult
  cancelJob: void
  browse: { path: string; parent: string | null; entries: BrowseEntry[] }
  pickPath: string | null
}

// ---------------------------------------------------------------------------------------------------------------
// Jobs and events

export type JobKind = 'prediction' | 'training' | 'evaluation' | 'sweep'

/** Sent at most ~10 times a second per job; the last one always. */
export interface JobProgress {
  jobId: string
  kind: JobKind
  phase: string
  done: number
  total: number
  elapsedMs: number
  etaMs: number | null
  /** The job's own event (the same objects the CLI prints with --json). */
  event?: PredictionEvent | TrainEvent | EvalEvent
}

export interface JobEnd {
  jobId: string
  kind: JobKind
  outcome: 'ok' | 'cancelled' | 'failed'
  error?: SerializedError
  elapsedMs: number
}

export interface ApiEvents {
  onDidJobProgress: JobProgress
  onDidJobEnd: JobEnd
}

// ---------------------------------------------------------------------------------------------------------------
// Resources (the bytes behind the URLs the API returns)

/**
 * Resource URLs returned by the service (StudyInfo.imageUrl / labelUrl, PredictionEvent.url) are relative paths that
 * start with `res/` and carry no leading slash. Clients resolve them with `new URL(url, api.resourceBase)`; hosts
 * map `<base>res/...` back to `service.readResource('res/...')` (web host: `GET /res/...`; Electron: `tilelab://app/res/...`).
 */
export const RESOURCE_PREFIX = 'res/'

/** The bytes behind one resource URL. Hosts send them as they are: never with a Content-Encoding. */
export interface ResourceBytes {
  bytes: Uint8Array
  /** 'application/octet-stream' for NIfTI and raw voxel/slice bytes. */
  contentType: string
}

/**
 * What a host (Electron main, web host, CLI) holds: the API's methods and events, plus the resource reader.
 * The real implementation lives in src-main/engine/service; hosts take it by injection.
 */
export type TileLabService = Omit<TileLabApi, 'resourceBase'> & {
  /**
   * Bytes of a resource URL the service handed out (`res/...`, without query).
   * @throws EngineError E_IO when the URL names nothing (unknown study, slice not predicted yet).
   */
  readResource(url: string): Promise<ResourceBytes>
}

/** The API as the renderer sees it. */
export type TileLabApi = {
  [M in ApiMethod]: (request: ApiRequest<M>) => Promise<ApiResults[M]>
} & {
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends keyof ApiEvents>(event: E, listener: (payload: ApiEvents[E]) => void): () => void
  /** Base URL that resource URLs returned by the API are relative to ('' when they are absolute). */
  readonly resourceBase: string
}

export type { SliceMetrics, Tiling }
