/**
 * The state of one evaluation job as the evaluation panel shows it, folded from its JobProgress / JobEnd events
 * (the CLI's EvalEvents in JobProgress.event): slices done of all slices with ETA and slices/s, the study in
 * progress and its slices done, the soft Dice of the latest slice reported, and the failed studies.
 *
 * Slice events are throttled by the service (at most ~10 a second reach the page; study, failure and end events
 * and the last slice of each study always do), so per-study counts come from the running total `done` (the total
 * when the study started, exact thanks to that last slice), not from counting slice events.
 * Pure functions over plain objects (DOM-free, unit-tested).
 */
import type { JobEnd, JobProgress } from '../../../src-main/common/api'
import type { EvalEvent } from '../../../src-main/common/events'
import { jobEnding } from './jobEnding'

export type EvaluationStatus = 'starting' | 'running' | 'stopping' | 'done' | 'cancelled' | 'failed'

export interface StudyProgress {
  study: string
  /** Slices the study has to evaluate (null until its 'study' event). */
  slices: number | null
  /** Slices of this study done. */
  done: number
  /** The run's `done` when this study started. */
  doneBefore: number
  /** Soft Dice of the latest slice of this study reported (whole image, tiled). */
  last: { slice: number; diceFull: number; diceTiled: number } | null
  failed: string | null
}

export interface EvaluationView {
  /** An evaluation of one tiling, or a sweep over tile sizes × overlaps. */
  kind: 'evaluation' | 'sweep'
  jobId: string
  out: string
  data: string
  modelId: string
  status: EvaluationStatus
  model: string | null
  backend: string | null
  studies: number
  /** Studies finished by an earlier run of this folder (a resume). */
  resumed: number
  /** Index (0-based) and name of the study in progress. */
  studyIndex: number
  study: string | null
  done: number
  /** All slices, once known (null before every study has been counted). */
  total: number | null
  slicesPerSec: number | null
  etaMs: number | null
  elapsedMs: number
  perStudy: StudyProgress[]
  /** Sweep: the setting in progress (null tile: the whole image), and the settings' mean Dice once known. */
  setting: { tile: number | null; overlap: number | null } | null
  sweepPoints: { tile: number | null; overlap: number | null; meanDice: number; forwardPasses: number }[]
  error: string | null
  /** The outcome the CLI itself reported in its 'end' event. */
  cliOutcome: 'ok' | 'cancelled' | 'failed' | null
}

export function newEvaluationView(
  start: { jobId: string; out: string; data: string; modelId: string },
  kind: EvaluationView['kind'] = 'evaluation',
): EvaluationView {
  return {
    ...start,
    kind,
    setting: null,
    sweepPoints: [],
    status: 'starting',
    model: null,
    backend: null,
    studies: 0,
    resumed: 0,
    studyIndex: 0,
    study: null,
    done: 0,
    total: null,
    slicesPerSec: null,
    etaMs: null,
    elapsedMs: 0,
    perStudy: [],
    error: null,
    cliOutcome: null,
  }
}

/** Folds one progress report of this job into the view (returns a new object). */
export function applyEvaluationProgress(view: EvaluationView, p: JobProgress): EvaluationView {
  if (p.jobId !== view.jobId) return view
  const v: EvaluationView = { ...view, elapsedMs: p.elapsedMs }
  if (p.etaMs !== null) v.etaMs = p.etaMs
  const e = p.event as EvalEvent | undefined
  if (!e || !('type' in e)) return v
  const running = (): EvaluationStatus => (v.status === 'stopping' ? 'stopping' : 'running')
  switch (e.type) {
    case 'start':
      Object.assign(v, { status: running(), model: e.model, backend: e.backend, studies: e.studies, resumed: e.resumed })
      break
    case 'study':
      v.status = running()
      v.studyIndex = e.index
      v.studies = e.studies
      v.study = e.study
      v.perStudy = upsert(v.perStudy, e.study, (s) => ({ ...s, slices: e.slices, doneBefore: v.done }))
      break
    case 'slice':
      v.status = running()
      v.done = e.done
      v.total = e.total
      v.slicesPerSec = e.slicesPerSec
      if (e.etaMs !== null) v.etaMs = e.etaMs
      v.study = e.study
      v.perStudy = upsert(v.perStudy, e.study, (s) => ({
        ...s,
        done: Math.max(s.done, Math.min(s.slices ?? Infinity, e.done - s.doneBefore)),
        last: { slice: e.slice, diceFull: e.diceFull, diceTiled: e.diceTiled },
      }))
      break
    case 'sweepStep':
      v.status = running()
      v.done = e.done
      v.total = e.total
      if (e.etaMs !== null) v.etaMs = e.etaMs
      v.study = e.study
      v.setting = { tile: e.tile, overlap: e.overlap }
      break
    case 'sweepPoint':
      v.sweepPoints = [...v.sweepPoints, { tile: e.tile, overlap: e.overlap, meanDice: e.meanDice, forwardPasses: e.forwardPasses }]
      break
    case 'studyFailed':
      v.perStudy = upsert(v.perStudy, e.study, (s) => ({ ...s, failed: e.error }))
      break
    case 'end':
      v.cliOutcome = e.outcome
      if (e.error && e.outcome === 'failed') v.error = `${e.error.code}: ${e.error.message}`
      break
  }
  return v
}

/** The job's end; a cancel that reached the CLI only after it had finished (its 'end' event says ok) is done. */
export function applyEvaluationEnd(view: EvaluationView, end: JobEnd): EvaluationView {
  if (end.jobId !== view.jobId) return view
  const { outcome, fields } = jobEnding(end, view.cliOutcome, view.error)
  const status: EvaluationStatus = outcome === 'ok' ? 'done' : outcome === 'failed' ? 'failed' : 'cancelled'
  return { ...view, status, ...fields }
}

export function isEvaluationActive(view: EvaluationView | null): boolean {
  return !!view && ['starting', 'running', 'stopping'].includes(view.status)
}

/** Slices done of the study in progress, for "study 2/3 · slice 40/155". */
export function currentStudy(view: EvaluationView): StudyProgress | null {
  return view.perStudy.find((s) => s.study === view.study) ?? null
}

function upsert(list: StudyProgress[], study: string, f: (s: StudyProgress) => StudyProgress): StudyProgress[] {
  const i = list.findIndex((s) => s.study === study)
  const base: StudyProgress = i >= 0 ? list[i] : { study, slices: null, done: 0, doneBefore: 0, last: null, failed: null }
  const next = [...list]
  if (i >= 0) next[i] = f(base)
  else next.push(f(base))
  return next
}
