/**
 * Streams the predictions of the open study into the viewer: starts one prediction job per mode (full, tiled),
 * listens to onDidJobProgress for their PredictionEvents, fetches each slice's raw float32 `[ny, nx]` bytes and hands
 * them on. Fetches run a few at a time; the slice on screen jumps the queue. Events that arrive before
 * startPrediction has answered (the job may start emitting at once) are buffered by predictionId.
 * Plain TS: nothing here is Svelte state.
 */
import type { ApiRequest, JobEnd, JobProgress, TileLabApi } from '../../../src-main/common/api'
import type { PredictionEvent } from '../../../src-main/common/events'
import type { SerializedError } from '../../../src-main/common/errors'
import type { PredictionMode } from '../../../src-main/common/types'
import { fetchResource } from '../api/apiClient'

export interface SliceArrival {
  mode: PredictionMode
  event: PredictionEvent
  probs: Float32Array
}

export interface PredictionHandlers {
  onSlice(a: SliceArrival): void
  onProgress(mode: PredictionMode, done: number, total: number, etaMs: number | null): void
  onEnd(mode: PredictionMode, outcome: JobEnd['outcome'], error?: SerializedError): void
  /** A slice could not be fetched or had the wrong size. */
  onError(mode: PredictionMode, message: string): void
}

interface Job {
  jobId: string
  predictionId: string
}

const CONCURRENCY = 4
const BUFFER_LIMIT = 5000
const EARLY_TTL_MS = 30_000

export class PredictionStream {
  private readonly jobs: Record<PredictionMode, Job | null> = { full: null, tiled: null }
  /** Events of predictions not (yet) known, by predictionId, with the time the first one came. */
  private readonly early = new Map<string, { since: number; items: { progress: JobProgress; event: PredictionEvent }[] }>()
  private readonly earlyEnds = new Map<string, JobEnd>()
  private queue: { mode: PredictionMode; event: PredictionEvent }[] = []
  private inFlight = 0
  private readonly offs: (() => void)[]
  private disposed = false

  constructor(
    private readonly api: TileLabApi,
    private readonly planeSize: number,
    private readonly currentSlice: () => number,
    private readonly handlers: PredictionHandlers,
  ) {
    this.offs = [
      api.on('onDidJobProgress', (p) => this.onProgress(p)),
      api.on('onDidJobEnd', (e) => this.onJobEnd(e)),
    ]
  }

  /**
   * Starts (or restarts) the prediction of one mode; a running job of that mode is cancelled first.
   * @throws EngineError from startPrediction (unknown model, bad tiling...).
   */
  async start(request: ApiRequest<'startPrediction'>): Promise<void> {
    const mode = request.mode
    await this.cancel(mode)
    const started = await this.api.startPrediction(request)
    if (this.disposed) return void this.api.cancelJob({ jobId: started.jobId }).catch(() => undefined)
    this.jobs[mode] = started
    for (const { progress, event } of this.early.get(started.predictionId)?.items ?? []) this.accept(mode, progress, event)
    this.early.delete(started.predictionId)
    const end = this.earlyEnds.get(started.jobId)
    if (end) {
      this.earlyEnds.delete(started.jobId)
      this.onJobEnd(end)
    }
  }

  /** Cancels the job of a mode (if any) and drops its queued fetches. */
  async cancel(mode: PredictionMode): Promise<void> {
    const job = this.jobs[mode]
    this.jobs[mode] = null
    this.queue = this.queue.filter((t) => t.mode !== mode)
    if (job) await this.api.cancelJob({ jobId: job.jobId }).catch(() => undefined)
  }

  isRunning(mode: PredictionMode): boolean {
    return this.jobs[mode] !== null
  }

  dispose(): void {
    this.disposed = true
    for (const off of this.offs) off()
    for (const mode of ['full', 'tiled'] as PredictionMode[]) void this.cancel(mode)
  }

  private modeOf(predictionId: string): PredictionMode | null {
    if (this.jobs.full?.predictionId === predictionId) return 'full'
    if (this.jobs.tiled?.predictionId === predictionId) return 'tiled'
    return null
  }

  private onProgress(p: JobProgress): void {
    if (this.disposed || p.kind !== 'prediction') return
    const event = p.event as PredictionEvent | undefined
    if (!event || event.type !== 'slice') return
    const mode = this.modeOf(event.predictionId)
    if (mode) return this.accept(mode, p, event)
    // Possibly ours before startPrediction answered: keep it for a moment (stale entries, e.g. of a cancelled
    // job whose last slices were still on the wire, are dropped after EARLY_TTL_MS).
    const now = Date.now()
    for (const [id, entry] of this.early) if (now - entry.since > EARLY_TTL_MS) this.early.delete(id)
    const entry = this.early.get(event.predictionId) ?? { since: now, items: [] }
    if (this.early.size < 8 && entry.items.length < BUFFER_LIMIT) {
      entry.items.push({ progress: p, event })
      this.early.set(event.predictionId, entry)
    }
  }

  private accept(mode: PredictionMode, p: JobProgress, event: PredictionEvent): void {
    this.handlers.onProgress(mode, p.done, p.total, p.etaMs)
    this.queue.push({ mode, event })
    this.pump()
  }

  private onJobEnd(e: JobEnd): void {
    if (this.disposed || e.kind !== 'prediction') return
    const mode = this.jobs.full?.jobId === e.jobId ? 'full' : this.jobs.tiled?.jobId === e.jobId ? 'tiled' : null
    if (!mode) {
      if (this.earlyEnds.size < 16) this.earlyEnds.set(e.jobId, e)
      return
    }
    // Keep the job's predictionId so that queued slices still land; only mark it finished.
    this.handlers.onEnd(mode, e.outcome, e.error)
  }

  private pump(): void {
    while (this.inFlight < CONCURRENCY && this.queue.length) {
      const k = this.currentSlice()
      let idx = this.queue.findIndex((t) => t.event.z === k)
      if (idx < 0) idx = 0
      const [task] = this.queue.splice(idx, 1)
      this.inFlight++
      void this.fetchSlice(task.mode, task.event).finally(() => {
        this.inFlight--
        this.pump()
      })
    }
  }

  private async fetchSlice(mode: PredictionMode, event: PredictionEvent): Promise<void> {
    try {
      const bytes = await fetchResource(event.url)
      if (this.disposed || this.jobs[mode]?.predictionId !== event.predictionId) return
      if (bytes.byteLength !== this.planeSize * 4)
        throw new Error(`slice ${event.z}: ${bytes.byteLength} bytes, expected ${this.planeSize * 4}`)
      this.handlers.onSlice({ mode, event, probs: new Float32Array(bytes) })
    } catch (err) {
      if (!this.disposed) this.handlers.onError(mode, err instanceof Error ? err.message : String(err))
    }
  }
}
