/**
 * UI state of the training and evaluation windows (Svelte 5 runes): the job on show in each, the results of an
 * evaluation folder, the runs offered for resume. Plain data only; jobsController.ts changes it. Views are
 * replaced whole on each event ($state.raw), so a component reads a consistent snapshot.
 */
import type { ApiRequest, EvaluationResult, TrainingRun } from '../../../src-main/common/api'
import type { EvaluationView } from './evaluationProgress'
import type { SliceRow, StudyRow, SummaryFacts } from './evaluationResults'
import type { TrainingView } from './trainingProgress'

/** An evaluation folder read for the results view. */
export interface LoadedResults {
  out: string
  result: EvaluationResult
  facts: SummaryFacts | null
  slices: SliceRow[]
  studies: StudyRow[]
}

/** An evaluation that stopped before the end, remembered so it can be resumed (also after a restart). */
export interface UnfinishedEvaluation {
  out: string
  request: ApiRequest<'startEvaluation'>
  stoppedAt: string
}

export type DockTab = 'training' | 'evaluation'

class JobsState {
  training = $state.raw<TrainingView | null>(null)
  evaluation = $state.raw<EvaluationView | null>(null)
  /** The request of the evaluation on show (for resume). */
  evaluationRequest = $state.raw<ApiRequest<'startEvaluation'> | null>(null)
  results = $state.raw<LoadedResults | null>(null)
  resultsOpen = $state(false)
  resultsError = $state<string | null>(null)
  /** Unfinished training runs found at start (listTrainingRuns). */
  resumableRuns = $state.raw<TrainingRun[]>([])
  unfinishedEvaluation = $state.raw<UnfinishedEvaluation | null>(null)
  /** The resume offer was dismissed for this session. */
  resumeDismissed = $state(false)
  dockTab = $state<DockTab | null>(null)
  dockCollapsed = $state(false)
  /** A message for the dock's header (e.g. a refused start). */
  message = $state<string | null>(null)
}

export const jobs = new JobsState()
