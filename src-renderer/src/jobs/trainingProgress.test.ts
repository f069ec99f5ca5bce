import { describe, expect, it } from 'vitest'
import type { JobProgress } from '../../../src-main/common/api'
import type { TrainEvent } from '../../../src-main/common/events'
import { applyTrainingEnd, applyTrainingProgress, isTrainingActive, MAX_STEP_POINTS, newTrainingView, type TrainingView } from './trainingProgress'
import { curveData } from './trainingCurves'

const start = { jobId: 'training-1', name: 'tiny', out: '/home/models/tiny', data: '/data/cohort' }

function progress(event: TrainEvent, done = 0, total = 8, jobId = 'training-1'): JobProgress {
  return { jobId, kind: 'training', phase: 'x', done, total, elapsedMs: 1000, etaMs: 500, event }
}

const START: TrainEvent = {
  type: 'start', out: start.out, backend: 'tfjs-wasm', epochs: 2, stepsPerEpoch: 4, batchSize: 4,
  trainCases: ['a', 'b', 'c'], valCases: ['d'], parameters: 7465, resumedFromEpoch: null, resumedFromStep: null,
}
const step = (epoch: number, s: number, loss: number): TrainEvent => ({
  type: 'step', epoch, step: s, stepsPerEpoch: 4, loss, dice: Math.exp(-loss), imagesPerSec: 6.5, etaMs: 1200,
})

function run(events: TrainEvent[], view: TrainingView = newTrainingView(start)): TrainingView {
  return events.reduce((v, e, i) => applyTrainingProgress(v, progress(e, i)), view)
}

describe('training view', () => {
  it('follows start, steps, validation and epochs; the best epoch is the checkpoint', () => {
    let v = run([START, step(1, 1, 2.0), step(1, 2, 1.5)])
    expect(v).toMatchObject({ status: 'training', backend: 'tfjs-wasm', parameters: 7465, trainCases: 3, valCases: 1, epochs: 2, epoch: 1, step: 2, imagesPerSec: 6.5, etaMs: 1200 })
    expect(v.steps.map((s) => [s.x, s.loss])).toEqual([[0.25, 2.0], [0.5, 1.5]])
    v = run([step(1, 4, 1.2)], v)
    expect(v.status).toBe('validating') // the last step of an epoch is followed by validation
    v = run([{ type: 'epoch', epoch: 1, epochs: 2, loss: 1.4, valDiceFull: 0.6, valDiceTiled: 0.55, seconds: 3, saved: ['best', 'last'], bestEpoch: 1 }], v)
    expect(v.status).toBe('training')
    expect(v.bestEpoch).toBe(1)
    expect(v.epochRows).toEqual([{ epoch: 1, loss: 1.4, valDiceFull: 0.6, valDiceTiled: 0.55 }])
    expect(curveData(v.steps, v.epochRows, v.bestEpoch)).toEqual({
      steps: [
        { x: 0.25, loss: 2, epoch: 1, step: 1 },
        { x: 0.5, loss: 1.5, epoch: 1, step: 2 },
        { x: 1, loss: 1.2, epoch: 1, step: 4 },
      ],
      epochs: [{ x: 1, loss: 1.4, epoch: 1 }],
      dice: [
        { epoch: 1, series: 'whole image', dice: 0.6 },
        { epoch: 1, series: 'tiled', dice: 0.55 },
      ],
      best: [{ epoch: 1 }],
    })
    expect(isTrainingActive(v)).toBe(true)
  })

  it('ignores other jobs and keeps the stopping state until the end; a pause is resumable', () => {
    const v0 = run([START])
    expect(applyTrainingProgress(v0, progress(step(1, 1, 9), 1, 8, 'training-2'))).toBe(v0)
    const stopping = run([step(1, 1, 1)], { ...v0, status: 'stopping' })
    expect(stopping.status).toBe('stopping')
    const paused = applyTrainingEnd(stopping, { jobId: 'training-1', kind: 'training', outcome: 'cancelled', elapsedMs: 5 }, true)
    expect(paused.status).toBe('paused')
    expect(isTrainingActive(paused)).toBe(false)
    expect(applyTrainingEnd(stopping, { jobId: 'training-1', kind: 'training', outcome: 'cancelled', elapsedMs: 5 }, false).status).toBe('cancelled')
    const failed = applyTrainingEnd(v0, { jobId: 'training-1', kind: 'training', outcome: 'failed', elapsedMs: 5, error: { name: 'EngineError', code: 'E_STUDY', message: 'no studies' } }, false)
    expect(failed).toMatchObject({ status: 'failed', error: 'E_STUDY: no studies' })
    // The stop reached the CLI after its last epoch: it ended 'ok', so the run is done, not paused.
    const finished = run([{ type: 'end', outcome: 'ok', out: start.out, epochsDone: 2 }], stopping)
    expect(applyTrainingEnd(finished, { jobId: 'training-1', kind: 'training', outcome: 'cancelled', elapsedMs: 5 }, true).status).toBe('done')
  })

  it('a resumed run starts from its history and its checkpoint step', () => {
    const history = [
      { epoch: 1, loss: 1.4, valDiceFull: 0.6, valDiceTiled: 0.5 },
      { epoch: 2, loss: 1.1, valDiceFull: 0.7, valDiceTiled: 0.66 },
    ]
    let v = newTrainingView(start, history)
    expect(v.bestEpoch).toBe(2)
    v = run([{ ...START, epochs: 3, resumedFromEpoch: 1, resumedFromStep: 2 }], v)
    // Epoch 2 is redone from its checkpoint step, so only epoch 1 stays.
    expect(v.epochRows.map((r) => r.epoch)).toEqual([1])
    expect([v.epoch, v.step, v.resumedFromEpoch]).toEqual([2, 2, 1])
  })

  it('thins old step points beyond the limit', () => {
    let v = run([START])
    const events: TrainEvent[] = []
    for (let i = 1; i <= MAX_STEP_POINTS + 10; i++) events.push({ ...step(1, i, 1), stepsPerEpoch: 1_000_000 } as TrainEvent)
    v = run(events, v)
    expect(v.steps.length).toBeLessThanOrEqual(MAX_STEP_POINTS)
    expect(v.steps.at(-1)!.step).toBe(MAX_STEP_POINTS + 10)
  })
})
