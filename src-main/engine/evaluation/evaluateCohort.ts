/**
 * `tilelab evaluate`: whole-image vs tiled prediction over every axial slice of every study of a cohort, with the
 * paper's statistics. The model comes in as a Predictor (dependency injection: ONNX Runtime, tfjs, or an oracle in
 * tests) plus its metadata.
 *
 * - Studies: `findStudies(data)`, sorted by path; ids are the study folders relative to the cohort root. A folder
 *   whose files cannot be chosen or read is recorded in `failed` with its error and the batch goes on. A study
 *   without a label map, or (with `slices: 'tumor'`) without tumour, is recorded in `skipped` with the reason: it
 *   has no ground truth to score, so it is neither a failure nor a zero.
 * - Shards: `shard` keeps a deterministic 1/n of the studies (shard.ts); `tilelab merge` joins shard folders.
 * - Resume: each finished study is written atomically to parts/ (runFolder.ts). With `resume`, studies already on
 *   disk are not evaluated again (failed ones are retried) and the settings must equal those on disk; the final
 *   files are made from the parts, so they equal those of an uninterrupted run. `resume` on a folder without
 *   run.json starts a fresh run, so one command line serves first attempts and retries (e.g. Slurm requeue).
 * - Cancellation: the token is checked between chunks of slices (and by inference between batches) and between
 *   studies; a cancelled run keeps its finished studies and can be resumed.
 * - Events: EvalEvent (common/events.ts) — start, study, slice (with slices/s and ETA), studyFailed, end.
 *
 * @source paper-spec §4-§5 (what is predicted and measured), issue 4 (outputs, resume, shards).
 */
import { mkdir } from 'node:fs/promises'
import { basename, join, relative, resolve, sep } from 'node:path'
import { isCancellation, throwIfCancelled, type CancellationToken } from '../../common/cancellation'
import { EngineError, serializeError } from '../../common/errors'
import type { EvalEvent } from '../../common/events'
import { PAPER_TILING, type Normalization, type Tiling } from '../../common/types'
import { writeFileAtomic } from '../io/atomicWrite'
import { findStudies } from '../io/cohort'
import { loadStudy, type Study } from '../io/study'
import type { Predictor } from '../inference/predictor'
import { validateTiling } from '../inference/tiling'
import { intensityWindow, renderSlicePanels } from '../render/slicePanels'
import { BOOTSTRAP_DEFAULTS } from './bootstrap'
import { evaluateStudy, selectSlices, type StudyEvaluation } from './evaluateStudy'
import { PANELS_DIR, panelFile, readManifest, readPart, settingsDifferences, writeManifest, writePart, type PanelInfo, type RunSettings, type StudyPart } from './runFolder'
import { selectShard, type Shard } from './shard'
import type { EvaluationSummary } from './summary'
import { writeEvaluationOutputs } from './writeOutputs'

/** What the report and the manifest say about the model. */
export interface ModelInfo {
  name: string
  dir: string | null
  /** Content hash of the model files (modelInfo.ts), so a resume with other weights is refused. */
  fingerprint?: string | null
}

export interface EvaluateCohortOptions {
  /** Cohort folder (studies at any depth). */
  data: string
  /** Output folder (created). */
  out: string
  predictor: Predictor
  model: ModelInfo
  /** Default: the paper's 128 px, overlap 0.5, mean blend. */
  tiling?: Tiling
  /** 'all' (default, the paper) or 'tumor'. */
  slices?: 'all' | 'tumor'
  /** How the model expects FLAIR z-scored (default 'slice'; the model card says). */
  normalization?: Normalization
  shard?: Shard | null
  /**
   * Only these studies: ids relative to the cohort folder as slices.csv names them, or study folder names
   * (e.g. a model card's held-out case ids). Default: every study.
   */
  studies?: readonly string[]
  resume?: boolean
  /** Worst slices pictured in the report (default 6); also how many each study keeps. */
  panels?: number
  bootstrapSeed?: number
  bootstrapResamples?: number
  /** Write report.html (default true). */
  report?: boolean
  token?: CancellationToken
  onEvent?: (event: EvalEvent) => void
}

export interface EvaluateCohortResult {
  out: string
  summary: EvaluationSummary
  /** Studies taken from disk instead of evaluated (resume). */
  resumedStudies: number
}

interface Entry {
  id: string
  path: string
  discoveryError: string | null
}

/**
 * Evaluates a cohort and writes slices.csv, summary.json, report.html and the resumable run folder.
 *
 * @throws EngineError E_ARGS for bad settings, for an --out that already holds a run without `resume`, or for a
 *   resume whose settings differ from those on disk (each difference named); E_IO / E_STUDY when the cohort folder
 *   is missing or empty; E_CANCELLED when the token fires; predictor errors (E_MODEL, E_MEMORY) end the run.
 */
export async function evaluateCohort(options: EvaluateCohortOptions): Promise<EvaluateCohortResult> {
  const out = resolve(options.out)
  const settings = runSettings(options)
  const emit = options.onEvent ?? (() => undefined)
  const cohort = await findStudies(options.data)
  const entries = selectShard(selectStudies(cohortEntries(cohort.root, cohort), settings.studies ?? null), settings.shard)
  await prepareFolder(out, settings, entries, options.resume === true)
  const progress = new Progress()
  const todo: Entry[] = []
  for (const e of entries) {
    const part = await readPart(out, e.id)
    if (part && part.status !== 'failed') progress.resume(part.status === 'ok' ? part.records.length : 0)
    else todo.push(e)
  }
  const resumedStudies = entries.length - todo.length
  emit({ type: 'start', out, studies: entries.length, model: settings.model.name, backend: settings.engine, resumed: resumedStudies })
  try {
    progress.plan(todo.length)
    for (const [i, entry] of todo.entries()) {
      throwIfCancelled(options.token, 'evaluation')
      const part = await evaluateEntry(entry, resumedStudies + i, entries.length, options, settings, out, progress, emit)
      await writePart(out, part)
      if (part.status === 'failed') emit({ type: 'studyFailed', study: entry.id, error: part.error })
    }
    const summary = await writeEvaluationOutputs(out, { report: options.report, generatedAt: new Date().toISOString() })
    emit({ type: 'end', outcome: 'ok', out })
    return { out, summary, resumedStudies }
  } catch (err) {
    emit({ type: 'end', outcome: isCancellation(err) ? 'cancelled' : 'failed', out, error: serializeError(err) })
    throw err
  }
}

/** The settings of a run from its options, validated. @throws EngineError E_ARGS naming the value. */
export function runSettings(o: EvaluateCohortOptions): RunSettings {
  const tiling = o.tiling ?? PAPER_TILING
  validateTiling(tiling, o.predictor.inputMultiple)
  const slices = o.slices ?? 'all'
  if (slices !== 'all' && slices !== 'tumor')
    throw new EngineError('E_ARGS', `slices must be 'all' or 'tumor', received ${JSON.stringify(slices)}`)
  const normalization = o.normalization ?? 'slice'
  if (normalization !== 'slice' && normalization !== 'volume')
    throw new EngineError('E_ARGS', `normalization must be 'slice' or 'volume', received ${JSON.stringify(normalization)}`)
  const panels = o.panels ?? 6
  if (!Number.isInteger(panels) || panels < 0 || panels > 100)
    throw new EngineError('E_ARGS', `panels must be an integer in [0, 100], received ${panels}`)
  return {
    data: resolve(o.data),
    model: { name: o.model.name, dir: o.model.dir, fingerprint: o.model.fingerprint ?? null },
    engine: o.predictor.engine,
    tile: tiling.tile,
    overlap: tiling.overlap,
    blend: tiling.blend,
    slices,
    normalization,
    shard: o.shard ?? null,
    bootstrapSeed: o.bootstrapSeed ?? BOOTSTRAP_DEFAULTS.seed,
    bootstrapResamples: o.bootstrapResamples ?? BOOTSTRAP_DEFAULTS.resamples,
    panels,
    studies: o.studies ? [...o.studies].sort() : null,
  }
}

/**
 * Keeps the entries named in `studies` (by id or by folder name).
 * @throws EngineError E_ARGS naming the studies that are not in the cohort.
 */
function selectStudies(entries: Entry[], studies: readonly string[] | null): Entry[] {
  if (!studies) return entries
  const wanted = new Set(studies)
  const kept = entries.filter((e) => wanted.has(e.id) || wanted.has(basename(e.path)))
  const found = new Set(kept.flatMap((e) => [e.id, basename(e.path)]))
  const missing = studies.filter((s) => !found.has(s))
  if (missing.length > 0) throw new EngineError('E_ARGS', `studies not in the cohort: ${missing.join(', ')}`)
  return kept
}

/** Study id: the folder relative to the cohort root, '/'-separated (its own name when it is the root). */
export function studyId(root: string, path: string): string {
  const rel = relative(root, path).split(sep).join('/')
  return rel === '' ? basename(path) : rel
}

function cohortEntries(root: string, cohort: Awaited<ReturnType<typeof findStudies>>): Entry[] {
  const entries: Entry[] = [
    ...cohort.studies.map((s) => ({ id: studyId(root, s.path), path: s.path, discoveryError: null })),
    ...cohort.failures.map((f) => ({ id: studyId(root, f.path), path: f.path, discoveryError: `${f.error.code}: ${f.error.message}` })),
  ]
  return entries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

async function prepareFolder(out: string, settings: RunSettings, entries: Entry[], resume: boolean): Promise<void> {
  const existing = await readManifest(out)
  if (existing && !resume)
    throw new EngineError('E_ARGS', `${out} already holds an evaluation (run.json); pass --resume to continue it or choose another --out`)
  if (existing) {
    const diffs = settingsDifferences(existing.settings, settings)
    if (diffs.length > 0)
      throw new EngineError('E_ARGS', `cannot resume ${out}: settings differ from the run on disk: ${diffs.join('; ')}`)
  }
  await mkdir(join(out, PANELS_DIR), { recursive: true })
  await writeManifest(out, { tool: 'tilelab evaluate', version: 1, settings, studies: entries.map((e) => e.id) })
}

async function evaluateEntry(
  entry: Entry,
  index: number,
  total: number,
  options: EvaluateCohortOptions,
  settings: RunSettings,
  out: string,
  progress: Progress,
  emit: (e: EvalEvent) => void,
): Promise<StudyPart> {
  const t0 = performance.now()
  const seconds = (): number => Math.round(performance.now() - t0) / 1000
  const base = { study: entry.id, path: entry.path }
  if (entry.discoveryError) return { ...base, status: 'failed', error: entry.discoveryError, seconds: seconds() }
  let study: Study
  try {
    study = await loadStudy(entry.path)
  } catch (err) {
    const e = serializeError(err)
    return { ...base, status: 'failed', error: `${e.code}: ${e.message}`, seconds: seconds() }
  }
  if (!study.wholeTumor)
    return { ...base, status: 'skipped', reason: 'no ground-truth label map (nothing to score Dice against)', seconds: seconds() }
  const slices = selectSlices(study, settings.slices)
  if (slices.length === 0)
    return { ...base, status: 'skipped', reason: 'no slice holds ground-truth tumour (--slices tumor)', seconds: seconds() }
  progress.studyLoaded(slices.length)
  emit({ type: 'study', study: entry.id, index, studies: total, slices: slices.length })
  const result = await evaluateStudy(entry.id, study, options.predictor, {
    tiling: { tile: settings.tile, overlap: settings.overlap, blend: settings.blend },
    slices: settings.slices,
    normalization: settings.normalization,
    panels: settings.panels,
    token: options.token,
    onRecord: (r) => {
      const p = progress.slice()
      emit({ type: 'slice', study: entry.id, slice: r.slice, diceFull: r.diceFull, diceTiled: r.diceTiled, ...p })
    },
  })
  const panels = await writePanels(out, entry.id, study, result)
  return { ...base, status: 'ok', records: result.records, panels, seconds: seconds() }
}

async function writePanels(out: string, id: string, study: Study, result: StudyEvaluation): Promise<PanelInfo[]> {
  if (result.candidates.length === 0) return []
  const [nx, ny] = study.image.dims
  const plane = nx * ny
  const window = intensityWindow(study.image.data)
  const infos: PanelInfo[] = []
  for (const c of result.candidates) {
    const z = c.record.slice
    const picture = renderSlicePanels({
      flair: study.image.data.subarray(z * plane, (z + 1) * plane),
      groundTruth: (study.wholeTumor as Uint8Array).subarray(z * plane, (z + 1) * plane),
      full: c.full,
      tiled: c.tiled,
      nx,
      ny,
      affine: study.image.affine,
      window,
      tiles: result.layout ? { origins: result.layout.origins, tile: result.layout.tile } : undefined,
    })
    const file = panelFile(id, z)
    await writeFileAtomic(join(out, PANELS_DIR, file), picture.png)
    infos.push({ slice: z, file, width: picture.width, height: picture.height, panelWidth: picture.panelWidth })
  }
  return infos
}

/** Slices done, rate and ETA; the total is estimated from the slices per study seen so far. */
class Progress {
  private done = 0
  private doneHere = 0
  private known = 0
  private studiesLoaded = 0
  private studiesLeft = 0
  private readonly t0 = performance.now()

  resume(slices: number): void {
    this.done += slices
    this.known += slices
  }
  plan(studies: number): void {
    this.studiesLeft = studies
  }
  studyLoaded(slices: number): void {
    this.known += slices
    this.studiesLoaded++
    this.studiesLeft--
  }
  slice(): { done: number; total: number | null; slicesPerSec: number; etaMs: number | null } {
    this.done++
    this.doneHere++
    const perStudy = this.studiesLoaded > 0 ? (this.known - (this.done - this.doneHere)) / this.studiesLoaded : 0
    const total = Math.round(this.known + Math.max(0, this.studiesLeft) * perStudy)
    const seconds = (performance.now() - this.t0) / 1000
    const slicesPerSec = seconds > 0 ? this.doneHere / seconds : 0
    const etaMs = slicesPerSec > 0 ? Math.round(((total - this.done) / slicesPerSec) * 1000) : null
    return { done: this.done, total, slicesPerSec: Math.round(slicesPerSec * 100) / 100, etaMs }
  }
}
