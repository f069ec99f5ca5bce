/**
 * The state of one training job as the training panel shows it, folded from the job's JobProgress / JobEnd
 * events (the CLI's TrainEvents ride in JobProgress.event): the progress bar (steps done of epochs × steps), ETA
 * and images/s, the per-step loss, the per-epoch loss and validation Dice (full image and tiled), the best
 * checkpoint, the last log lines and the outcome. Pure functions over plain objects (DOM-free, unit-tested).
 */
import type { JobEnd, JobProgress, TrainingEpoch } from '../../../src-main/common/api'
import type { TrainEvent } from '../../../src-main/common/events'
import { jobEnding } from './jobEnding'

export type TrainingStatus = 'starting' | 'training' | 'validating' | 'stopping' | 'done' | 'paused' | 'cancelled' | 'failed'

export interface StepPoint {
  /** Epochs elapsed, fractional: (epoch − 1) + step / stepsPerEpoch. */
  x: number
  epoch: number
  step: number
  loss: number
}

export interface EpochPoint {
  epoch: number
  loss: number
  valDiceFull: number | null
  valDiceTiled: number | null
}

export interface TrainingView {
  jobId: string
  name: string
  /** The model folder the run writes. */
  out: string
  data: string
  status: TrainingStatus
  backend: string | null
  parameters: number | null
  trainCases: number
  valCases: number
  epochs: number
  stepsPerEpoch: number
  batchSize: number
  epoch: number
  step: number
  /** Steps done (resumed ones included) of `total`. */
  done: number
  total: number
  imagesPerSec: number | null
  etaMs: number | null
  elapsedMs: number
  steps: StepPoint[]
  epochRows: EpochPoint[]
  /** Epoch of the checkpoint in the model folder (best validation full-image Dice), null before the first epoch. */
  bestEpoch: number | null
  /** Epochs done before this run (a resume), null for a fresh run. */
  resumedFromEpoch: number | null
  log: string[]
  error: string | null
  /** The outcome the CLI itself reported in its 'end' event (a stop asked for just after the last epoch ends 'ok'). */
  cliOutcome: 'ok' | 'cancelled' | 'failed' | null
}

/** Most per-step points kept for the curve (older ones are thinned to every other one). */
export const MAX_STEP_POINTS = 2000
const LOG_LINES = 6

/** A new view for a job just started; `history` are the epochs of a resumed run. */
export function newTrainingView(
  start: { jobId: string; name: string; out: string; data: string },
  history: readonly TrainingEpoch[] = [],
): TrainingView {
  return {
    ...start,
    status: 'starting',
    backend: null,
    parameters: null,
    trainCases: 0,
    valCases: 0,
    epochs: 0,
    stepsPerEpoch: 0,
    batchSize: 0,
    epoch: 0,
    step: 0,
    done: 0,
    total: 0,
    imagesPerSec: null,
    etaMs: null,
    elapsedMs: 0,
    steps: [],
    epochRows: history.map((h) => ({ ...h })),
    bestEpoch: bestOf(history),
    resumedFromEpoch: null,
    log: [],
    error: null,
    cliOutcome: null,
  }
}

/** Folds one progress report of this job into the view (returns a new object; the input is not changed). */
export function applyTrainingProgress(view: TrainingView, p: JobProgress): TrainingView {
  if (p.jobId !== view.jobId) return view
  const v: TrainingView = { ...view, done: p.done, total: p.total, elapsedMs: p.elapsedMs }
  if (p.etaMs !== null) v.etaMs = p.etaMs
  const e = p.event as TrainEvent | undefined
  if (!e || !('type' in e)) return v
  switch (e.type) {
    case 'start':
      Object.assign(v, {
        status: v.status === 'stopping' ? 'stopping' : 'training',
        backend: e.backend,
        parameters: e.parameters,
        trainCases: e.trainCases.length,
        valCases: e.valCases.length,
        epochs: e.epochs,
        stepsPerEpoch: e.stepsPerEpoch,
        batchSize: e.batchSize,
        resumedFromEpoch: e.resumedFromEpoch,
        epoch: (e.resumedFromEpoch ?? 0) + 1,
        step: e.resumedFromStep ?? 0,
      })
      // A resumed run redoes nothing before its checkpoint: keep only the epochs it had finished.
      v.epochRows = v.epochRows.filter((r) => r.epoch <= (e.resumedFromEpoch ?? 0))
      break
    case 'step': {
      v.epoch = e.epoch
      v.step = e.step
      v.stepsPerEpoch = e.stepsPerEpoch
      v.imagesPerSec = e.imagesPerSec
      if (e.etaMs !== null) v.etaMs = e.etaMs
      if (v.status !== 'stopping') v.status = e.step === e.stepsPerEpoch ? 'validating' : 'training'
      v.steps = addStep(v.steps, { x: e.epoch - 1 + e.step / e.stepsPerEpoch, epoch: e.epoch, step: e.step, loss: e.loss })
      break
    }
    case 'epoch':
      v.epoch = e.epoch
      v.epochs = e.epochs
      v.bestEpoch = e.bestEpoch
      v.epochRows = [
        ...v.epochRows.filter((r) => r.epoch !== e.epoch),
        { epoch: e.epoch, loss: e.loss, valDiceFull: e.valDiceFull, valDiceTiled: e.valDiceTiled },
      ]
      if (v.status !== 'stopping') v.status = 'training'
      break
    case 'log':
      v.log = [...v.log, e.message].slice(-LOG_LINES)
      if (/^epoch \d+: validating/.test(e.message) && v.status !== 'stopping') v.status = 'validating'
      break
    case 'end':
      v.cliOutcome = e.outcome
      if (e.error && e.outcome === 'failed') v.error = `${e.error.code}: ${e.error.message}`
      break
  }
  return v
}

/**
 * The job's end. A cancelled job is 'paused' when the user asked for a pause (it can be resumed from its
 * checkpoint), else 'cancelled'; but when the CLI had finished every epoch before the stop reached it (its 'end'
 * event says ok), the run is done.
 */
export function applyTrainingEnd(view: TrainingView, end: JobEnd, paused: boolean): TrainingView {
  if (end.jobId !== view.jobId) return view
  const { outcome, fields } = jobEnding(end, view.cliOutcome, view.error)
  const status: TrainingStatus = outcome === 'ok' ? 'done' : outcome === 'failed' ? 'failed' : paused ? 'paused' : 'cancelled'
  return { ...view, status, ...fields }
}

/** True while the job's process runs. */
export function isTrainingActive(view: TrainingView | null): boolean {
  return !!view && ['starting', 'training', 'validating', 'stopping'].includes(view.status)
}

function bestOf(history: readonly TrainingEpoch[]): number | null {
  let best: TrainingEpoch | null = null
  for (const h of history) if (h.valDiceFull !== null && (best === null || h.valDiceFull > (best.valDiceFull ?? -1))) best = h
  return best?.epoch ?? null
}

function addStep(steps: StepPoint[], point: StepPoint): StepPoint[] {
  const next = [...steps.filter((s) => s.x < point.x), point]
  // Past the limit, keep every other old point: the curve's shape stays, the chart stays light.
  return next.length > MAX_STEP_POINTS ? [...next.slice(0, -1).filter((_, i) => i % 2 === 0), point] : next
}
