/**
 * `tilelab train` end to end through the real CLI (node src-main/cli/bin.mjs) on a tiny cohort of `tilelab synth`, cpu
 * backend: the JSON event stream, a loadable model folder, SIGKILL mid-run then --resume (at most one epoch
 * redone), and Ctrl-C (SIGINT) stopping after the current step with a resumable checkpoint.
 */
import * as tf from '@tensorflow/tfjs'
import { spawn, type ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TrainEvent } from '../../src-main/common/events'
import { loadModel } from '../../src-main/engine/model/store'
import { makeTempDir } from '../helpers/niftiFixtures'
import { writeSynthCohort } from '../../src-main/engine/synth/synthCohort'

const repoRoot = resolve(__dirname, '../..')
let tmp: { dir: string; cleanup: () => Promise<void> }
let cohort: string

beforeAll(async () => {
  await tf.setBackend('cpu')
  tmp = await makeTempDir('tilelab-train-cli-')
  cohort = join(tmp.dir, 'cohort')
  await writeSynthCohort({ outDir: cohort, cases: 4, seed: 3, dims: [32, 32, 16] })
})
afterAll(() => tmp.cleanup())

interface Run {
  child: ChildProcess
  events: TrainEvent[]
  stderr: string
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Spawns the CLI; `onEvent` sees each JSON line as it arrives. */
function runCli(args: string[], onEvent: (e: TrainEvent, run: Run) => void = () => undefined): Run {
  const child = spawn(process.execPath, ['src-main/cli/bin.mjs', 'train', ...args], {
    cwd: repoRoot,
    env: { ...process.env, TILELAB_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const run: Run = { child, events: [], stderr: '', exit: null! }
  let buffer = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8')
    let nl: number
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl)
      buffer = buffer.slice(nl + 1)
      const event = JSON.parse(line) as TrainEvent
      run.events.push(event)
      onEvent(event, run)
    }
  })
  child.stderr!.on('data', (chunk: Buffer) => (run.stderr += chunk.toString('utf8')))
  run.exit = new Promise((done) => child.on('close', (code, signal) => done({ code, signal })))
  return run
}

/** The tiny recipe: the flags plus a crop and batch that fit 32×32×8 studies. */
const tiny = (out: string, epochs: number, steps: number): string[] => [
  '--data', cohort, '--out', join(tmp.dir, out), '--epochs', String(epochs), '--steps-per-epoch', String(steps),
  '--base-filters', '4', '--depth', '2', '--backend', 'cpu', '--json',
  '--crop', '16', '--batch-size', '2', '--val-max-slices', '3', '--cache-dir', join(tmp.dir, 'cache'),
]

const stepKeys = (events: TrainEvent[]): string[] =>
  events.flatMap((e) => (e.type === 'step' ? [`${e.epoch}.${e.step}`] : []))

async function expectLoadableModel(out: string): Promise<void> {
  const { model } = await loadModel(join(tmp.dir, out))
  const y = tf.tidy(() => model.predict(tf.zeros([1, 32, 32, 1])) as tf.Tensor)
  expect(y.shape).toEqual([1, 32, 32, 1])
  y.dispose()
  model.dispose()
}

describe('tilelab train (CLI)', () => {
  it('prints one JSON event per line and leaves a loadable model folder', async () => {
    const run = runCli(tiny('one', 1, 3))
    const { code } = await run.exit
    expect(code, run.stderr).toBe(0)
    const types = run.events.map((e) => e.type).filter((t) => t !== 'log')
    expect(types).toEqual(['start', 'step', 'step', 'step', 'epoch', 'end'])
    const start = run.events[run.events.findIndex((e) => e.type === 'start')]
    expect(start).toMatchObject({ backend: 'tfjs-cpu', epochs: 1, stepsPerEpoch: 3, batchSize: 2, resumedFromEpoch: null })
    const end = run.events.at(-1)!
    expect(end).toMatchObject({ type: 'end', outcome: 'ok', epochsDone: 1 })
    for (const e of run.events) if (e.type === 'step') expect(e.imagesPerSec).toBeGreaterThan(0)
    await expectLoadableModel('one')
    const card = JSON.parse(await readFile(join(tmp.dir, 'one', 'card.json'), 'utf8'))
    expect(card.training.command).toContain('--base-filters 4 --depth 2')
    expect(card.training.backend).toBe('tfjs-cpu')
  })

  it('resumes after SIGKILL mid-epoch, redoing at most one epoch, and finishes with a loadable model', async () => {
    const args = tiny('killed', 3, 4)
    const first = runCli(args, (e, run) => {
      // killed in epoch 2, after epoch 1's checkpoint
      if (e.type === 'step' && e.epoch === 2 && e.step === 2) run.child.kill('SIGKILL')
    })
    const killed = await first.exit
    expect(killed.signal).toBe('SIGKILL')
    expect(first.events.some((e) => e.type === 'end')).toBe(false)
    const second = runCli([...args, '--resume'])
    const { code } = await second.exit
    expect(code, second.stderr).toBe(0)
    const start = second.events.find((e) => e.type === 'start')
    expect(start).toMatchObject({ resumedFromEpoch: 1, resumedFromStep: 0 })
    expect(stepKeys(second.events)).toEqual(['2.1', '2.2', '2.3', '2.4', '3.1', '3.2', '3.3', '3.4'])
    expect(second.events.at(-1)).toMatchObject({ type: 'end', outcome: 'ok', epochsDone: 3 })
    const history = (await readFile(join(tmp.dir, 'killed', 'history.csv'), 'utf8')).trim().split('\n').slice(1)
    expect(history.map((l) => l.split(',')[0])).toEqual(['1', '2', '3'])
    await expectLoadableModel('killed')
  })

  it('stops on SIGINT after the current step with exit 130 and a checkpoint that --resume continues', async () => {
    const args = tiny('interrupted', 2, 4)
    const first = runCli(args, (e, run) => {
      if (e.type === 'step' && e.epoch === 1 && e.step === 2) run.child.kill('SIGINT')
    })
    const { code } = await first.exit
    expect(code, first.stderr).toBe(130)
    const end = first.events.at(-1)!
    expect(end).toMatchObject({ type: 'end', outcome: 'cancelled' })
    const doneSteps = stepKeys(first.events)
    const second = runCli([...args, '--resume'])
    expect((await second.exit).code, second.stderr).toBe(0)
    const resumedSteps = stepKeys(second.events)
    // no step lost, none repeated
    expect([...doneSteps, ...resumedSteps]).toEqual(['1.1', '1.2', '1.3', '1.4', '2.1', '2.2', '2.3', '2.4'].slice(0, doneSteps.length + resumedSteps.length))
    expect(doneSteps.length + resumedSteps.length).toBe(8)
    await expectLoadableModel('interrupted')
  })
})
