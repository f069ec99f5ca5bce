import * as tf from '@tensorflow/tfjs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTempDir } from '../../../test/helpers/niftiFixtures'
import { writeTinyCohort } from '../../../test/helpers/tinyCohort'
import { CancellationTokenSource } from '../../common/cancellation'
import type { TrainEvent } from '../../common/events'
import type { ModelCard } from '../../common/types'
import { readManifest } from './checkpoint'
import { loadModel } from '../model/store'
import { resolveRecipe } from './recipe'
import { batchStep, train, type TrainOptions } from './trainer'

let tmp: { dir: string; cleanup: () => Promise<void> }
let cohort: string

beforeAll(async () => {
  await tf.setBackend('cpu')
  tmp = await makeTempDir('tilelab-train-')
  cohort = join(tmp.dir, 'cohort')
  await writeTinyCohort(cohort, { cases: 4, dims: [32, 32, 8] })
})
afterAll(() => tmp.cleanup())

/**
 * A tiny run: base 2, depth 2 (no dropout layer), 16×16 crops, batch 2, one validation patient. Tiny because the
 * tfjs cpu backend's Conv2DBackpropFilter is a scalar loop (seconds per step at base 4 on 32×32 × 4).
 */
function options(out: string, over: Partial<Parameters<typeof resolveRecipe>[0]> = {}, events: TrainEvent[] = []): TrainOptions {
  return {
    recipe: resolveRecipe({
      data: cohort,
      baseFilters: 2,
      depth: 2,
      crop: 16,
      batchSize: 2,
      epochs: 2,
      stepsPerEpoch: 3,
      valFraction: 0.25,
      seed: 11,
      valMaxSlices: 3,
      lr: 1e-3,
      ...over,
    }),
    out: join(tmp.dir, out),
    backend: 'tfjs-cpu',
    cacheDir: join(tmp.dir, 'cache'),
    cacheMb: 64,
    checkpointMinutes: 0,
    onEvent: (e) => events.push(e),
  }
}

const weightsSha = async (out: string): Promise<[string, string | undefined]> => {
  const m = await readManifest(join(tmp.dir, out, 'checkpoints', 'last'))
  return [m.weights.sha256, m.optimizer?.sha256]
}

describe('train', () => {
  it('writes a loadable model folder, card, history and checkpoints, with start/step/epoch/end events', async () => {
    const events: TrainEvent[] = []
    const result = await train(options('plain', {}, events))
    expect(result.outcome).toBe('ok')
    const types = events.map((e) => e.type).filter((t) => t !== 'log')
    expect(types).toEqual(['start', 'step', 'step', 'step', 'epoch', 'step', 'step', 'step', 'epoch', 'end'])
    const start = events.find((e) => e.type === 'start')!
    if (start.type !== 'start') throw new Error()
    expect(start.trainCases.length).toBe(3)
    expect(start.valCases.length).toBe(1)
    expect(start.resumedFromEpoch).toBeNull()
    const epochs = events.filter((e) => e.type === 'epoch')
    for (const e of epochs) {
      if (e.type !== 'epoch') throw new Error()
      expect(e.valDiceFull).toBeGreaterThan(0)
      expect(e.valDiceFull).toBeLessThanOrEqual(1)
      expect(e.valDiceTiled).toBeGreaterThan(0)
      expect(e.saved).toContain('last')
    }
    const out = join(tmp.dir, 'plain')
    const { model, card: stored } = await loadModel(out)
    expect(stored.training?.epochs).toBe(2)
    const y = tf.tidy(() => model.predict(tf.zeros([1, 32, 32, 1])) as tf.Tensor)
    expect(y.shape).toEqual([1, 32, 32, 1])
    y.dispose()
    model.dispose()
    const card = JSON.parse(await readFile(join(out, 'card.json'), 'utf8')) as ModelCard
    expect(card.intendedUse).toMatch(/BraTS data; not for clinical use/)
    expect(card.training?.data.valCases).toEqual(start.valCases)
    expect(card.training?.epochs).toBe(2)
    expect(card.training?.command).toMatch(/^npx tilelab train --data .* --base-filters 2 --depth 2 /)
    expect(card.metrics?.valDiceFull).toBeGreaterThan(0)
    expect(card.metrics?.valDiceTiled).toBeGreaterThan(0)
    const history = (await readFile(join(out, 'history.csv'), 'utf8')).trim().split('\n')
    expect(history[0]).toBe('epoch,loss,dice,val_dice_full,val_dice_tiled,val_slices,seconds,val_seconds,images_per_sec')
    expect(history.length).toBe(3)
    await expect(train(options('plain'))).rejects.toThrow(/already holds a training run/)
  })

  it('resume reproduces the weights and Adam state of an uninterrupted run exactly (cpu, no dropout)', async () => {
    await train(options('whole'))
    // interrupted twice: mid-epoch 1 (after step 2), then mid-epoch 2 (after step 1)
    const stopAt = (epoch: number, step: number) => {
      const source = new CancellationTokenSource()
      const o = options('split')
      o.token = source.token
      o.onEvent = (e) => {
        if (e.type === 'step' && e.epoch === epoch && e.step === step) source.cancel()
      }
      return o
    }
    expect((await train(stopAt(1, 2))).outcome).toBe('cancelled')
    const resumed: TrainEvent[] = []
    const second = { ...stopAt(2, 1), resume: true }
    const onEvent = second.onEvent!
    second.onEvent = (e) => {
      resumed.push(e)
      onEvent(e)
    }
    expect((await train(second)).outcome).toBe('cancelled')
    const start = resumed.find((e) => e.type === 'start')
    expect(start).toMatchObject({ resumedFromEpoch: 0, resumedFromStep: 2 })
    expect(resumed.filter((e) => e.type === 'step').map((e) => e.type === 'step' && `${e.epoch}.${e.step}`)).toEqual([
      '1.3',
      '2.1',
    ])
    const last = await train({ ...options('split'), resume: true })
    expect(last.outcome).toBe('ok')
    expect(last.epochsDone).toBe(2)
    expect(await weightsSha('split')).toEqual(await weightsSha('whole'))
    const a = (await readFile(join(tmp.dir, 'whole', 'history.csv'), 'utf8')).split('\n').map((l) => l.split(',').slice(0, 6).join())
    const b = (await readFile(join(tmp.dir, 'split', 'history.csv'), 'utf8')).split('\n').map((l) => l.split(',').slice(0, 6).join())
    expect(b).toEqual(a)
  })

  it('a crash mid-epoch resumes from the last timed checkpoint (every step here) and still matches', async () => {
    await train(options('whole2', { epochs: 2, stepsPerEpoch: 3 }))
    const crashing = options('crash', { epochs: 2, stepsPerEpoch: 3 })
    crashing.checkpointMinutes = 1e-9 // a mid-epoch checkpoint after every step
    const real = batchStep(1)
    let calls = 0
    crashing.step = async (m, opt, b) => {
      // steps 1.1 1.2 1.3 2.1 run; the fifth call (2.2) crashes before touching the weights
      if (++calls === 5) throw new Error('simulated crash')
      return real(m, opt, b)
    }
    await expect(train(crashing)).rejects.toThrow(/simulated crash/)
    const events: TrainEvent[] = []
    await train({ ...options('crash', {}, events), resume: true })
    expect(events.find((e) => e.type === 'start')).toMatchObject({ resumedFromEpoch: 1, resumedFromStep: 1 })
    expect(await weightsSha('crash')).toEqual(await weightsSha('whole2'))
  })

  it('trains on whole slices with input full', async () => {
    const events: TrainEvent[] = []
    const result = await train(options('full', { input: 'full', epochs: 1, stepsPerEpoch: 2 }, events))
    expect(result.outcome).toBe('ok')
    expect(events.filter((e) => e.type === 'step').length).toBe(2)
    expect(result.history[0].valDiceFull).toBeGreaterThan(0)
  })

  it('without a validation set keeps the best training loss (the paper\'s rule)', async () => {
    const events: TrainEvent[] = []
    const result = await train(options('noval', { valFraction: 0, epochs: 2, stepsPerEpoch: 2 }, events))
    expect(result.best?.criterion).toBe('train-loss')
    const best = result.history.reduce((a, b) => (b.loss < a.loss ? b : a))
    expect(result.best?.epoch).toBe(best.epoch)
    expect(result.history.every((h) => h.valDiceFull === null)).toBe(true)
    expect(events.filter((e) => e.type === 'log' && e.level === 'warn')).toEqual([])
    const card = JSON.parse(await readFile(join(tmp.dir, 'noval', 'card.json'), 'utf8')) as ModelCard
    expect(card.training?.recipe.checkpoint).toMatch(/best training loss/)
  })

  it('keeps tf.memory().numTensors flat over 50 steps and every epoch, and frees everything at the end', async () => {
    const before = tf.memory().numTensors
    const counts: { type: string; n: number }[] = []
    const o = options('leak', { epochs: 2, stepsPerEpoch: 25, valMaxSlices: 2 })
    o.onEvent = (e) => {
      if (e.type === 'step' || e.type === 'epoch') counts.push({ type: e.type, n: tf.memory().numTensors })
    }
    await train(o)
    expect(counts.filter((c) => c.type === 'step').length).toBe(50)
    const steady = counts[0].n
    expect(counts.filter((c) => c.n !== steady)).toEqual([])
    expect(tf.memory().numTensors).toBe(before)
  })
})
