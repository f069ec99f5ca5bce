/**
 * The controller of the training and evaluation windows: starts, pauses, cancels and resumes jobs through the
 * API, folds their events into `jobs` (jobsState.svelte.ts), reads evaluation folders for the results view, and
 * leads back from a result to the viewer (open the study at the slice with the run's model and tiling).
 *
 * Jobs belong to the engine service, not to the page: events are matched by job id (events that arrive before
 * the start call has answered are kept and replayed). A page that goes away while a job runs has asked first
 * (closeGuard.ts) and stops it, so the run keeps its last checkpoint and is offered for resume next time.
 */
import type { ApiRequest, JobEnd, JobProgress, TileLabApi, TrainingRun } from '../../../src-main/common/api'
import { getApi } from '../api/apiClient'
import { app } from '../state/appState.svelte'
import * as session from '../state/studySession'
import { installCloseGuard } from './closeGuard'
import { applyEvaluationEnd, applyEvaluationProgress, isEvaluationActive, newEvaluationView } from './evaluationProgress'
import { modelIdFor, sliceRows, studyPath, studyRows, summaryFacts, type SliceRow } from './evaluationResults'
import { jobs, type UnfinishedEvaluation } from './jobsState.svelte'
import { applyTrainingEnd, applyTrainingProgress, isTrainingActive, newTrainingView } from './trainingProgress'

const UNFINISHED_EVALUATION_KEY = 'tilelab.unfinishedEvaluation'

let api: TileLabApi
/** Events of jobs whose start call has not answered yet, by job id. */
const early = new Map<string, (JobProgress | JobEnd)[]>()
let pausing = false

/** Subscribes to job events, installs the close guard and looks for runs to resume. Returns the teardown. */
export function initJobs(): () => void {
  api = getApi()
  const offProgress = api.on('onDidJobProgress', onProgress)
  const offEnd = api.on('onDidJobEnd', onEnd)
  const removeGuard = installCloseGuard()
  jobs.unfinishedEvaluation = loadUnfinishedEvaluation()
  void refreshResumableRuns()
  return () => {
    offProgress()
    offEnd()
    removeGuard()
  }
}

/** Unfinished training runs (not the one on show), for the resume offer. */
export async function refreshResumableRuns(): Promise<void> {
  try {
    const runs = await api.listTrainingRuns({})
    jobs.resumableRuns = runs.filter((r) => !r.finished && !(isTrainingActive(jobs.training) && jobs.training!.out === r.dir))
  } catch {
    jobs.resumableRuns = []
  }
}

function onProgress(p: JobProgress): void {
  if (p.kind === 'prediction') return
  if (jobs.training?.jobId === p.jobId) jobs.training = applyTrainingProgress(jobs.training, p)
  else if (jobs.evaluation?.jobId === p.jobId) jobs.evaluation = applyEvaluationProgress(jobs.evaluation, p)
  else keepEarly(p)
}

function onEnd(e: JobEnd): void {
  if (e.kind === 'prediction') return
  if (jobs.training?.jobId === e.jobId) {
    jobs.training = applyTrainingEnd(jobs.training, e, pausing)
    pausing = false
    void refreshModels()
    void refreshResumableRuns()
  } else if (jobs.evaluation?.jobId === e.jobId) {
    jobs.evaluation = applyEvaluationEnd(jobs.evaluation, e)
    if (jobs.evaluation.status === 'done') {
      if (jobs.evaluation.kind === 'evaluation') saveUnfinishedEvaluation(null)
      void openResults(jobs.evaluation.out)
    } else if (jobs.evaluationRequest && jobs.evaluation.kind === 'evaluation') {
      saveUnfinishedEvaluation({ out: jobs.evaluation.out, request: jobs.evaluationRequest, stoppedAt: new Date().toISOString() })
    }
  } else keepEarly(e)
}

function keepEarly(e: JobProgress | JobEnd): void {
  const list = early.get(e.jobId) ?? []
  list.push(e)
  early.set(e.jobId, list.slice(-500))
  if (early.size > 20) early.delete(early.keys().next().value!)
}

function replayEarly(jobId: string): void {
  const list = early.get(jobId)
  early.delete(jobId)
  for (const e of list ?? []) ('done' in e ? onProgress(e) : onEnd(e))
}

function message(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && 'message' in err) return `${String(err.code)}: ${String(err.message)}`
  return err instanceof Error ? err.message : String(err)
}

// ---------------------------------------------------------------------------------------------------------------
// Training

/**
 * Starts a training job (or resumes one: `request.resume`), shows it in the dock.
 * @param history Epochs done before, for the curves of a resumed run.
 * @throws the API's error (the dialog shows it).
 */
export async function startTraining(request: ApiRequest<'startTraining'>, history: TrainingRun['history'] = []): Promise<void> {
  if (isTrainingActive(jobs.training)) throw new Error('a training job is running already: pause or cancel it first')
  const { jobId, out } = await api.startTraining(request)
  pausing = false
  jobs.training = newTrainingView({ jobId, name: request.name, out, data: request.data }, history)
  jobs.dockTab = 'training'
  jobs.dockCollapsed = false
  jobs.resumableRuns = jobs.resumableRuns.filter((r) => r.dir !== out)
  replayEarly(jobId)
}

/** Pause = stop after the current step; the CLI saves checkpoints/last; Resume continues from it. */
export async function pauseTraining(): Promise<void> {
  await stopTraining(true)
}

/** Cancel: the same stop (the last checkpoint is kept), shown as cancelled. */
export async function cancelTraining(): Promise<void> {
  await stopTraining(false)
}

async function stopTraining(pause: boolean): Promise<void> {
  const t = jobs.training
  if (!t || !isTrainingActive(t)) return
  pausing = pause
  jobs.training = { ...t, status: 'stopping' }
  try {
    await api.cancelJob({ jobId: t.jobId })
  } catch (err) {
    jobs.message = `could not stop the training: ${message(err)}`
  }
}

/** Resumes a run from its checkpoint (the dock's Resume, or the offer at start). */
export async function resumeTraining(run: { name: string; data: string | null; history?: TrainingRun['history'] }): Promise<void> {
  jobs.message = null
  try {
    if (!run.data) throw new Error(`the checkpoint of '${run.name}' does not name its data folder`)
    await startTraining({ data: run.data, name: run.name, resume: true }, run.history ?? jobs.training?.epochRows ?? [])
  } catch (err) {
    jobs.message = `could not resume '${run.name}': ${message(err)}`
  }
}

/** Re-reads the model list (a trained model joins it). */
export async function refreshModels(): Promise<void> {
  try {
    app.models = await api.listModels({})
  } catch {
    /* the list stays as it was */
  }
}

/** The trained model of the job on show, once it is listed. */
export function trainedModelId(): string | null {
  const t = jobs.training
  if (!t) return null
  const norm = (p: string) => p.replace(/[\\/]+$/, '')
  return app.models.find((m) => norm(m.dir) === norm(t.out))?.id ?? null
}

/** "Use this model": re-predicts the open study with the trained model. */
export async function useTrainedModel(): Promise<void> {
  await refreshModels()
  const id = trainedModelId()
  if (!id) {
    jobs.message = 'the model is not in the model list yet (no epoch finished?)'
    return
  }
  await session.selectModel(id)
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation

/** Starts (or resumes: `request.resume` with its `out`) an evaluation; shows it in the dock. */
export async function startEvaluation(request: ApiRequest<'startEvaluation'>): Promise<void> {
  if (isEvaluationActive(jobs.evaluation)) throw new Error('an evaluation is running already: cancel it first')
  const { jobId, out } = await api.startEvaluation(request)
  jobs.evaluation = newEvaluationView({ jobId, out, data: request.data, modelId: request.modelId })
  // Resuming means the same request with resume and the same out.
  jobs.evaluationRequest = { ...request, out }
  jobs.dockTab = 'evaluation'
  jobs.dockCollapsed = false
  saveUnfinishedEvaluation({ out, request: { ...request, out }, stoppedAt: new Date().toISOString() })
  replayEarly(jobId)
}

/** Starts a sweep of tile sizes × overlaps (`tilelab sweep`); shown in the evaluation tab, results as Dice against cost. */
export async function startSweep(request: ApiRequest<'startSweep'>): Promise<void> {
  if (isEvaluationActive(jobs.evaluation)) throw new Error('an evaluation is running already: cancel it first')
  const { jobId, out } = await api.startSweep(request)
  jobs.evaluation = newEvaluationView({ jobId, out, data: request.data, modelId: request.modelId }, 'sweep')
  jobs.evaluationRequest = null
  jobs.dockTab = 'evaluation'
  jobs.dockCollapsed = false
  replayEarly(jobId)
}

export async function cancelEvaluation(): Promise<void> {
  const v = jobs.evaluation
  if (!v || !isEvaluationActive(v)) return
  jobs.evaluation = { ...v, status: 'stopping' }
  try {
    await api.cancelJob({ jobId: v.jobId })
  } catch (err) {
    jobs.message = `could not cancel the evaluation: ${message(err)}`
  }
}

/** Continues a stopped evaluation in its folder (studies already done are kept). */
export async function resumeEvaluation(unfinished: UnfinishedEvaluation | null = jobs.unfinishedEvaluation): Promise<void> {
  const request = jobs.evaluation && !isEvaluationActive(jobs.evaluation) && jobs.evaluationRequest ? jobs.evaluationRequest : unfinished?.request
  if (!request) return
  jobs.message = null
  try {
    await startEvaluation({ ...request, resume: true })
  } catch (err) {
    jobs.message = `could not resume the evaluation: ${message(err)}`
  }
}

/** Forgets the unfinished evaluation offered for resume. */
export function dismissUnfinishedEvaluation(): void {
  saveUnfinishedEvaluation(null)
}

function saveUnfinishedEvaluation(u: UnfinishedEvaluation | null): void {
  jobs.unfinishedEvaluation = u
  try {
    if (u) localStorage.setItem(UNFINISHED_EVALUATION_KEY, JSON.stringify(u))
    else localStorage.removeItem(UNFINISHED_EVALUATION_KEY)
  } catch {
    /* storage unavailable: the offer lasts this session only */
  }
}

function loadUnfinishedEvaluation(): UnfinishedEvaluation | null {
  try {
    const text = localStorage.getItem(UNFINISHED_EVALUATION_KEY)
    const u = text ? (JSON.parse(text) as UnfinishedEvaluation) : null
    return u && typeof u.out === 'string' && u.request && typeof u.request.data === 'string' ? u : null
  } catch {
    return null
  }
}

/** Reads an evaluation folder and shows the results view. */
export async function openResults(out: string): Promise<void> {
  jobs.resultsError = null
  try {
    const result = await api.readEvaluation({ out })
    const slices = sliceRows(result)
    jobs.results = { out, result, facts: summaryFacts(result.summary), slices, studies: studyRows(result.summary, slices) }
    jobs.resultsOpen = true
  } catch (err) {
    jobs.resultsError = message(err)
    jobs.results = null
    jobs.resultsOpen = true
  }
}

/**
 * Opens a result's study in the viewer at its slice, with the whole-image and tiled overlays on, predicted with
 * the run's model and tiling, so the viewer's Dice readout can be set beside the table's.
 */
export async function openSliceInViewer(row: Pick<SliceRow, 'study' | 'slice'>): Promise<void> {
  const r = jobs.results
  if (!r?.facts) return
  if (!app.models.some((m) => m.dir === r.facts!.model.dir)) await refreshModels()
  const modelId = modelIdFor(r.facts.model, app.models)
  if (modelId) app.modelId = modelId
  else app.notice = `The model of this evaluation (${r.facts.model.name}) is not in the model list; predicting with the current one.`
  app.tiling = { ...r.facts.tiling }
  app.flags = { ...app.flags, fullHeat: true, tiledHeat: true, gt: true }
  jobs.resultsOpen = false
  await session.openStudy(studyPath(r.facts.data, row.study), row.slice)
}
