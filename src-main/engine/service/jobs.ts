/**
 * Jobs of the engine service: long work (prediction of a volume, training, evaluation, sweep) that `start*` API
 * methods launch and return at once with a job id. Each job gets a cancellation token and a `report` function;
 * the manager turns reports into `onDidJobProgress` events (throttled to ~10 per second per job unless an event
 * must not be dropped; a report held back by the throttle is sent before the next kept one and at the end, so
 * only superseded throttled reports are ever dropped) and the job's settlement into one `onDidJobEnd`.
 */
import { randomUUID } from 'node:crypto'
import type { JobEnd, JobKind, JobProgress } from '../../common/api'
import { CancellationTokenSource, isCancellation, type CancellationToken } from '../../common/cancellation'
import { serializeError } from '../../common/errors'
import type { EvalEvent, PredictionEvent, TrainEvent } from '../../common/events'

/** What a job reports; `keep: true` marks an event that must reach the client (e.g. a predicted slice). */
export interface JobReport {
  phase: string
  done: number
  total: number
  etaMs?: number | null
  event?: PredictionEvent | TrainEvent | EvalEvent
  keep?: boolean
}

export interface JobContext {
  jobId: string
  token: CancellationToken
  report(progress: JobReport): void
}

export interface JobListener {
  progress(p: JobProgress): void
  end(e: JobEnd): void
}

interface RunningJob {
  kind: JobKind
  source: CancellationTokenSource
  startedAt: number
  lastSentAt: number
  pending: JobProgress | null
  /** Extra cancel action (e.g. signal a child process). */
  onCancel?: () => void
  done: Promise<void>
}

/** Minimum interval between two throttled progress events of one job (ms). */
export const PROGRESS_INTERVAL_MS = 100

export class JobManager {
  private readonly jobs = new Map<string, RunningJob>()

  constructor(private readonly listener: JobListener) {}

  /**
   * Starts `work` as a job and returns its id immediately. The job ends with outcome 'ok' when work resolves,
   * 'cancelled' when it throws E_CANCELLED (or was cancelled), 'failed' otherwise (with the error).
   */
  start(kind: JobKind, work: (ctx: JobContext) => Promise<void>, options: { onCancel?: () => void } = {}): string {
    const jobId = `${kind}-${randomUUID().slice(0, 8)}`
    const source = new CancellationTokenSource()
    const job: RunningJob = {
      kind,
      source,
      startedAt: Date.now(),
      lastSentAt: 0,
      pending: null,
      onCancel: options.onCancel,
      done: Promise.resolve(),
    }
    this.jobs.set(jobId, job)
    const ctx: JobContext = { jobId, token: source.token, report: (r) => this.report(jobId, job, r) }
    job.done = (async () => {
      let end: JobEnd
      try {
        await work(ctx)
        end = this.endOf(jobId, job, source.token.isCancellationRequested ? 'cancelled' : 'ok')
      } catch (err) {
        end = isCancellation(err) || source.token.isCancellationRequested
          ? this.endOf(jobId, job, 'cancelled')
          : { ...this.endOf(jobId, job, 'failed'), error: serializeError(err) }
      }
      this.flush(job)
      this.jobs.delete(jobId)
      this.listener.end(end)
    })()
    return jobId
  }

  /** Sets (or replaces) the extra cancel action of a running job. */
  setCancelAction(jobId: string, action: () => void): void {
    const job = this.jobs.get(jobId)
    if (job) job.onCancel = action
  }

  /** Requests cancellation; resolves when the job has ended. Unknown or finished ids are ignored. */
  async cancel(jobId: string): Promise<void> {
    const job = this.jobs.get(jobId)
    if (!job) return
    job.source.cancel()
    job.onCancel?.()
    await job.done
  }

  /** Cancels every running job of a kind (or all) and waits for them. */
  async cancelAll(kind?: JobKind): Promise<void> {
    await Promise.all([...this.jobs.entries()].filter(([, j]) => !kind || j.kind === kind).map(([id]) => this.cancel(id)))
  }

  isRunning(jobId: string): boolean {
    return this.jobs.has(jobId)
  }

  private endOf(jobId: string, job: RunningJob, outcome: JobEnd['outcome']): JobEnd {
    return { jobId, kind: job.kind, outcome, elapsedMs: Date.now() - job.startedAt }
  }

  private report(jobId: string, job: RunningJob, r: JobReport): void {
    const now = Date.now()
    const progress: JobProgress = {
      jobId,
      kind: job.kind,
      phase: r.phase,
      done: r.done,
      total: r.total,
      elapsedMs: now - job.startedAt,
      etaMs: r.etaMs ?? estimateEta(now - job.startedAt, r.done, r.total),
      ...(r.event ? { event: r.event } : {}),
    }
    if (r.keep || now - job.lastSentAt >= PROGRESS_INTERVAL_MS) {
      // A throttled report still waiting goes first: events reach the client in the order they happened.
      if (r.keep) this.flush(job)
      job.pending = null
      job.lastSentAt = now
      this.listener.progress(progress)
    } else {
      job.pending = progress
    }
  }

  private flush(job: RunningJob): void {
    if (job.pending) this.listener.progress(job.pending)
    job.pending = null
  }
}

/** Linear ETA from the elapsed time and the fraction done; null before any progress. */
export function estimateEta(elapsedMs: number, done: number, total: number): number | null {
  if (!(done > 0) || !(total > done)) return done >= total && total > 0 ? 0 : null
  return Math.round((elapsedMs / done) * (total - done))
}
