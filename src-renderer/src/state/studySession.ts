/**
 * The viewer's controller: boots the page (app info, models, studies), opens a study (FLAIR + label bytes →
 * StudyViewer), runs the two prediction streams and applies every user action to both the UI state (`app`) and
 * the Cornerstone viewer. Plain TS module: the viewer and the stream are never Svelte state.
 *
 * Also re-mounts the viewer when the WebGL context is lost (Cornerstone 5.0.13 cannot recover in place), from
 * the bytes and probability slices kept here.
 */
import { tick } from 'svelte'
import type { StudyInfo, TileLabApi } from '../../../src-main/common/api'
import type { PredictionMode, SliceMetrics, Tiling } from '../../../src-main/common/types'
import { fetchResource, getApi } from '../api/apiClient'
import { StudyViewer } from '../viewer/studyViewer'
import type { Layout, LeftTool, OverlayFlags, PaneId } from '../viewer/viewerTypes'
import { app } from './appState.svelte'
import { PredictionStream } from './predictionStream'
import { windowPresets } from './windowPresets'

let api: TileLabApi
let elements: Record<PaneId, HTMLDivElement>
let viewer: StudyViewer | null = null
let stream: PredictionStream | null = null
let openToken = 0
let bytes: { flair: ArrayBuffer; label: Uint8Array | null } | null = null
const slices: Record<PredictionMode, Map<number, Float32Array>> = { full: new Map(), tiled: new Map() }
let pendingMetrics: { mode: PredictionMode; z: number; metrics: SliceMetrics | null }[] = []
let flushTimer: ReturnType<typeof setTimeout> | null = null
let remounting = false

/** Starts the page: reads app info and models, then opens the study named in the URL hash or the sample study. */
export async function boot(els: Record<PaneId, HTMLDivElement>): Promise<void> {
  elements = els
  api = getApi()
  try {
    const [info, models] = await Promise.all([api.getAppInfo({}), api.listModels({})])
    performance.mark('tilelab:app-info')
    app.info = info
    app.models = models
    app.modelId = info.defaultModelId ?? models[0]?.id ?? null
    void api.listStudies({}).then((s) => (app.studies = s)).catch(() => undefined)
    const hash = new URLSearchParams(location.hash.replace(/^#/, ''))
    const target = hash.get('study') ?? info.sampleStudy
    const slice = hash.has('slice') ? Number(hash.get('slice')) : undefined
    if (target) await openStudy(target, slice)
    else {
      app.status = 'empty'
      app.message = 'No study open. Choose one with Open (O).'
    }
  } catch (err) {
    fail(err)
  }
}

export function shutdown(): void {
  teardown()
}

/**
 * Opens a study (a folder or a NIfTI file, as the host names it) and starts both predictions.
 * @param slice Axial slice k to show first; default: the slice with the most tumour, else the middle one.
 */
export async function openStudy(path: string, slice?: number): Promise<void> {
  const token = ++openToken
  app.status = 'loading'
  app.notice = null
  app.message = `Opening ${path}…`
  app.showOpen = false
  const previous = app.study
  teardown()
  if (previous) void api.closeStudy({ studyId: previous.studyId }).catch(() => undefined)
  try {
    const study = await api.openStudy({ path })
    if (token !== openToken) return
    performance.mark('tilelab:study-opened')
    const nz = study.dims[2]
    app.study = study
    app.metrics = { full: new Array(nz).fill(null), tiled: new Array(nz).fill(null) }
    app.received = { full: new Array(nz).fill(false), tiled: new Array(nz).fill(false) }
    app.resetJobs()
    const k = slice !== undefined && Number.isFinite(slice) ? slice : (study.maxTumorSlice ?? Math.floor(nz / 2))
    app.slice = Math.max(0, Math.min(nz - 1, Math.round(k)))
    const auto = windowPresets(study).find((p) => p.id === 'auto')!
    app.voi = { lower: auto.lower, upper: auto.upper }
    // Both predictions start now, current slice first: the engine loads the model and predicts while the FLAIR is
    // fetched and the viewer is built. Slices that arrive before the viewer exists are kept (`slices`) and written
    // into it when it mounts.
    startStream(study)
    void startPrediction('full')
    void startPrediction('tiled')
    app.message = 'Loading FLAIR…'
    const [flair, label] = await Promise.all([
      fetchResource(study.imageUrl),
      study.labelUrl ? fetchResource(study.labelUrl).then((b) => new Uint8Array(b)) : Promise.resolve(null),
    ])
    if (token !== openToken) return
    performance.mark('tilelab:bytes-fetched')
    bytes = { flair, label }
    await mountViewer(study, token)
  } catch (err) {
    if (token !== openToken) return
    // The predictions may already run: stop them, the study cannot be shown.
    teardown()
    app.resetJobs()
    fail(err)
  }
}

async function mountViewer(study: StudyInfo, token: number): Promise<void> {
  if (!bytes) return
  const v = await StudyViewer.create(
    elements,
    study,
    bytes.flair,
    bytes.label,
    {
      onSlice: (k) => {
        app.slice = k
      },
      onVoi: (lower, upper) => {
        app.voi = { lower, upper }
      },
      onCursor: (c) => {
        app.cursor = c
      },
      onZoom: (z) => {
        app.zoom = z
      },
      onContextLost: () => void remount(),
    },
    {
      layout: app.layout,
      flags: { ...app.flags },
      opacity: app.opacity,
      tiling: { ...app.tiling },
      voi: { ...app.voi },
      slice: app.slice,
    },
  )
  if (token !== openToken) return v.destroy()
  performance.mark('tilelab:viewer-created')
  viewer = v
  v.setLeftTool(app.leftTool)
  for (const mode of ['full', 'tiled'] as PredictionMode[]) for (const [k, p] of slices[mode]) v.putPrediction(mode, k, p)
  app.status = 'ready'
  app.message = ''
  if (app.firstRenderMs === null)
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        performance.mark('tilelab:first-render')
        app.firstRenderMs = Math.round(performance.now())
      }),
    )
}

/** Lost WebGL context: destroy the viewer and build it again from the kept bytes and slices. */
async function remount(): Promise<void> {
  if (remounting || !app.study) return
  remounting = true
  app.notice = 'Graphics context lost; restoring the view…'
  viewer?.destroy()
  viewer = null
  try {
    await new Promise((r) => setTimeout(r, 250))
    await mountViewer(app.study, openToken)
    app.notice = 'Graphics context was lost and has been restored.'
  } catch (err) {
    app.notice = `Graphics context lost and could not be restored: ${message(err)}. Reload the page.`
  } finally {
    remounting = false
  }
}

function startStream(study: StudyInfo): void {
  stream = new PredictionStream(api, study.dims[0] * study.dims[1], () => app.slice, {
    onSlice: ({ mode, event, probs }) => {
      if (!slices.full.size && !slices.tiled.size) performance.mark('tilelab:first-slice')
      slices[mode].set(event.z, probs)
      if (slices.full.size + slices.tiled.size === 2 * study.dims[2]) performance.mark('tilelab:all-slices')
      viewer?.putPrediction(mode, event.z, probs)
      pendingMetrics.push({ mode, z: event.z, metrics: event.metrics })
      flushSoon()
    },
    onProgress: (mode, done, total, etaMs) => {
      const j = app.jobs[mode]
      j.done = done
      j.total = total
      j.etaMs = etaMs
    },
    onEnd: (mode, outcome, error) => {
      const j = app.jobs[mode]
      j.error = error ? `${error.code}: ${error.message}` : null
      if (outcome === 'ok') {
        j.ended = true
        if (j.shown >= j.total) j.state = 'done'
      } else j.state = outcome
    },
    onError: (mode, msg) => {
      app.jobs[mode].error = msg
    },
  })
}

function flushSoon(): void {
  if (flushTimer) return
  flushTimer = setTimeout(() => {
    flushTimer = null
    const metrics = { full: [...app.metrics.full], tiled: [...app.metrics.tiled] }
    const received = { full: [...app.received.full], tiled: [...app.received.tiled] }
    for (const { mode, z, metrics: m } of pendingMetrics) {
      metrics[mode][z] = m
      received[mode][z] = true
    }
    pendingMetrics = []
    app.metrics = metrics
    app.received = received
    for (const mode of ['full', 'tiled'] as PredictionMode[]) {
      const j = app.jobs[mode]
      j.shown = received[mode].filter(Boolean).length
      if (j.ended && j.state === 'running' && j.shown >= j.total) j.state = 'done'
    }
  }, 80)
}

async function startPrediction(mode: PredictionMode): Promise<void> {
  const study = app.study
  if (!study || !stream || !app.modelId) {
    if (!app.modelId) app.jobs[mode].error = 'no model available'
    return
  }
  app.jobs[mode] = { state: 'running', done: 0, shown: 0, total: study.dims[2], etaMs: null, error: null, ended: false }
  try {
    await stream.start({
      studyId: study.studyId,
      modelId: app.modelId,
      mode,
      ...(mode === 'tiled' ? { tiling: { ...app.tiling } } : {}),
      firstSlice: app.slice,
    })
  } catch (err) {
    app.jobs[mode] = { ...app.jobs[mode], state: 'failed', error: message(err) }
  }
}

function clearMode(mode: PredictionMode): void {
  slices[mode].clear()
  viewer?.clearPrediction(mode)
  pendingMetrics = pendingMetrics.filter((p) => p.mode !== mode)
  const nz = app.study?.dims[2] ?? 0
  app.metrics = { ...app.metrics, [mode]: new Array(nz).fill(null) }
  app.received = { ...app.received, [mode]: new Array(nz).fill(false) }
}

function teardown(): void {
  stream?.dispose()
  stream = null
  viewer?.destroy()
  viewer = null
  bytes = null
  slices.full.clear()
  slices.tiled.clear()
  pendingMetrics = []
  app.cursor = null
}

function fail(err: unknown): void {
  app.status = 'error'
  app.message = message(err)
}

function message(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && 'message' in err) return `${String(err.code)}: ${String(err.message)}`
  return err instanceof Error ? err.message : String(err)
}

// -------------------------------------------------------------------------------------------------------------
// User actions

export function setSlice(k: number): void {
  const nz = app.study?.dims[2] ?? 0
  if (!nz) return
  const kk = Math.max(0, Math.min(nz - 1, Math.round(k)))
  app.slice = kk
  viewer?.setSlice(kk)
}

export function stepSlice(delta: number): void {
  setSlice(app.slice + delta)
}

export function toggleFlag(key: keyof OverlayFlags): void {
  app.flags[key] = !app.flags[key]
  viewer?.setFlags({ ...app.flags })
}

export function setOpacity(value: number): void {
  app.opacity = Math.max(0, Math.min(1, value))
  viewer?.setOpacity(app.opacity)
}

export async function setLayout(layout: Layout): Promise<void> {
  app.layout = layout
  await tick() // the side pane must be laid out before Cornerstone enables it
  await viewer?.setLayout(layout)
}

export function setLeftTool(tool: LeftTool): void {
  app.leftTool = tool
  viewer?.setLeftTool(tool)
}

export function setWindow(lower: number, upper: number): void {
  app.voi = { lower, upper }
  viewer?.setVoi(lower, upper)
}

export function resetView(): void {
  viewer?.resetView()
}

/** Re-predicts the tiled overlay with a new tiling (the full-image prediction does not depend on it). */
export async function applyTiling(tiling: Tiling): Promise<void> {
  app.tiling = { ...tiling }
  viewer?.setTiling(app.tiling)
  await stream?.cancel('tiled')
  clearMode('tiled')
  await startPrediction('tiled')
}

export async function selectModel(modelId: string): Promise<void> {
  if (modelId === app.modelId) return
  app.modelId = modelId
  for (const mode of ['full', 'tiled'] as PredictionMode[]) {
    await stream?.cancel(mode)
    clearMode(mode)
    void startPrediction(mode)
  }
}

/** Debug hook for the e2e harness: the slice each pane's camera shows. */
export function paneSlicesForTest(): Record<string, number> {
  return viewer?.paneSlices() ?? {}
}

/** Debug hook for the e2e harness: the FLAIR window each pane applies. */
export function paneVoiForTest(): Record<string, [number, number]> {
  return viewer?.paneVoi() ?? {}
}

/** Debug hook for the e2e harness: loses the WebGL context of the viewer (WEBGL_lose_context). */
export function loseContextForTest(): boolean {
  const canvas = viewer?.glCanvases()[0]
  const gl = canvas?.getContext('webgl2') as WebGL2RenderingContext | null | undefined
  const ext = gl?.getExtension('WEBGL_lose_context')
  ext?.loseContext()
  return !!ext
}
