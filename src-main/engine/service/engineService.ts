/**
 * EngineService: the one implementation of TileLabService (api.ts). Hosts take it by injection: the web host of
 * `tilelab serve` and the Electron main process run it inside a worker thread (engineWorkerHost.ts), tests call it
 * in process. It owns open studies, models and prediction jobs; training, evaluation and sweeps run as child
 * `tilelab` processes speaking the CLI's `--json` event stream (cliJobs.ts).
 *
 * Paths it receives have already been checked by the host's guard (web: under --data; Electron: picked by the user).
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
import { isNiftiName, type StudyFiles } from '../io/discovery'
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

  async listStudies(req: ApiRequest<'listStudies'>): Promise<StudySummary[]> {
    const root = req.path ?? this.options.dataRoot
    if (!root) throw new EngineError('E_ARGS', 'listStudies: no folder given and the host has no data folder')
    const cohort = await findStudies(root)
    return cohort.studies.map(summaryOf)
  }

  async openStudy(req: ApiRequest<'openStudy'>): Promise<ApiResults['openStudy']> {
    const entry = await this.studies.openStudy(req.path, { image: req.image, label: req.label })
    return entry.info
  }

  async closeStudy(req: ApiRequest<'closeStudy'>): Promise<void> {
    await this.jobs.cancelAll('prediction')
    this.studies.close(req.studyId)
    this.predictions.forgetStudy(req.studyId)
  }

  startPrediction(req: ApiRequest<'startPrediction'>): Promise<ApiResults['startPrediction']> {
    return this.predictions.start(req)
  }

  async inspectCohort(req: ApiRequest<'inspectCohort'>): Promise<CohortInspection> {
    const cohort = await findStudies(req.path)
    const studies: StudySummary[] = []
    const failed: CohortInspection['failed'] = cohort.failures.map((f) => ({ study: f.path, error: f.error.message }))
    for (const s of cohort.studies) {
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
    const out = req.out ?? join(this.dirs.runs, `evaluation-${stamp()}`)
    const jobId = startCliJob(this.jobs, 'evaluation', this.cli, evaluationArgs(req, model.dir, out))
    return { jobId, out }
  }

  async startSweep(req: ApiRequest<'startSweep'>): Promise<ApiResults['startSweep']> {
    const model = await this.models.get(req.modelId)
    const out = req.out ?? join(this.dirs.runs, `sweep-${stamp()}`)
    const jobId = startCliJob(this.jobs, 'sweep', this.cli, sweepArgs(req, model.dir, out))
    return { jobId, out }
  }

  async readEvaluation(req: ApiRequest<'readEvaluation'>): Promise<ApiResults['readEvaluation']> {
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
