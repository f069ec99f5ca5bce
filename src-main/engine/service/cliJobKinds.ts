/**
 * The engine service's training, evaluation and sweep jobs: API requests → `tilelab` command lines, and the CLI's
 * `--json` events → JobProgress. The command lines are the ones a user would type, so a job started from the app
 * can be reproduced (or resumed) from a terminal.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ApiRequest, EvaluationResult, JobKind } from '../../common/api'
import { EngineError } from '../../common/errors'
import type { EvalEvent, TrainEvent } from '../../common/events'
import { parseSliceCsv } from '../evaluation/sliceTable'
import { SLICES_CSV, SUMMARY_JSON } from '../evaluation/writeOutputs'
import { runCliJob, type CliCommand } from './cliJobs'

/** The file `tilelab sweep` writes its rows and provenance to (sweepOutputs.ts). */
const SWEEP_JSON = 'sweep.json'
import type { JobManager, JobReport } from './jobs'

type Flags = Record<string, string | number | boolean | undefined>

/** `{ batchSize: 8, resume: true, x: undefined }` → `['--batch-size', '8', '--resume']`. */
export function toFlags(flags: Flags): string[] {
  const args: string[] = []
  for (const [key, value] of Object.entries(flags)) {
    if (value === undefined || value === false) continue
    const flag = '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())
    args.push(...(value === true ? [flag] : [flag, String(value)]))
  }
  return args
}

/** `tilelab train` arguments for a training request writing to `out`. */
export function trainingArgs(req: ApiRequest<'startTraining'>, out: string): string[] {
  return [
    'train',
    ...toFlags({
      data: req.data,
      out,
      preset: req.preset,
      input: req.input,
      crop: req.crop,
      batchSize: req.batchSize,
      epochs: req.epochs,
      stepsPerEpoch: req.stepsPerEpoch,
      lr: req.learningRate,
      valFraction: req.valFraction,
      seed: req.seed,
      baseFilters: req.baseFilters,
      depth: req.depth,
      tumorFraction: req.tumorFraction,
      backend: req.backend,
      resume: req.resume,
      noFlipLr: req.flips === false,
      noFlipUd: req.flips === false,
      noRot90: req.rotations === false,
    }),
  ]
}

/** `tilelab evaluate` arguments. */
export function evaluationArgs(req: ApiRequest<'startEvaluation'>, modelDir: string, out: string): string[] {
  return [
    'evaluate',
    ...toFlags({
      data: req.data,
      model: modelDir,
      tile: req.tiling?.tile,
      overlap: req.tiling?.overlap,
      blend: req.tiling?.blend,
      slices: req.slices,
      out,
      resume: req.resume,
    }),
  ]
}

/** `tilelab sweep` arguments. */
export function sweepArgs(req: ApiRequest<'startSweep'>, modelDir: string, out: string): string[] {
  return [
    'sweep',
    ...toFlags({
      data: req.data,
      model: modelDir,
      tiles: req.tiles.join(','),
      overlaps: req.overlaps.join(','),
      slices: req.slices,
      out,
    }),
  ]
}

/**
 * Starts a CLI job and turns its events into progress reports.
 * @returns The job id.
 */
export function startCliJob(jobs: JobManager, kind: JobKind, cli: CliCommand, args: string[]): string {
  return jobs.start(kind, async (ctx) => {
    const toReport = kind === 'training' ? trainingReporter() : evaluationReporter()
    await runCliJob(ctx, cli, args, (event) => {
      const report = toReport(event)
      if (report) ctx.report(report)
    })
  })
}

/** TrainEvents → progress: steps done of epochs × steps per epoch; every event reaches the client. */
function trainingReporter(): (e: Record<string, unknown>) => JobReport | null {
  let epochs = 1
  let stepsPerEpoch = 1
  let done = 0
  return (raw) => {
    const e = raw as unknown as TrainEvent
    const total = epochs * stepsPerEpoch
    switch (e.type) {
      case 'start':
        epochs = e.epochs
        stepsPerEpoch = e.stepsPerEpoch
        done = Math.max(0, (e.resumedFromEpoch ?? 0) * stepsPerEpoch)
        return { phase: 'starting', done, total: epochs * stepsPerEpoch, event: e, keep: true }
      case 'step':
        done = (e.epoch - 1) * stepsPerEpoch + e.step
        // Every step is a point of the app's loss curve: never throttled away (steps come a few per second at most).
        return { phase: `epoch ${e.epoch}/${epochs}`, done, total, etaMs: e.etaMs, event: e, keep: true }
      case 'epoch':
        done = e.epoch * stepsPerEpoch
        return { phase: `epoch ${e.epoch}/${epochs} validated`, done, total, event: e, keep: true }
      case 'log':
      case 'end':
        return { phase: e.type === 'end' ? e.outcome : 'training', done, total, event: e, keep: true }
      default:
        return null
    }
  }
}

/**
 * EvalEvents → progress: slices done of all slices; studies, failures, the end and the last slice of each study
 * always reach the client (so a client can count each study's slices from the running total).
 */
function evaluationReporter(): (e: Record<string, unknown>) => JobReport | null {
  let done = 0
  let total = 0
  let phase = 'starting'
  let studySlices = 0
  let studyDone = 0
  return (raw) => {
    if (!('type' in raw)) return null // the summary printed as the last line
    const e = raw as unknown as EvalEvent
    switch (e.type) {
      case 'slice':
        done = e.done
        total = e.total ?? Math.max(total, done)
        studyDone++
        return { phase, done, total, etaMs: e.etaMs, event: e, keep: studyDone === studySlices }
      case 'study':
        phase = `study ${e.index + 1}/${e.studies}: ${e.study}`
        studySlices = e.slices
        studyDone = 0
        return { phase, done, total, event: e, keep: true }
      default:
        return { phase, done, total, event: e, keep: e.type !== 'sweepStep' }
    }
  }
}

/**
 * Reads an evaluation folder as the results view needs it: summary.json (null while the run is unfinished), the
 * slices.csv rows, and sweep.json when it is a sweep's folder.
 * @throws EngineError E_IO when the folder holds neither file.
 */
export async function readEvaluationFolder(out: string): Promise<Omit<EvaluationResult, 'files'>> {
  const summaryText = await readFile(join(out, SUMMARY_JSON), 'utf8').catch(() => null)
  const slicesText = await readFile(join(out, SLICES_CSV), 'utf8').catch(() => null)
  const sweepText = await readFile(join(out, SWEEP_JSON), 'utf8').catch(() => null)
  if (summaryText === null && slicesText === null && sweepText === null)
    throw new EngineError('E_IO', `${out}: no ${SUMMARY_JSON}, ${SLICES_CSV} or ${SWEEP_JSON} (not an evaluation folder, or not finished)`)
  let sweep: Record<string, unknown> | null = null
  if (sweepText !== null) {
    try {
      sweep = JSON.parse(sweepText) as Record<string, unknown>
    } catch (err) {
      throw new EngineError('E_IO', `${join(out, SWEEP_JSON)}: invalid JSON: ${(err as Error).message}`)
    }
  }
  let summary: Record<string, unknown> | null = null
  if (summaryText !== null) {
    try {
      summary = JSON.parse(summaryText) as Record<string, unknown>
    } catch (err) {
      throw new EngineError('E_IO', `${join(out, SUMMARY_JSON)}: invalid JSON: ${(err as Error).message}`)
    }
  }
  const slices = slicesText === null ? [] : parseSliceCsv(slicesText, join(out, SLICES_CSV))
  return { out, summary, slices: slices as unknown as EvaluationResult['slices'], complete: summary !== null || sweep !== null, sweep }
}
