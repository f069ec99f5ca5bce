/**
 * The UI state of the viewer window (Svelte 5 runes). Only plain data lives here: Cornerstone and vtk objects
 * stay in studySession.ts / studyViewer.ts. Large objects that are replaced whole use $state.raw.
 */
import type { AppInfo, ModelSummary, StudyInfo, StudySummary } from '../../../src-main/common/api'
import type { PredictionMode, SliceMetrics, Tiling } from '../../../src-main/common/types'
import { PAPER_TILING } from '../../../src-main/common/types'
import type { CursorReadout, Layout, LeftTool, OverlayFlags } from '../viewer/viewerTypes'

export type Status = 'starting' | 'loading' | 'ready' | 'empty' | 'error'

/** Dialogs the desktop app's menu opens (Model > Train..., File > Evaluate Folder..., Model > Load Model...). */
export type ShellDialog = 'train' | 'evaluate' | 'models'

export interface JobState {
  /** 'done' only once the job ended well AND every slice is on screen. */
  state: 'idle' | 'running' | 'done' | 'cancelled' | 'failed'
  /** Slices the service has predicted. */
  done: number
  /** Slices fetched and written into the overlay. */
  shown: number
  total: number
  etaMs: number | null
  error: string | null
  /** The service reported the job's end (ok). */
  ended: boolean
}

export const DEFAULT_FLAGS: OverlayFlags = {
  gt: true,
  fullHeat: true,
  fullContour: false,
  tiledHeat: true,
  tiledContour: false,
  diff: false,
  grid: false,
}

const idleJob = (): JobState => ({ state: 'idle', done: 0, shown: 0, total: 0, etaMs: null, error: null, ended: false })

class AppState {
  status = $state<Status>('starting')
  message = $state('Starting…')
  notice = $state<string | null>(null)
  info = $state.raw<AppInfo | null>(null)
  models = $state.raw<ModelSummary[]>([])
  modelId = $state<string | null>(null)
  studies = $state.raw<StudySummary[]>([])
  study = $state.raw<StudyInfo | null>(null)
  slice = $state(0)
  layout = $state<Layout>('side')
  flags = $state<OverlayFlags>({ ...DEFAULT_FLAGS })
  opacity = $state(0.6)
  /** The tiling of the tiled overlay on screen (what was last requested). */
  tiling = $state<Tiling>({ ...PAPER_TILING })
  leftTool = $state<LeftTool>('windowLevel')
  voi = $state({ lower: 0, upper: 1 })
  zoom = $state(1)
  cursor = $state.raw<CursorReadout | null>(null)
  /** Metrics per axial slice as the events carried them; index k. */
  metrics = $state.raw<Record<PredictionMode, (SliceMetrics | null)[]>>({ full: [], tiled: [] })
  /** Slices received per mode (a slice may be predicted but metrics null without a label). */
  received = $state.raw<Record<PredictionMode, boolean[]>>({ full: [], tiled: [] })
  jobs = $state<Record<PredictionMode, JobState>>({ full: idleJob(), tiled: idleJob() })
  showHelp = $state(false)
  showOpen = $state(false)
  /** The menu dialog on screen, if any. */
  dialog = $state<ShellDialog | null>(null)
  /** ms from navigation start to the first rendered frame of the study. */
  firstRenderMs = $state<number | null>(null)

  resetJobs(mode?: PredictionMode): void {
    for (const m of mode ? [mode] : (['full', 'tiled'] as PredictionMode[])) this.jobs[m] = idleJob()
  }
}

export const app = new AppState()
