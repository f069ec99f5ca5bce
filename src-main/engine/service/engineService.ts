/**
 * EngineService: the one implementation of TileLabService (api.ts). Hosts take it by injection: the web host of
 * `tilelab serve` and the Electron main process run it inside a worker thread (engineWorkerHost.ts), tests call it
 * in process. It owns open studies, models and prediction jobs; training, evaluation and sweeps run as child
 * `tilelab` processes speaking the CLI's `--json` event stream (cliJobs.ts).
 *
 * Paths it receives have already been checked by the host's guard (web: under --data; Electron: picked by the user).
 * The files those paths lead to (a study's FLAIR and label, a cohort's studies, an evaluation's outputs) are checked
 * against `readRoots` when the host sets them (readRoots.ts): a symlink or a study.json cannot lead outside.
 */
import { EventEmitter } from 'node:events'
import { readdir, stat } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type {
  ApiEvents,
  ApiRequest,
  ApiResults,
  AppInfo,
  BrowseEntry,
  CohortInspection,
  ResourceBytes,
  StudySummary,
  TileLabService,
} from '../../common/api'
import { EngineError } from '../../common/errors'
import { findStudies } from '../io/cohort'
import { discoverStudy, isNiftiName, type StudyFiles } from '../io/discovery'
import { readNiftiHeader } from '../io/niftiRead'
import { JobManager } from './jobs'
import { ModelRegistry } from './models'
import { PredictionRunner } from './predictions'
import { StudyRegistry } from './studies'
import { defaultCliCommand, type CliCommand } from './cliJobs'
import { bundledModelsDir, workDir, type WorkDir } from './workDir'
import { evaluationArgs, readEvaluationFolder, sweepArgs, startCliJob, trainingArgs } from './cliJobKinds'
import { listTrainingRuns } from './trainingRuns'
import { probeBackends } from './backendProbe'
import { EvaluationFiles } from './evaluationFiles'
import { ensureSampleStudy } from '../synth/sampleStudy'
import { SLICES_CSV, SUMMARY_JSON } from '../evaluation/writeOutputs'
import { createReadRoots, type ReadRoots } from './readRoots'

export interface EngineServiceOptions {
  host: AppInfo['host']
  version: string
  /** Folder the web host serves (`--data`); null in Electron. */
  dataRoot?: string | null
  /** Bundled model folders (read-only); default: this checkout's `models/`. */
  bundledModelDirs?: string[]
  /** Work folder root; default `TILELAB_HOME` or `~/.tilelab`. */
  workDir?: string
  /** The sample study opened when the app starts with none, when the host resolved it already. */
  sampleStudy?: string | null
  /** Otherwise: the cache folder the generated sample study is made in on first use (ensureSampleStudy). */
  sampleStudyCacheDir?: string
  /** The user's models folder; default `<workDir>/models`. */
  userModelsDir?: string
  /** How to start the CLI for training/evaluation jobs. */
  cli?: CliCommand
  /** Inference engine preference (ONNX Runtime first by default). */
  engine?: 'auto' | 'onnx' | 'tfjs'
  /**
   * Folders the service may read study, cohort and evaluation files from, judged after symlinks (web host: --data,
   * the sample study, the work folder's runs). Null or absent: no confinement (desktop app, CLI).
   */
  readRoots?: string[] | null
}

export class EngineService implements TileLabService {
  private readonly events = new EventEmitter()
  readonly dirs: WorkDir
  private readonly jobs: JobManager
  private readonly studies = new StudyRegistry()
  private readonly models: ModelRegistry
  private readonly predictions: PredictionRunner
  private readonly cli: CliCommand
  private readonly evaluationFiles = new EvaluationFiles()
  /** Output folder → job id of the training jobs running now (one process per folder). */
  private readonly trainingOuts = new Map<string, string>()
  private sampleStudyPath?: Promise<string>
  private readRootsReady?: Promise<ReadRoots | null>

  constructor(private readonly options: EngineServiceOptions) {
    this.dirs = workDir(options.workDir)
    this.cli = options.cli ?? defaultCliCommand()
    this.jobs = new JobManager({
      progress: (p) => this.events.emit('onDidJobProgress', p),
      end: (e) => {
        // A training run rewrote its model folder: the next prediction must load the new weights.
        for (const [out, jobId] of this.trainingOuts) if (jobId === e.jobId) this.models.forget(out)
        this.events.emit('onDidJobEnd', e)
      },
    })
    this.models = new ModelRegistry({
      bundledDirs: options.bundledModelDirs ?? [bundledModelsDir()],
      userDir: options.userModelsDir ?? this.dirs.models,
      engine: options.engine,
    })
    this.predictions = new PredictionRunner(this.studies, this.models, this.jobs)
  }

  on<E extends keyof ApiEvents>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
    this.events.on(event, listener)
    return () => this.events.off(event, listener)
  }

  async getAppInfo(): Promise<AppInfo> {
    const [probe, models, sampleStudy] = await Promise.all([probeBackends(), this.models.list(), this.sampleStudy()])
    const preferred = models.find((m) => m.id === 'default') ?? models[0]
    return {
      version: this.options.version,
      host: this.options.host,
      trainingBackend: probe.trainingBackend,
      inferenceEngine: probe.inferenceEngine,
      backends: probe.backends,
      dataRoot: this.options.dataRoot ?? null,
      sampleStudy,
      defaultModelId: preferred?.id ?? null,
    }
  }

  /** The sample study's folder, generated on first use when the host gave a cache folder. */
  private async sampleStudy(): Promise<string | null> {
    if (this.options.sampleStudy !== undefined) return this.options.sampleStudy
    if (!this.options.sampleStudyCacheDir) return null
    return (this.sampleStudyPath ??= ensureSampleStudy(this.options.sampleStudyCacheDir))
  }

  listModels(): Promise<ApiResults['listModels']> {
    return this.models.list()
  }

  /** The host's read roots, canonicalised once; null when the service may read anything. */
  private readRoots(): Promise<ReadRoots | null> {
    return (this.readRootsReady ??= createReadRoots(this.options.readRoots))
  }

  /** The studies of a cohort folder whose files all lie under the read roots (the others: `outside`). */
  private async confinedStudies(root: string): Promise<{ inside: StudyFiles[]; outside: { study: string; error: string }[]; failures: CohortInspection['failed'] }> {
    const cohort = await findStudies(root)
    const roots = await this.readRoots()
    const inside: StudyFiles[] = []
    const outside: { study: string; error: string }[] = []
    for (const s of cohort.studies) {
      const refused = roots ? await roots.checkStudy(s).then(() => null, (err: Error) => err.message) : null
      if (refused) outside.push({ study: s.path, error: refused })
      else inside.push(s)
    }
    return { inside, outside, failures: cohort.failures.map((f) => ({ study: f.path, error: f.error.message })) }
  }

  /** @throws EngineError E_ACCESS when a study of the cohort folder leads outside the read roots. */
  private async checkCohort(root: string): Promise<void> {
    if (!(await this.readRoots())) return
    const { outside } = await this.confinedStudies(root)
    if (outside.length) throw new EngineError('E_ACCESS', `${root}: ${outside[0].error}`)
  }

  async listStudies(req: ApiRequest<'listStudies'>): Promise<StudySummary[]> {
    const root = req.path ?? this.options.dataRoot
    if (!root) throw new EngineError('E_ARGS', 'listStudies: no folder given and the host has no data folder')
    return (await this.confinedStudies(root)).inside.map(summaryOf)
  }

  async openStudy(req: ApiRequest<'openStudy'>): Promise<ApiResults['openStudy']> {
    let overrides: { image?: string; label?: string | null } = { image: req.image, label: req.label }
    const roots = await this.readRoots()
    if (roots) {
      // Discover first and judge the files the study names before reading a byte of them; then load exactly those.
      const files = await discoverStudy(req.path, overrides)
      await roots.checkStudy(files)
      overrides = { image: files.imagePath, label: files.labelPath }
    }
    const entry = await this.studies.openStudy(req.path, overrides)
    return entry.info
  }

  async closeStudy(req: ApiRequest<'closeStudy'>): Promise<void> {
    // Only this study's predictions: a request to close the previous study may arrive after the next one started.
    await this.predictions.cancelStudy(req.studyId)
    this.studies.close(req.studyId)
    this.predictions.forgetStudy(req.studyId)
  }

  startPrediction(req: ApiRequest<'startPrediction'>): Promise<ApiResults['startPrediction']> {
    return this.predictions.start(req)
  }

  async inspectCohort(req: ApiRequest<'inspectCohort'>): Promise<CohortInspection> {
    const cohort = await this.confinedStudies(req.path)
    const studies: StudySummary[] = []
    const failed: CohortInspection['failed'] = [...cohort.failures, ...cohort.outside]
    for (const s of cohort.inside) {
      try {
        await readNiftiHeader(s.imagePath)
        if (s.labelPath) await readNiftiHeader(s.labelPath)
        studies.push(summaryOf(s))
      } catch (err) {
        failed.push({ study: s.path, error: (err as Error).message })
      }
    }
    return { path: req.path, studies, failed }
  }

  async startTraining(req: ApiRequest<'startTraining'>): Promise<ApiResults['startTraining']> {
    const out = join(this.options.userModelsDir ?? this.dirs.models, req.name)
    const bundled = (await this.models.list()).find((m) => m.bundled && m.id === req.name)
    if (bundled) throw new EngineError('E_ARGS', `model name '${req.name}' is taken by a bundled model`)
    await this.checkCohort(req.data)
    const running = this.trainingOuts.get(out)
    if (running && this.jobs.isRunning(running))
      throw new EngineError('E_ARGS', `model '${req.name}' is still training (job ${running}); cancel it or wait for it to stop`)
    const jobId = startCliJob(this.jobs, 'training', this.cli, trainingArgs(req, out))
    this.trainingOuts.set(out, jobId)
    return { jobId, out }
  }

  listTrainingRuns(): Promise<ApiResults['listTrainingRuns']> {
    return listTrainingRuns(this.options.userModelsDir ?? this.dirs.models)
  }

  async startEvaluation(req: ApiRequest<'startEvaluation'>): Promise<ApiResults['startEvaluation']> {
    const model = await this.models.get(req.modelId)
    await this.checkCohort(req.data)
    const out = req.out ?? join(this.dirs.runs, `evaluation-${stamp()}`)
    const jobId = startCliJob(this.jobs, 'evaluation', this.cli, evaluationArgs(req, model.dir, out))
    return { jobId, out }
  }

  async startSweep(req: ApiRequest<'startSweep'>): Promise<ApiResults['startSweep']> {
    const model = await this.models.get(req.modelId)
    await this.checkCohort(req.data)
    const out = req.out ?? join(this.dirs.runs, `sweep-${stamp()}`)
    const jobId = startCliJob(this.jobs, 'sweep', this.cli, sweepArgs(req, model.dir, out))
    return { jobId, out }
  }

  async readEvaluation(req: ApiRequest<'readEvaluation'>): Promise<ApiResults['readEvaluation']> {
    await (await this.readRoots())?.check([join(req.out, SUMMARY_JSON), join(req.out, SLICES_CSV)])
    const result = await readEvaluationFolder(req.out)
    return { ...result, files: await this.evaluationFiles.list(req.out) }
  }

  async cancelJob(req: ApiRequest<'cancelJob'>): Promise<void> {
    await this.jobs.cancel(req.jobId)
  }

  async browse(req: ApiRequest<'browse'>): Promise<ApiResults['browse']> {
    const path = resolve(req.path ?? this.options.dataRoot ?? this.dirs.root)
    const names = await readdir(path).catch((err: Error) => {
      throw new EngineError('E_IO', `${path}: cannot list folder: ${err.message}`)
    })
    const entries: BrowseEntry[] = []
    for (const name of names.sort()) {
      if (name.startsWith('.')) continue
      const full = join(path, name)
      const s = await stat(full).catch(() => null)
      if (!s) continue
      entries.push({ name, path: full, kind: s.isDirectory() ? 'folder' : isNiftiName(name) ? 'nifti' : 'file' })
    }
    const atRoot = this.options.dataRoot && resolve(this.options.dataRoot) === path
    return { path, parent: atRoot ? null : dirname(path), entries }
  }

  /** Native dialogs exist only in Electron; the shell answers this method itself. */
  async pickPath(): Promise<string | null> {
    return null
  }

  async readResource(url: string): Promise<ResourceBytes> {
    if (this.evaluationFiles.handles(url)) return this.evaluationFiles.read(url)
    const bytes = url.startsWith('res/prediction/') ? this.predictions.readResource(url) : this.studies.readResource(url)
    return { bytes, contentType: 'application/octet-stream' }
  }

  /** Cancels every job and frees the models. */
  async dispose(): Promise<void> {
    await this.jobs.cancelAll()
    await this.models.dispose()
  }
}

function summaryOf(s: StudyFiles): StudySummary {
  return { path: s.path, name: s.name, image: s.imagePath, label: s.labelPath }
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)
}
