/**
 * The training loop of `tilelab train`: the paper's recipe (paper-spec §3) with validation of full-image and tiled
 * inference every epoch, best/last checkpoints, exact resume and cooperative cancellation.
 *
 * Per step: a batch from the sampler (a pure function of seed, epoch, step), one Adam step on −log(batch soft
 * Dice). Per epoch: validation (full and tiled soft Dice on whole validation slices), then the 'best' checkpoint
 * and model folder when the validation full-image Dice improved (the paper kept the best training loss; TileLab
 * does that only without a validation set), then the 'last' checkpoint with the optimiser state, then
 * history.csv. 'last' is also saved every `checkpointMinutes` and when the token fires (after the current step),
 * so SIGKILL loses at most that much work and Ctrl-C none.
 *
 * Output folder: model.json, weights.bin, card.json (the best model), history.csv, checkpoints/{last,best}/.
 *
 * @source paper-spec §3 (loss, Adam 1e-4, batch 128, 15 epochs, steps = N // 128, validation on whole images,
 *   ModelCheckpoint on training loss).
 */
import * as tf from '@tensorflow/tfjs'
import { stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { isCancellation, type CancellationToken } from '../../common/cancellation'
import { EngineError, serializeError } from '../../common/errors'
import type { TrainEvent } from '../../common/events'
import { buildUnet, unetParameterCount } from '../model/unet'
import { writeJsonAtomic } from '../io/atomicWrite'
import type { StudyFiles } from '../io/discovery'
import type { Study } from '../io/study'
import { loadCheckpoint, saveCheckpoint, type LoadedCheckpoint } from './checkpoint'
import { parseCard } from '../model/card'
import { saveModel } from '../model/store'
import { TfjsPredictor } from '../model/tfjsPredictor'
import { createAdam } from './optimizerState'
import { recipeCommand, type TrainRecipe } from './recipe'
import { BatchSampler, type Batch } from './sampler'
import type { PatientSplit } from './split'
import { prepareTrainingData, readCohort } from './trainingData'
import { buildModelCard, writeHistory, type BestRecord, type EpochRecord } from './trainingRecord'
import { accumulationFor, trainStep } from './trainStep'
import { chooseValidationSlices, validate, type ValidationResult } from './validation'

/** One optimiser step on a batch; returns the batch loss. */
export type StepFunction = (model: tf.LayersModel, optimizer: tf.AdamOptimizer, batch: Batch) => Promise<number>

export interface TrainOptions {
  /** The recipe of a new run (ignored on resume: the checkpoint's recipe is used). */
  recipe: TrainRecipe
  out: string
  resume?: boolean
  /** On resume: a larger epoch count to continue to (default: the recipe's). */
  resumeEpochs?: number
  /** On resume: recipe values given on the command line; those that differ from the checkpoint's are ignored with a warning. */
  given?: Partial<TrainRecipe>
  /** Engine name of the initialised tfjs backend, e.g. 'tfjs-wasm' (for events and the card). */
  backend: string
  cacheDir: string | null
  cacheMb: number
  /**
   * Images per micro-batch (gradient accumulation, exact: trainStep.ts). Default: on wasm the most that fit its
   * heap (backend/memoryBudget.ts), elsewhere the whole batch.
   */
  microBatch?: number
  /** Minutes between mid-epoch 'last' checkpoints; 0 = only at epoch ends (and on cancel). */
  checkpointMinutes?: number
  token?: CancellationToken
  onEvent?: (event: TrainEvent) => void
  /** Replaces the optimiser step (tests). */
  step?: StepFunction
  /** Replaces the study loader of the slice cache (tests count decodes). */
  loadStudy?: (files: StudyFiles) => Promise<Study>
}

/** The trainer's state, stored in every checkpoint manifest. */
export interface TrainerState {
  recipe: TrainRecipe
  /** Cohort folder, absolute (recipe.data is as given). */
  dataPath: string
  split: PatientSplit
  stepsPerEpoch: number
  parameters: number
  epochsDone: number
  /** Steps done in epoch epochsDone + 1. */
  stepsDone: number
  /** Running sums of the unfinished epoch. */
  partial: { lossSum: number; diceSum: number; steps: number; seconds: number }
  history: EpochRecord[]
  best: BestRecord | null
  /** Wall seconds of all runs so far (steps, validation, checkpoints). */
  seconds: number
  backend: string
  command: string
}

export interface TrainResult {
  outcome: 'ok' | 'cancelled'
  out: string
  epochsDone: number
  best: BestRecord | null
  history: EpochRecord[]
}

/**
 * Trains (or resumes) a U-Net. The tfjs backend must already be initialised.
 *
 * @returns outcome 'ok' after the last epoch, 'cancelled' when the token fired (a resumable 'last' checkpoint is
 *   saved first). Emits one TrainEvent per start, step, epoch and end.
 * @throws EngineError E_ARGS when `out` already holds a run and resume is off, or for a bad recipe; E_IO when
 *   resume finds no checkpoint; E_STUDY / E_NIFTI / … from the data; E_CANCELLED when cancelled before the first
 *   step (nothing to save). The 'end' event is emitted in every case.
 */
export async function train(o: TrainOptions): Promise<TrainResult> {
  const emit = o.onEvent ?? (() => undefined)
  const out = resolve(o.out)
  let epochsDone = 0
  try {
    const result = await runTraining(o, out, emit, (n) => (epochsDone = n))
    emit({ type: 'end', outcome: result.outcome, out, epochsDone: result.epochsDone })
    return result
  } catch (err) {
    emit({ type: 'end', outcome: isCancellation(err) ? 'cancelled' : 'failed', out, epochsDone, error: serializeError(err) })
    throw err
  }
}

async function runTraining(
  o: TrainOptions,
  out: string,
  emit: (e: TrainEvent) => void,
  progress: (epochsDone: number) => void,
): Promise<TrainResult> {
  const lastDir = join(out, 'checkpoints', 'last')
  const bestDir = join(out, 'checkpoints', 'best')
  let loaded: LoadedCheckpoint<TrainerState> | null = null
  if (o.resume) {
    loaded = await loadCheckpoint<TrainerState>(lastDir)
  } else if (await exists(join(lastDir, 'manifest.json'))) {
    throw new EngineError('E_ARGS', `${out} already holds a training run; continue it with --resume or choose another --out`)
  }
  const model = loaded?.model ?? null
  try {
    return await trainModel(o, out, loaded, lastDir, bestDir, emit, progress)
  } finally {
    model?.dispose()
  }
}

async function trainModel(
  o: TrainOptions,
  out: string,
  loaded: LoadedCheckpoint<TrainerState> | null,
  lastDir: string,
  bestDir: string,
  emit: (e: TrainEvent) => void,
  progress: (epochsDone: number) => void,
): Promise<TrainResult> {
  const state: TrainerState | null = loaded ? structuredClone(loaded.manifest.state) : null
  const recipe = state?.recipe ?? o.recipe
  if (state && o.resumeEpochs !== undefined) {
    if (!Number.isInteger(o.resumeEpochs) || o.resumeEpochs < state.epochsDone)
      throw new EngineError('E_ARGS', `--epochs ${o.resumeEpochs} is below the ${state.epochsDone} epochs already done`)
    recipe.epochs = o.resumeEpochs
  }
  if (state && o.given) warnIgnored(state, o.given, emit)
  const dataPath = state?.dataPath ?? resolve(recipe.data)
  const cohort = await readCohort(dataPath)
  for (const s of cohort.skipped) emit({ type: 'log', level: 'warn', message: `skipped ${s.path}: ${s.reason}` })
  const data = await prepareTrainingData(cohort, {
    valFraction: recipe.valFraction,
    seed: recipe.seed,
    normalization: recipe.normalization,
    cacheDir: o.cacheDir,
    cacheMb: o.cacheMb,
    split: state?.split,
    token: o.token,
    loadStudy: o.loadStudy,
    onStudy: (done, total, name, decoded) =>
      emit({ type: 'log', level: 'info', message: `slice cache ${done}/${total}: ${name} (${decoded ? 'decoded' : 'reused'})` }),
  })
  const { store, split } = data
  let optimizer: tf.AdamOptimizer | null = null
  let built: tf.LayersModel | null = null
  try {
    optimizer = createAdam(recipe.lr)
    const model = loaded?.model ?? (built = buildUnet(unetConfigOf(recipe), recipe.seed))
    emit({
      type: 'log',
      level: 'info',
      message: `slice cache: ${store.studies.length} studies, ${(store.bytes / 2 ** 20).toFixed(0)} MiB in ${store.mode === 'memory' ? 'memory' : 'disk files'}, ${store.decodedStudies} decoded from NIfTI`,
    })
    if (loaded) await loaded.restoreOptimizer(optimizer)
    const sampler = new BatchSampler(store, data.trainSlices, {
      seed: recipe.seed,
      batchSize: recipe.batchSize,
      crop: recipe.input === 'crops' ? recipe.crop : null,
      augment: { mode: recipe.augment, flipLeftRight: recipe.flipLeftRight, flipUpDown: recipe.flipUpDown, rotate90: recipe.rotate90 },
      tumorFraction: recipe.tumorFraction,
    })
    const stepsPerEpoch = recipe.stepsPerEpoch ?? Math.max(1, Math.floor(data.trainSlices.length / recipe.batchSize))
    const s: TrainerState = state ?? {
      recipe,
      dataPath,
      split,
      stepsPerEpoch,
      parameters: unetParameterCount(unetConfigOf(recipe)),
      epochsDone: 0,
      stepsDone: 0,
      partial: { lossSum: 0, diceSum: 0, steps: 0, seconds: 0 },
      history: [],
      best: null,
      seconds: 0,
      backend: o.backend,
      command: recipeCommand(recipe, o.out),
    }
    s.backend = o.backend
    if (state && o.resumeEpochs !== undefined) s.command = recipeCommand(recipe, o.out)
    const valSet = chooseValidationSlices(store, data.valStudies, recipe.valSlices, recipe.valMaxSlices)
    if (valSet.which !== recipe.valSlices && data.valStudies.length > 0)
      emit({ type: 'log', level: 'warn', message: 'no validation slice holds tumour: validating on all slices' })
    // the predictor would dispose the model with itself: it is never disposed, the trainer owns the model
    const predictor = new TfjsPredictor(model)
    // tiles of the training crop's size (the paper: 128), smaller only where a slice is smaller than the crop
    const multiple = 2 ** recipe.depth
    const smallest = Math.min(recipe.crop, ...store.studies.map((st) => Math.min(st.dims[0], st.dims[1])))
    const tiling = { tile: Math.max(multiple, Math.floor(smallest / multiple) * multiple), overlap: recipe.valOverlap, blend: 'mean' as const }
    const ctx: LoopContext = { o, out, lastDir, bestDir, emit, progress, model, optimizer, sampler, s, cohortRoot: cohort.root }
    const patientIds = [...split.trainPatients, ...split.valPatients]
    ctx.card = () =>
      buildModelCard({
        out,
        recipe: s.recipe,
        stepsPerEpoch: s.stepsPerEpoch,
        parameters: s.parameters,
        trainCases: split.train,
        valCases: split.val,
        cohortRoot: cohort.root,
        patientIds,
        epochsDone: s.epochsDone,
        seconds: s.seconds,
        backend: s.backend,
        command: s.command,
        best: s.best,
        history: s.history,
        valTile: tiling.tile,
      })
    if (loaded && s.best) await restoreModelFolder(ctx)
    emit({
      type: 'start',
      out,
      backend: o.backend,
      epochs: recipe.epochs,
      stepsPerEpoch: s.stepsPerEpoch,
      batchSize: recipe.batchSize,
      trainCases: split.train,
      valCases: split.val,
      parameters: s.parameters,
      resumedFromEpoch: loaded ? s.epochsDone : null,
      resumedFromStep: loaded ? s.stepsDone : null,
    })
    return await epochLoop(ctx, () => validate(store, valSet, predictor, tiling, o.token), valSet.count)
  } finally {
    optimizer?.dispose()
    built?.dispose()
    await store.close()
  }
}

interface LoopContext {
  o: TrainOptions
  out: string
  lastDir: string
  bestDir: string
  emit: (e: TrainEvent) => void
  progress: (epochsDone: number) => void
  model: tf.LayersModel
  optimizer: tf.AdamOptimizer
  sampler: BatchSampler
  s: TrainerState
  cohortRoot: string
  card?: () => ReturnType<typeof buildModelCard>
}

async function epochLoop(
  ctx: LoopContext,
  runValidation: () => Promise<ValidationResult>,
  valCount: number,
): Promise<TrainResult> {
  const { o, s, emit, model, optimizer, sampler } = ctx
  const step = o.step ?? batchStep(microBatchesFor(ctx, emit))
  const batchSize = s.recipe.batchSize
  const checkpointMs = (o.checkpointMinutes ?? 10) * 60_000
  let lastSave = performance.now()
  let runStart = performance.now()
  const recent: number[] = [] // seconds of the last steps, for images/s and the ETA
  let lastValSeconds = s.history.at(-1)?.valSeconds ?? 0
  const cancelled = async (): Promise<TrainResult> => {
    s.seconds += (performance.now() - runStart) / 1000
    runStart = performance.now()
    await saveCheckpoint(ctx.lastDir, model, optimizer, s)
    if (s.best) await writeCard(ctx)
    emit({ type: 'log', level: 'info', message: `stopped at epoch ${s.epochsDone + 1}, step ${s.stepsDone}; saved checkpoints/last (resume with --resume)` })
    return { outcome: 'cancelled', out: ctx.out, epochsDone: s.epochsDone, best: s.best, history: s.history }
  }
  for (let epoch = s.epochsDone + 1; epoch <= s.recipe.epochs; epoch++) {
    for (let k = s.stepsDone + 1; k <= s.stepsPerEpoch; k++) {
      // Let the event loop run once per step: a step whose batch comes from memory and whose kernels run
      // synchronously never does, so signal handlers (the CLI's SIGINT → token) would wait for the epoch's end.
      await new Promise<void>((resolve) => setImmediate(resolve))
      if (o.token?.isCancellationRequested) return cancelled()
      const t0 = performance.now()
      const batch = await sampler.batch(epoch, k)
      const loss = await step(model, optimizer, batch)
      if (!Number.isFinite(loss))
        throw new EngineError('E_INTERNAL', `training diverged: loss ${loss} at epoch ${epoch}, step ${k}; lower --lr`)
      const seconds = (performance.now() - t0) / 1000
      s.stepsDone = k
      s.partial.lossSum += loss
      s.partial.diceSum += Math.exp(-loss)
      s.partial.steps++
      s.partial.seconds += seconds
      recent.push(seconds)
      if (recent.length > 20) recent.shift()
      const meanStep = recent.reduce((a, b) => a + b, 0) / recent.length
      const stepsLeft = s.stepsPerEpoch - k + (s.recipe.epochs - epoch) * s.stepsPerEpoch
      const valsLeft = valCount > 0 ? s.recipe.epochs - epoch + 1 : 0
      emit({
        type: 'step',
        epoch,
        step: k,
        stepsPerEpoch: s.stepsPerEpoch,
        loss,
        dice: Math.exp(-loss),
        imagesPerSec: batchSize / meanStep,
        etaMs: Math.round((stepsLeft * meanStep + valsLeft * lastValSeconds) * 1000),
      })
      if (checkpointMs > 0 && performance.now() - lastSave > checkpointMs && k < s.stepsPerEpoch) {
        s.seconds += (performance.now() - runStart) / 1000
        runStart = performance.now()
        await saveCheckpoint(ctx.lastDir, model, optimizer, s)
        lastSave = performance.now()
        emit({ type: 'log', level: 'info', message: `checkpoint: epoch ${epoch}, step ${k}` })
      }
    }
    if (o.token?.isCancellationRequested) return cancelled()
    let val: ValidationResult | null = null
    if (valCount > 0) {
      emit({ type: 'log', level: 'info', message: `epoch ${epoch}: validating on ${valCount} slices (full-image and tiled)` })
      try {
        val = await runValidation()
      } catch (err) {
        if (isCancellation(err)) return cancelled()
        throw err
      }
      lastValSeconds = val.seconds
    }
    s.seconds += (performance.now() - runStart) / 1000
    runStart = performance.now()
    await finishEpoch(ctx, epoch, val)
    lastSave = performance.now()
  }
  s.seconds += (performance.now() - runStart) / 1000
  if (s.best) await writeCard(ctx) // final epochs and seconds
  return { outcome: 'ok', out: ctx.out, epochsDone: s.epochsDone, best: s.best, history: s.history }
}

async function finishEpoch(ctx: LoopContext, epoch: number, val: ValidationResult | null): Promise<void> {
  const { s, model, optimizer, emit } = ctx
  const p = s.partial
  const record: EpochRecord = {
    epoch,
    loss: p.lossSum / Math.max(1, p.steps),
    dice: p.diceSum / Math.max(1, p.steps),
    valDiceFull: val?.diceFull ?? null,
    valDiceTiled: val?.diceTiled ?? null,
    valSlices: val?.slices ?? 0,
    seconds: p.seconds + (val?.seconds ?? 0),
    valSeconds: val?.seconds ?? 0,
    imagesPerSec: (p.steps * s.recipe.batchSize) / Math.max(1e-9, p.seconds),
  }
  const improved =
    s.best === null ||
    (val ? val.diceFull > (s.best.valDiceFull ?? -Infinity) : record.loss < s.best.loss)
  s.history.push(record)
  s.epochsDone = epoch
  s.stepsDone = 0
  s.partial = { lossSum: 0, diceSum: 0, steps: 0, seconds: 0 }
  const saved: ('last' | 'best')[] = []
  if (improved) {
    s.best = {
      epoch,
      loss: record.loss,
      valDiceFull: record.valDiceFull,
      valDiceTiled: record.valDiceTiled,
      criterion: val ? 'val-dice-full' : 'train-loss',
    }
    // best first: a crash before 'last' is saved redoes this epoch, which then writes best again
    await saveCheckpoint(ctx.bestDir, model, null, s)
    await writeModelFolder(ctx, model)
    saved.push('best')
  }
  await saveCheckpoint(ctx.lastDir, model, optimizer, s)
  saved.push('last')
  await writeHistory(ctx.out, s.history)
  ctx.progress(epoch)
  emit({
    type: 'epoch',
    epoch,
    epochs: s.recipe.epochs,
    loss: record.loss,
    valDiceFull: record.valDiceFull,
    valDiceTiled: record.valDiceTiled,
    seconds: record.seconds,
    saved,
    bestEpoch: s.best!.epoch,
  })
}

/**
 * A step function running the engine's trainStep with `accumulate` micro-batches.
 * @param accumulate Micro-batches per batch (1 = one pass over the whole batch).
 */
export function batchStep(accumulate: number): StepFunction {
  return async (model, optimizer, b) => {
    const x = tf.tensor4d(b.images, [b.n, b.height, b.width, 1])
    const y = tf.tensor4d(b.masks, [b.n, b.height, b.width, 1])
    try {
      return (await trainStep(model, optimizer, x, y, { accumulate: Math.min(accumulate, b.n) })).loss
    } finally {
      x.dispose()
      y.dispose()
    }
  }
}

/** Micro-batches per step: from --micro-batch, else what the wasm heap allows, else 1. */
function microBatchesFor(ctx: LoopContext, emit: (e: TrainEvent) => void): number {
  const { recipe } = ctx.s
  const batch = recipe.batchSize
  const side = recipe.input === 'crops' ? [recipe.crop, recipe.crop] : ctx.sampler.sliceSize()
  let accumulate = 1
  if (ctx.o.microBatch !== undefined) {
    if (!Number.isInteger(ctx.o.microBatch) || ctx.o.microBatch < 1)
      throw new EngineError('E_ARGS', `train: --micro-batch must be a positive integer, received ${ctx.o.microBatch}`)
    accumulate = Math.ceil(batch / Math.min(batch, ctx.o.microBatch))
  } else if (tf.getBackend() === 'wasm') {
    accumulate = accumulationFor(ctx.model, batch, side[0], side[1])
  }
  if (accumulate > 1)
    emit({
      type: 'log',
      level: 'info',
      message: `batch ${batch} in ${accumulate} micro-batches of ≤ ${Math.ceil(batch / accumulate)} images (exact gradient accumulation)`,
    })
  return accumulate
}

/** Writes the loadable model folder (model store: weights.bin, card.json, model.json). */
async function writeModelFolder(ctx: LoopContext, model: tf.LayersModel): Promise<void> {
  await saveModel(ctx.out, model, ctx.card!())
}

/** Rewrites card.json alone (final epochs and seconds); the weights are the best epoch's, unchanged. */
async function writeCard(ctx: LoopContext): Promise<void> {
  await writeJsonAtomic(join(ctx.out, 'card.json'), parseCard(ctx.card!(), join(ctx.out, 'card.json')))
}

/** On resume: rewrite the model folder from checkpoints/best (a kill may have interrupted its last export). */
async function restoreModelFolder(ctx: LoopContext): Promise<void> {
  const best = await loadCheckpoint<TrainerState>(ctx.bestDir).catch(() => null)
  if (!best) return
  try {
    await writeModelFolder(ctx, best.model)
  } finally {
    best.model.dispose()
  }
}

/** On resume, names the given recipe values that differ from the checkpoint's (they are not used). */
function warnIgnored(state: TrainerState, given: Partial<TrainRecipe>, emit: (e: TrainEvent) => void): void {
  const differs = Object.entries(given).filter(([key, value]) => {
    if (value === undefined || key === 'epochs') return false
    if (key === 'data') return resolve(String(value)) !== state.dataPath
    return state.recipe[key as keyof TrainRecipe] !== value
  })
  if (differs.length > 0)
    emit({
      type: 'log',
      level: 'warn',
      message:
        '--resume keeps the checkpoint\'s recipe; ignored: ' +
        differs.map(([k, v]) => `${k} ${JSON.stringify(v)} (checkpoint: ${JSON.stringify(k === 'data' ? state.dataPath : state.recipe[k as keyof TrainRecipe])})`).join(', '),
    })
}

function unetConfigOf(r: TrainRecipe) {
  return { baseFilters: r.baseFilters, depth: r.depth, dropout: r.dropout, upsampling: r.upsampling }
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null
}
