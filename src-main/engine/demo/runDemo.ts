/**
 * `npm run demo`: the paper's experiment end to end on whatever this machine has, in a few minutes.
 *
 * 1. Data: `--data <cohort>`, or a synthetic BraTS-like cohort generated once into the work cache (8 training
 *    patients, 3 test patients; `tilelab synth`).
 * 2. Model: `--model <dir>`, or a small U-Net trained now on the training patients with the paper's recipe scaled to
 *    two CPU cores (random 128×128 crops, −log soft Dice, Adam; base 8, ~8 minutes; patients split for validation).
 * 3. Evaluation: whole-image vs tiled (128 px, 50% overlap, mean) soft Dice on every axial slice of held-out patients
 *    only: the synthetic test patients, the new model's validation patients, or (with `--model`) the patients its card
 *    says it was not trained on. Writes slices.csv, summary.json, report.html; returns the summary for the paper table.
 */
import { basename, join, relative, resolve, sep } from 'node:path'
import { existsSync } from 'node:fs'
import type { CancellationToken } from '../../common/cancellation'
import { EngineError } from '../../common/errors'
import type { EvalEvent, TrainEvent } from '../../common/events'
import { initBackend, type BackendPreference } from '../backend/initBackend'
import { evaluateCohort } from '../evaluation/evaluateCohort'
import { readModelInfo } from '../evaluation/modelInfo'
import type { EvaluationSummary } from '../evaluation/summary'
import { openPredictor } from '../inference/openPredictor'
import { findStudies } from '../io/cohort'
import { readCard } from '../model/store'
import { writeSynthCohort } from '../synth/synthCohort'
import { SYNTH_VERSION } from '../synth/synthParams'
import { resolveRecipe, type TrainRecipe } from '../training/recipe'
import { defaultCacheDir } from '../training/sliceCache'
import { train } from '../training/trainer'

/**
 * The demo's training recipe: the paper's (crops, loss, Adam, augmentation) at a size two CPU cores train in ~8 min:
 * 180 steps of 16 crops (fewer left the model too weak to show anything; lr 2e-3 diverged).
 */
export const DEMO_RECIPE: Partial<TrainRecipe> = {
  baseFilters: 8,
  depth: 4,
  crop: 128,
  batchSize: 16,
  epochs: 6,
  stepsPerEpoch: 30,
  lr: 1e-3,
  tumorFraction: 0.5,
  valFraction: 0.25,
  valSlices: 'tumor',
  valMaxSlices: 24,
  seed: 2018,
}

/** Folder (and so name) of the model the demo trains, inside `--out`. */
export const DEMO_MODEL_NAME = 'demo-unet'

/** Synthetic demo cohort: patients per split and the generator seed. */
export const DEMO_COHORT = { train: 8, test: 3, seed: 4242 } as const

export interface DemoOptions {
  /** Cohort folder; default: the synthetic demo cohort in `cacheDir`. */
  data?: string
  /** Trained model folder; default: train one into `<out>/model`. */
  model?: string
  /** Output folder: demo-unet/ (when trained here) and evaluation/. */
  out: string
  /** Work cache (synthetic cohort, slice cache). */
  cacheDir: string
  backend?: BackendPreference
  token?: CancellationToken
  log: (line: string) => void
  onTrainEvent?: (e: TrainEvent) => void
  onEvalEvent?: (e: EvalEvent) => void
}

export interface DemoResult {
  cohort: string
  modelDir: string
  /** Study ids evaluated (held out from training). */
  evaluated: string[]
  evaluationDir: string
  summary: EvaluationSummary
  trainingSeconds: number | null
}

/**
 * Runs the demo.
 * @throws EngineError E_ARGS when the data holds no held-out patient to evaluate; errors of the steps otherwise.
 */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const out = resolve(o.out)
  const backend = await initBackend(o.backend ?? 'auto')
  const cohort = o.data ? resolve(o.data) : await syntheticCohort(o)
  const synthetic = !o.data
  let modelDir: string
  let heldOut: string[] | undefined
  let trainingSeconds: number | null = null
  if (o.model) {
    modelDir = resolve(o.model)
    heldOut = synthetic ? undefined : await notTrainedOn(cohort, modelDir, o.log)
  } else {
    modelDir = join(out, DEMO_MODEL_NAME)
    const trainData = synthetic ? join(cohort, 'train') : cohort
    o.log(`Training a ${DEMO_RECIPE.baseFilters}-filter U-Net on ${trainData} (${backend.engine}) …`)
    const started = performance.now()
    const result = await train({
      recipe: resolveRecipe({ ...DEMO_RECIPE, data: trainData }),
      out: modelDir,
      backend: backend.engine,
      cacheDir: defaultCacheDir(),
      cacheMb: 1024,
      checkpointMinutes: 0,
      token: o.token,
      onEvent: o.onTrainEvent,
    })
    if (result.outcome === 'cancelled') throw new EngineError('E_CANCELLED', 'demo stopped during training')
    trainingSeconds = (performance.now() - started) / 1000
    heldOut = synthetic ? undefined : (await readCard(modelDir)).training?.data.valCases
  }
  const evalData = synthetic ? join(cohort, 'test') : cohort
  o.log(`Evaluating whole image vs tiled on ${heldOut ? heldOut.join(', ') : evalData} …`)
  const info = await readModelInfo(modelDir)
  const predictor = await openPredictor(modelDir, { backend: o.backend })
  try {
    const result = await evaluateCohort({
      data: evalData,
      out: join(out, 'evaluation'),
      predictor,
      model: { name: info.name, dir: info.dir, fingerprint: info.fingerprint },
      normalization: info.normalization ?? 'slice',
      studies: heldOut,
      resume: true,
      token: o.token,
      onEvent: o.onEvalEvent,
    })
    const evaluated = result.summary.perStudy.map((s) => s.study)
    return { cohort, modelDir, evaluated, evaluationDir: result.out, summary: result.summary, trainingSeconds }
  } finally {
    await predictor.dispose()
  }
}

/** The synthetic demo cohort (train/ and test/ patients), generated on first use. */
async function syntheticCohort(o: DemoOptions): Promise<string> {
  const root = join(o.cacheDir, `demo-cohort-v${SYNTH_VERSION}-seed${DEMO_COHORT.seed}`)
  const parts = [
    { dir: join(root, 'train'), cases: DEMO_COHORT.train, firstCase: 0 },
    { dir: join(root, 'test'), cases: DEMO_COHORT.test, firstCase: DEMO_COHORT.train },
  ]
  for (const part of parts) {
    if (existsSync(join(part.dir, 'cohort.json')) && (await findStudies(part.dir)).studies.length === part.cases) continue
    o.log(`Generating ${part.cases} synthetic patients into ${part.dir} …`)
    await writeSynthCohort({ outDir: part.dir, cases: part.cases, firstCase: part.firstCase, seed: DEMO_COHORT.seed, token: o.token })
  }
  return root
}

/**
 * Studies of the cohort a model was not trained on. The card names its training cases relative to the cohort it was
 * trained on (e.g. 'brats2018-whole-tumor/case_0'), which need not be this cohort's root, so studies are matched by
 * their folder name (a patient id in BraTS layouts).
 * @returns Ids (relative to `cohort`) of the held-out studies; undefined when the card lists no training cases.
 */
export async function notTrainedOn(cohort: string, modelDir: string, log: (line: string) => void): Promise<string[] | undefined> {
  const card = await readCard(modelDir).catch(() => null)
  const trained = new Set((card?.training?.data.trainCases ?? []).map((c) => basename(c)))
  if (trained.size === 0) return undefined
  const { root, studies } = await findStudies(cohort)
  const held = studies.filter((s) => !trained.has(basename(s.path))).map((s) => relative(root, s.path).split(sep).join('/'))
  if (held.length === 0)
    throw new EngineError('E_ARGS', `${cohort}: every study was used to train ${modelDir}; nothing held out to evaluate`)
  log(`${studies.length - held.length} of ${studies.length} studies were used to train this model and are left out.`)
  return held
}
