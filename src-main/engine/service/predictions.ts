/**
 * Predictions of the engine service: a prediction is one model run over every axial slice of an open study, in one
 * mode (full image or tiled with one tiling). Slices are predicted current-slice-first then outward, each one
 * streamed as a PredictionEvent (URL of its probabilities + its SliceMetrics against the ground truth) as soon as it
 * is done. Results are kept (a small LRU) so that re-requesting a prediction replays it instantly, and a new request
 * for the same study and mode cancels the one still running (the user changed the tiling, say).
 */
import { createHash } from 'node:crypto'
import type { ApiRequest, PredictionStarted } from '../../common/api'
import { EngineError } from '../../common/errors'
import type { PredictionEvent } from '../../common/events'
import { throwIfCancelled } from '../../common/cancellation'
import { PAPER_TILING, type PredictionMode, type SliceMetrics, type Tiling } from '../../common/types'
import { predictVolume, slicesOutward } from '../inference/predictVolume'
import { validateTiling } from '../inference/tiling'
import { sliceMetrics } from '../metrics/dice'
import type { JobContext, JobManager } from './jobs'
import type { ModelRegistry } from './models'
import type { StudyRegistry } from './studies'

/** One model run over a study, filled slice by slice. */
interface Prediction {
  id: string
  studyId: string
  mode: PredictionMode
  /** `[nz][ny][nx]` probabilities; slice k valid once done[k] = 1. */
  probabilities: Float32Array
  done: Uint8Array
  metrics: (SliceMetrics | null)[]
  forwardPasses: number
  sliceSize: number
}

/** Resource URL of one predicted slice: raw little-endian float32 `[ny, nx]`. */
export const predictionSliceUrl = (id: string, z: number): string => `res/prediction/${id}/${z}.f32`

export class PredictionRunner {
  private readonly results = new Map<string, Prediction>()
  /** Running job per study and mode. */
  private readonly running = new Map<string, string>()

  /** @param capacity Predictions kept in memory (each nz·ny·nx float32). */
  constructor(
    private readonly studies: StudyRegistry,
    private readonly models: ModelRegistry,
    private readonly jobs: JobManager,
    private readonly capacity = 8,
  ) {}

  /**
   * Starts (or replays) a prediction job.
   * @throws EngineError E_ARGS for an unknown study or a bad tiling; E_MODEL for an unknown model.
   */
  async start(req: ApiRequest<'startPrediction'>): Promise<PredictionStarted> {
    const entry = this.studies.get(req.studyId)
    const model = await this.models.get(req.modelId)
    const tiling: Tiling | null = req.mode === 'tiled' ? { ...PAPER_TILING, ...req.tiling } : null
    if (tiling) validateTiling(tiling)
    const [nx, ny, nz] = entry.study.image.dims
    const first = Math.min(nz - 1, Math.max(0, req.firstSlice ?? entry.study.maxTumorSlice ?? Math.floor(nz / 2)))
    const id = predictionId(req.studyId, model.dir, req.mode, tiling)
    const prediction = this.results.get(id) ?? this.create(id, req.studyId, req.mode, nx * ny, nz)

    const key = `${req.studyId}|${req.mode}`
    const previous = this.running.get(key)
    if (previous) await this.jobs.cancel(previous)
    const jobId = this.jobs.start('prediction', (ctx) => this.run(ctx, prediction, req.modelId, tiling, first))
    this.running.set(key, jobId)
    return { jobId, predictionId: id }
  }

  /**
   * Bytes behind a `res/prediction/<id>/<z>.f32` URL.
   * @throws EngineError E_IO when the prediction or the slice does not exist (yet).
   */
  readResource(url: string): Uint8Array {
    const m = /^res\/prediction\/([^/]+)\/(\d+)\.f32$/.exec(url)
    const p = m ? this.results.get(m[1]) : undefined
    const z = m ? Number(m[2]) : -1
    if (!p || !(z < p.done.length) || !p.done[z]) throw new EngineError('E_IO', `${url}: no such predicted slice`)
    const slice = p.probabilities.subarray(z * p.sliceSize, (z + 1) * p.sliceSize)
    return new Uint8Array(slice.buffer, slice.byteOffset, slice.byteLength)
  }

  /** Cancels the running prediction jobs of one study (full and tiled) and waits for them to end. */
  async cancelStudy(studyId: string): Promise<void> {
    const keys = [...this.running.keys()].filter((key) => key.startsWith(`${studyId}|`))
    await Promise.all(keys.map((key) => this.jobs.cancel(this.running.get(key)!)))
    for (const key of keys) this.running.delete(key)
  }

  /** Drops the predictions of a closed study. */
  forgetStudy(studyId: string): void {
    for (const [id, p] of this.results) if (p.studyId === studyId) this.results.delete(id)
  }

  private create(id: string, studyId: string, mode: PredictionMode, sliceSize: number, nz: number): Prediction {
    const p: Prediction = {
      id,
      studyId,
      mode,
      probabilities: new Float32Array(sliceSize * nz),
      done: new Uint8Array(nz),
      metrics: new Array(nz).fill(null),
      forwardPasses: 0,
      sliceSize,
    }
    this.results.set(id, p)
    while (this.results.size > this.capacity) this.results.delete(this.results.keys().next().value as string)
    return p
  }

  private async run(ctx: JobContext, p: Prediction, modelId: string, tiling: Tiling | null, first: number): Promise<void> {
    const nz = p.done.length
    const order = slicesOutward(nz, first)
    const phase = p.mode === 'full' ? 'full-image prediction' : `tiled prediction (${tiling!.tile} px, ${tiling!.overlap} overlap, ${tiling!.blend})`
    let sent = 0
    const emit = (z: number, elapsedMs: number): void => {
      sent++
      const event: PredictionEvent = {
        type: 'slice',
        predictionId: p.id,
        mode: p.mode,
        z,
        url: predictionSliceUrl(p.id, z),
        metrics: p.metrics[z],
        forwardPasses: p.forwardPasses,
        elapsedMs,
      }
      ctx.report({ phase, done: sent, total: nz, event, keep: true })
    }
    for (const z of order) if (p.done[z]) emit(z, 0)
    const todo = order.filter((z) => !p.done[z])
    if (todo.length === 0) return
    throwIfCancelled(ctx.token, 'prediction')

    const entry = this.studies.get(p.studyId)
    const { predictor, model } = await this.models.predictor(modelId)
    const volume = { data: this.studies.normalized(entry, model.card.normalization ?? 'slice'), dims: entry.study.image.dims }
    const gt = entry.study.wholeTumor
    await predictVolume(volume, predictor, {
      mode: p.mode,
      tiling: tiling ?? undefined,
      slices: todo,
      token: ctx.token,
      prioritizeFirstSlice: true,
      onSlice: async (z, probabilities, info) => {
        p.probabilities.set(probabilities, z * p.sliceSize)
        p.metrics[z] = gt ? sliceMetrics(gt.subarray(z * p.sliceSize, (z + 1) * p.sliceSize), probabilities) : null
        p.forwardPasses = info.forwardPasses
        p.done[z] = 1
        emit(z, info.elapsedMs)
        // tfjs predictors resolve without leaving the microtask queue: let the host's requests in (slice fetches,
        // a cancel, a new tiling) between slices, or they would wait for the whole volume.
        await new Promise<void>((resolve) => setImmediate(resolve))
      },
    })
  }
}

function predictionId(studyId: string, modelDir: string, mode: PredictionMode, tiling: Tiling | null): string {
  const key = JSON.stringify([studyId, modelDir, mode, tiling && [tiling.tile, tiling.overlap, tiling.blend]])
  return `${mode}-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`
}
