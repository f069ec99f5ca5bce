/**
 * TEST DOUBLE of the engine service (TileLabService), for the end-to-end tests of pure UI behaviour (viewer.e2e,
 * menuCommands.e2e) and for working on the renderer without a model (serveTestDouble.ts). It is NOT the engine: it
 * runs no model. Every acceptance test of issue 5 runs against the real service (`tilelab serve`, serveProcess.ts).
 *
 * What is real: studies are read from NIfTI files on disk (nifti-reader-js), the FLAIR is served as the file's own
 * uncompressed NIfTI bytes, the label as raw uint8 voxels, and the metrics of each PredictionEvent are computed
 * from the probabilities it serves (soft Dice with smooth 1, binary Dice at 0.5, FP, FN: common/types.ts SliceMetrics).
 * What is fake: the probabilities. 'full' is a Gaussian-blurred copy of the whole-tumour mask (without a label:
 * of the FLAIR above its p99) plus a false-positive bump on some slices; 'tiled' is the same map degraded near the inner edges of the tiles of the requested tiling
 * (weaker where tiles overlap more, softened by the gaussian blend), so changing the tiling changes the overlay.
 *
 * Events follow the real contract: startPrediction answers at once; slices stream as JobProgress with a
 * PredictionEvent, `firstSlice` first and then outward; JobEnd closes the job. `emitted` keeps every event sent.
 */
import { promises as fs, readFileSync } from 'node:fs'
import path from 'node:path'
import * as nifti from 'nifti-reader-js'
import type {
  AppInfo, ApiEvents, ApiRequest, ApiResults, BrowseEntry, JobEnd, JobProgress, ModelSummary, ResourceBytes,
  StudyInfo, StudySummary, TileLabService,
} from '../../src-main/common/api'
import type { PredictionEvent } from '../../src-main/common/events'
import { EngineError } from '../../src-main/common/errors'
import type { Affine, Dims3, SliceMetrics, Tiling } from '../../src-main/common/types'
import { PAPER_TILING } from '../../src-main/common/types'
import { tileLayout } from '../../src-main/common/tileLayout'

interface LoadedStudy {
  info: StudyInfo
  flair: Float32Array
  imageBytes: Uint8Array
  labelBytes: Uint8Array | null
  wholeTumor: Uint8Array | null
}

interface RunningJob {
  cancelled: boolean
}

export interface TestDoubleOptions {
  dataRoot: string | null
  sampleStudy: string | null
  /** Slices emitted per tick, and the tick in ms (the pace of the fake "model"). */
  slicesPerTick?: number
  tickMs?: number
}

const IMAGE_RE = /flair/i
const LABEL_RE = /(seg|GT_W|OTMultiClass|label|mask_tumou?r)/i

export const TEST_MODEL: ModelSummary = {
  id: 'test-double-unet',
  name: 'test-double-unet',
  dir: '/nonexistent/test-double-unet',
  bundled: true,
  hasOnnx: false,
  card: {
    name: 'test-double-unet',
    architecture: { baseFilters: 32, depth: 4, upsampling: 'upsample', dropout: 0.2, parameters: 7_759_521, inputChannels: 1 },
    createdAt: '2026-01-01T00:00:00Z',
    intendedUse: 'TEST DOUBLE: no model runs; probabilities are a blurred copy of the label. Not for any use.',
    normalization: 'slice',
    metrics: { meanSoftDiceFull: 0.874, meanSoftDiceTiled: 0.829 },
  },
}

/** Parses a study's files ahead of time so that timings measure the viewer, not this double. */
export function preloadStudyFiles(files: string[]): void {
  for (const f of files) readNiftiFile(f)
}

export function createTestDoubleService(options: TestDoubleOptions): TileLabService & {
  emitted: PredictionEvent[]
  calls: { method: string; request: unknown }[]
} {
  const listeners = { onDidJobProgress: new Set<(p: JobProgress) => void>(), onDidJobEnd: new Set<(p: JobEnd) => void>() }
  const studies = new Map<string, LoadedStudy>()
  const slices = new Map<string, Float32Array>()
  const jobs = new Map<string, RunningJob>()
  const emitted: PredictionEvent[] = []
  const calls: { method: string; request: unknown }[] = []
  let counter = 0
  const perTick = options.slicesPerTick ?? 6
  const tickMs = options.tickMs ?? 15

  const emitProgress = (p: JobProgress) => listeners.onDidJobProgress.forEach((l) => l(p))
  const emitEnd = (p: JobEnd) => listeners.onDidJobEnd.forEach((l) => l(p))
  const record = (method: string, request: unknown) => calls.push({ method, request })

  async function openStudy(req: ApiRequest<'openStudy'>): Promise<StudyInfo> {
    record('openStudy', req)
    const st = await fs.stat(req.path).catch(() => null)
    if (!st) throw new EngineError('E_IO', `${req.path}: no such file or folder`)
    const folder = st.isDirectory() ? req.path : path.dirname(req.path)
    const files = st.isDirectory() ? (await fs.readdir(folder)).filter((f) => /\.nii(\.gz)?$/.test(f)) : [path.basename(req.path)]
    const image = req.image ?? pick(files, IMAGE_RE, folder)
    const label = req.label ?? (st.isDirectory() ? pick(files, LABEL_RE, folder, true) : null)
    if (!image) throw new EngineError('E_STUDY', `${req.path}: no FLAIR NIfTI found`)
    const img = readNiftiFile(image)
    const lab = label ? readNiftiFile(label) : null
    const [nx, ny, nz] = img.dims
    let labelBytes: Uint8Array | null = null
    let wholeTumor: Uint8Array | null = null
    if (lab) {
      labelBytes = new Uint8Array(lab.data.length)
      wholeTumor = new Uint8Array(lab.data.length)
      for (let n = 0; n < lab.data.length; n++) {
        labelBytes[n] = Math.max(0, Math.min(255, Math.round(lab.data[n])))
        wholeTumor[n] = labelBytes[n] > 0 ? 1 : 0
      }
    }
    const perSlice = new Array<number>(nz).fill(0)
    if (wholeTumor) for (let n = 0; n < wholeTumor.length; n++) perSlice[Math.floor(n / (nx * ny))] += wholeTumor[n]
    const maxTumor = perSlice.reduce((best, v, k) => (v > perSlice[best] ? k : best), 0)
    const studyId = `s${++counter}`
    const info: StudyInfo = {
      studyId,
      name: path.basename(folder),
      path: folder,
      image,
      label,
      datatype: img.datatype,
      labelValues: labelBytes ? [...new Set(labelBytes)].sort((a, b) => a - b) : [],
      wholeTumorVoxels: perSlice.reduce((a, b) => a + b, 0),
      maxTumorSlice: wholeTumor && perSlice[maxTumor] > 0 ? maxTumor : null,
      tumorPixelsPerSlice: perSlice,
      intensity: img.intensity,
      imageUrl: `res/studies/${studyId}/image.nii`,
      labelUrl: labelBytes ? `res/studies/${studyId}/label.u8` : null,
      dims: img.dims,
      spacingMm: img.spacingMm,
      affine: img.affine,
      orientation: orientationOf(img.affine),
    }
    studies.set(studyId, { info, flair: img.data, imageBytes: img.niftiBytes, labelBytes, wholeTumor })
    return info
  }

  async function startPrediction(req: ApiRequest<'startPrediction'>): Promise<ApiResults['startPrediction']> {
    record('startPrediction', req)
    const study = studies.get(req.studyId)
    if (!study) throw new EngineError('E_ARGS', `startPrediction: unknown study ${req.studyId}`)
    if (req.modelId !== TEST_MODEL.id) throw new EngineError('E_MODEL', `startPrediction: unknown model ${req.modelId}`)
    const tiling = req.tiling ?? PAPER_TILING
    const jobId = `job${++counter}`
    const predictionId = `p${counter}`
    const job: RunningJob = { cancelled: false }
    jobs.set(jobId, job)
    const [nx, ny, nz] = study.info.dims
    const order = outwardOrder(nz, Math.min(nz - 1, req.firstSlice ?? study.info.maxTumorSlice ?? Math.floor(nz / 2)))
    const started = Date.now()
    let done = 0
    const tick = () => {
      if (job.cancelled) {
        jobs.delete(jobId)
        return emitEnd({ jobId, kind: 'prediction', outcome: 'cancelled', elapsedMs: Date.now() - started })
      }
      for (let n = 0; n < perTick && done < nz; n++, done++) {
        const z = order[done]
        const gt = study.wholeTumor?.subarray(z * nx * ny, (z + 1) * nx * ny) ?? null
        // Without a label the "tumour" is the hyperintense FLAIR (above p99).
        const mask = gt ?? brightMask(study.flair.subarray(z * nx * ny, (z + 1) * nx * ny), study.info.intensity.p99)
        const probs = fakeProbabilities(mask, nx, ny, z, req.mode, tiling)
        const url = `res/predictions/${predictionId}/${z}.f32`
        slices.set(url, probs)
        const event: PredictionEvent = {
          type: 'slice',
          predictionId,
          mode: req.mode,
          z,
          url,
          metrics: gt ? sliceMetrics(gt, probs) : null,
          forwardPasses: req.mode === 'full' ? 1 : tileLayout(nx, ny, tiling).length,
          elapsedMs: Date.now() - started,
        }
        emitted.push(event)
        emitProgress({
          jobId, kind: 'prediction', phase: 'slices', done: done + 1, total: nz,
          elapsedMs: Date.now() - started, etaMs: null, event,
        })
      }
      if (done < nz) setTimeout(tick, tickMs)
      else {
        jobs.delete(jobId)
        emitEnd({ jobId, kind: 'prediction', outcome: 'ok', elapsedMs: Date.now() - started })
      }
    }
    setTimeout(tick, tickMs)
    return { jobId, predictionId }
  }

  const notHere = (method: string) => async () => {
    throw new EngineError('E_INTERNAL', `${method}: not implemented by the e2e test double`)
  }

  const service: TileLabService = {
    getAppInfo: async (): Promise<AppInfo> => ({
      version: '0.1.0-test-double',
      host: 'web',
      trainingBackend: 'wasm',
      inferenceEngine: 'onnxruntime-cpu',
      backends: [
        { name: 'onnxruntime-cpu', available: true, reason: 'test double: onnxruntime-node CPU (16 threads)' },
        { name: 'wasm', available: true, reason: 'test double: tfjs-backend-wasm, SIMD' },
        { name: 'tensorflow', available: false, reason: 'test double: @tensorflow/tfjs-node not installed' },
        { name: 'tensorflow-gpu', available: false, reason: 'test double: no CUDA device' },
      ],
      dataRoot: options.dataRoot,
      sampleStudy: options.sampleStudy,
      defaultModelId: TEST_MODEL.id,
    }),
    listModels: async () => [TEST_MODEL],
    listStudies: async (req) => {
      const root = req.path ?? options.dataRoot
      return root ? findStudies(root) : []
    },
    openStudy,
    closeStudy: async (req) => {
      studies.delete(req.studyId)
    },
    startPrediction,
    cancelJob: async (req) => {
      const job = jobs.get(req.jobId)
      if (job) job.cancelled = true
    },
    browse: async (req) => browse(req.path ?? options.dataRoot),
    pickPath: async () => null,
    inspectCohort: notHere('inspectCohort'),
    startTraining: notHere('startTraining'),
    listTrainingRuns: async () => [],
    startEvaluation: notHere('startEvaluation'),
    startSweep: notHere('startSweep'),
    readEvaluation: notHere('readEvaluation'),
    on(event, listener) {
      const set = listeners[event] as Set<(p: ApiEvents[typeof event]) => void>
      set.add(listener)
      return () => set.delete(listener)
    },
    async readResource(url: string): Promise<ResourceBytes> {
      const m = /^res\/studies\/([^/]+)\/(image\.nii|label\.u8)$/.exec(url)
      if (m) {
        const s = studies.get(m[1])
        const bytes = m[2] === 'image.nii' ? s?.imageBytes : s?.labelBytes
        if (bytes) return { bytes, contentType: 'application/octet-stream' }
      }
      const probs = slices.get(url)
      if (probs) return { bytes: new Uint8Array(probs.buffer, probs.byteOffset, probs.byteLength), contentType: 'application/octet-stream' }
      throw new EngineError('E_IO', `${url}: no such resource`)
    },
  }
  return Object.assign(service, { emitted, calls })
}

// -------------------------------------------------------------------------------------------------------------
// Fake probabilities and real metrics

/** Blurred whole-tumour mask (σ = 2 px), peak 0.97, plus a false-positive bump on slices 30–45. */
function fullProbabilities(gt: Uint8Array, nx: number, ny: number, z: number): Float32Array {
  const p = new Float32Array(nx * ny)
  for (let n = 0; n < p.length; n++) p[n] = gt[n] * 0.97
  gaussianBlur(p, nx, ny, 2)
  if (z >= 30 && z < 46) {
    const cx = nx * 0.68, cy = ny * 0.62
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) p[i + nx * j] += 0.62 * Math.exp(-(((i - cx) / 5) ** 2 + ((j - cy) / 4) ** 2))
  }
  for (let n = 0; n < p.length; n++) p[n] = Math.min(1, p[n])
  return p
}

function fakeProbabilities(
  gt: Uint8Array, nx: number, ny: number, z: number, mode: 'full' | 'tiled', tiling: Tiling,
): Float32Array {
  const full = fullProbabilities(gt, nx, ny, z)
  if (mode === 'full') return full
  // Each tile "sees" the map attenuated near its inner edges (context cut off); tiles are averaged.
  const sum = new Float32Array(nx * ny)
  const weight = new Float32Array(nx * ny)
  const ramp = Math.max(6, tiling.tile * 0.2)
  for (const t of tileLayout(nx, ny, tiling)) {
    for (let y = t.y0; y < t.y0 + t.height; y++) {
      for (let x = t.x0; x < t.x0 + t.width; x++) {
        const dx = Math.min(t.x0 === 0 ? Infinity : x - t.x0, t.x0 + t.width === nx ? Infinity : t.x0 + t.width - 1 - x)
        const dy = Math.min(t.y0 === 0 ? Infinity : y - t.y0, t.y0 + t.height === ny ? Infinity : t.y0 + t.height - 1 - y)
        const a = 0.3 + 0.7 * Math.min(1, Math.min(dx, dy) / ramp)
        const w = tiling.blend === 'gaussian' ? Math.max(0.05, a) : 1
        const n = x + nx * y
        sum[n] += w * full[n] * a
        weight[n] += w
      }
    }
  }
  for (let n = 0; n < sum.length; n++) sum[n] = weight[n] > 0 ? sum[n] / weight[n] : 0
  return sum
}

function brightMask(slice: Float32Array, threshold: number): Uint8Array {
  const m = new Uint8Array(slice.length)
  for (let n = 0; n < slice.length; n++) m[n] = slice[n] > threshold ? 1 : 0
  return m
}

/** SliceMetrics of probabilities against a binary mask (common/types.ts). */
export function sliceMetrics(gt: Uint8Array, p: Float32Array): SliceMetrics {
  let sy = 0, sp = 0, syp = 0, fp = 0, fn = 0, pred = 0, inter = 0
  for (let n = 0; n < p.length; n++) {
    const y = gt[n] > 0 ? 1 : 0
    sy += y
    sp += p[n]
    syp += y * p[n]
    const b = p[n] >= 0.5 ? 1 : 0
    pred += b
    inter += b * y
    if (b && !y) fp++
    if (!b && y) fn++
  }
  return {
    softDice: (2 * syp + 1) / (sy + sp + 1),
    binaryDice: sy + pred === 0 ? null : (2 * inter) / (sy + pred),
    falsePositives: fp,
    falseNegatives: fn,
    tumorPixels: sy,
    predictedPixels: pred,
  }
}

function gaussianBlur(a: Float32Array, nx: number, ny: number, sigma: number): void {
  const r = Math.ceil(3 * sigma)
  const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)))
  const ks = k.reduce((x, y) => x + y, 0)
  const tmp = new Float32Array(a.length)
  for (let j = 0; j < ny; j++)
    for (let i = 0; i < nx; i++) {
      let s = 0
      for (let d = -r; d <= r; d++) s += k[d + r] * a[Math.min(nx - 1, Math.max(0, i + d)) + nx * j]
      tmp[i + nx * j] = s / ks
    }
  for (let j = 0; j < ny; j++)
    for (let i = 0; i < nx; i++) {
      let s = 0
      for (let d = -r; d <= r; d++) s += k[d + r] * tmp[i + nx * Math.min(ny - 1, Math.max(0, j + d))]
      a[i + nx * j] = s / ks
    }
}

/** `first`, then first+1, first−1, first+2, ... within [0, n). */
function outwardOrder(n: number, first: number): number[] {
  const out = [first]
  for (let d = 1; out.length < n; d++) {
    if (first + d < n) out.push(first + d)
    if (first - d >= 0) out.push(first - d)
  }
  return out
}

// -------------------------------------------------------------------------------------------------------------
// Files

interface ReadNifti {
  dims: Dims3
  spacingMm: [number, number, number]
  affine: Affine
  datatype: StudyInfo['datatype']
  data: Float32Array
  /** The uncompressed file. */
  niftiBytes: Uint8Array
  intensity: StudyInfo['intensity']
}

const DATATYPES: Record<number, StudyInfo['datatype']> = {
  2: 'uint8', 4: 'int16', 8: 'int32', 16: 'float32', 64: 'float64', 256: 'int8', 512: 'uint16', 768: 'uint32',
}

const parsed = new Map<string, ReadNifti>()

/** Reads (and caches: the double re-opens the same files often) a NIfTI file. */
function readNiftiFile(file: string): ReadNifti {
  const hit = parsed.get(file)
  if (hit) return hit
  const r = parseNiftiFile(file)
  parsed.set(file, r)
  return r
}

function parseNiftiFile(file: string): ReadNifti {
  let buf: ArrayBuffer = new Uint8Array(readFileSync(file)).buffer
  if (nifti.isCompressed(buf)) buf = nifti.decompress(buf) as ArrayBuffer
  if (!nifti.isNIFTI(buf)) throw new EngineError('E_NIFTI', `${file}: not a NIfTI file`)
  const hdr = nifti.readHeader(buf)
  const raw = nifti.readImage(hdr, buf)
  const datatype = DATATYPES[hdr.datatypeCode]
  if (!datatype) throw new EngineError('E_NIFTI', `${file}: unsupported datatype ${hdr.datatypeCode}`)
  const Ctor = { uint8: Uint8Array, int8: Int8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array, float32: Float32Array, float64: Float64Array }[datatype]
  const typed = new Ctor(raw)
  const slope = hdr.scl_slope && Number.isFinite(hdr.scl_slope) && hdr.scl_slope !== 0 ? hdr.scl_slope : 1
  const inter = Number.isFinite(hdr.scl_inter) ? hdr.scl_inter : 0
  const data = new Float32Array(typed.length)
  for (let n = 0; n < typed.length; n++) data[n] = Number(typed[n]) * slope + inter
  const a = hdr.affine
  return {
    dims: [hdr.dims[1], hdr.dims[2], hdr.dims[3]],
    spacingMm: [hdr.pixDims[1], hdr.pixDims[2], hdr.pixDims[3]],
    affine: [a[0], a[1], a[2], [0, 0, 0, 1]] as Affine,
    datatype,
    data,
    niftiBytes: new Uint8Array(buf),
    intensity: intensityRange(data),
  }
}

function intensityRange(data: Float32Array): StudyInfo['intensity'] {
  let min = Infinity, max = -Infinity
  for (const v of data) {
    if (v < min) min = v
    if (v > max) max = v
  }
  const picked: number[] = []
  for (let n = 0; n < data.length; n += 7) if (data[n] !== min) picked.push(data[n])
  const sample = Float32Array.from(picked).sort()
  const q = (f: number) => (sample.length ? sample[Math.min(sample.length - 1, Math.floor(f * sample.length))] : 0)
  return { min, max, p01: q(0.01), p99: q(0.99) }
}

function orientationOf(a: Affine): string {
  let out = ''
  for (let c = 0; c < 3; c++) {
    const col = [a[0][c], a[1][c], a[2][c]]
    const axis = col.reduce((best, v, i) => (Math.abs(v) > Math.abs(col[best]) ? i : best), 0)
    out += col[axis] >= 0 ? 'RAS'[axis] : 'LPI'[axis]
  }
  return out
}

/** The first file matching `re` (labels: not also a FLAIR). */
function pick(files: string[], re: RegExp, folder: string, label = false): string | null {
  const f = files.find((x) => re.test(x) && !(label && IMAGE_RE.test(x)))
  return f ? path.join(folder, f) : null
}

async function findStudies(root: string, depth = 3): Promise<StudySummary[]> {
  const out: StudySummary[] = []
  const entries = await fs.readdir(root, { withFileTypes: true }).catch(() => [])
  const files = entries.filter((e) => e.isFile() && /\.nii(\.gz)?$/.test(e.name)).map((e) => e.name)
  const image = files.find((f) => IMAGE_RE.test(f))
  if (image) {
    const label = files.find((f) => LABEL_RE.test(f) && !IMAGE_RE.test(f))
    out.push({ path: root, name: path.basename(root), image: path.join(root, image), label: label ? path.join(root, label) : null })
  }
  if (depth > 0)
    for (const e of entries.filter((x) => x.isDirectory()).sort((a, b) => a.name.localeCompare(b.name)))
      out.push(...(await findStudies(path.join(root, e.name), depth - 1)))
  return out
}

async function browse(dir: string | null): Promise<ApiResults['browse']> {
  if (!dir) throw new EngineError('E_ACCESS', 'browse: no data root')
  const entries = await fs.readdir(dir, { withFileTypes: true })
  const list: BrowseEntry[] = entries
    .filter((e) => e.isDirectory() || /\.nii(\.gz)?$/.test(e.name))
    .map((e) => ({ name: e.name, path: path.join(dir, e.name), kind: e.isDirectory() ? 'folder' : 'nifti' }))
  return { path: dir, parent: path.dirname(dir) === dir ? null : path.dirname(dir), entries: list }
}
