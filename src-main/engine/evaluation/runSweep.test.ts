import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EvalEvent } from '../../common/events'
import { makeTempDir } from '../../../test/helpers/niftiFixtures'
import { contextPredictor, writeCorruptStudy, writeSyntheticStudy } from '../../../test/helpers/syntheticStudies'
import { unetFlops } from '../model/unetFlops'
import { evaluateCohort } from './evaluateCohort'
import { runSweep, sweepGrid, type SweepResult } from './runSweep'
import { SWEEP_COLUMNS, writeSweepOutputs } from './sweepOutputs'

let root: string
let cleanup: () => Promise<void>
let cohort: string
let result: SweepResult
const events: EvalEvent[] = []
const ARCH = { baseFilters: 32, depth: 4, upsampling: 'upsample' as const, dropout: 0.2 }

beforeAll(async () => {
  ;({ dir: root, cleanup } = await makeTempDir('tilelab-sweep-'))
  cohort = join(root, 'cohort')
  await writeSyntheticStudy(cohort, 'BraTS_1', { seed: 1, dims: [64, 64, 6] })
  await writeSyntheticStudy(cohort, 'BraTS_2', { seed: 2, dims: [64, 64, 6] })
  await writeCorruptStudy(cohort, 'BraTS_3')
  result = await runSweep({
    data: cohort,
    predictor: contextPredictor(),
    model: { name: 'oracle', dir: null, architecture: ARCH },
    tiles: [32, 16, 64],
    overlaps: [0.5, 0],
    onEvent: (e) => events.push(e),
  })
})
afterAll(() => cleanup())

describe('runSweep', () => {
  it('has the whole-image row first, then tile × overlap sorted', () => {
    expect(result.rows.map((r) => [r.tile, r.overlap])).toEqual([
      [null, null], [16, 0], [16, 0.5], [32, 0], [32, 0.5], [64, 0], [64, 0.5],
    ])
    expect(result.studies).toBe(2)
    expect(result.slices).toBe(12)
    expect(result.failed.map((f) => f.study)).toEqual(['BraTS_3'])
  })

  it('forward passes and FLOPs per slice follow the tile layout: FLOPs ∝ input area', () => {
    const row = (t: number | null, o: number | null) => result.rows.find((r) => r.tile === t && r.overlap === o)!
    expect(row(null, null)).toMatchObject({ forwardPassesPerSlice: 1, relativeFlops: 1 })
    expect(row(32, 0.5)).toMatchObject({ forwardPassesPerSlice: 9, relativeFlops: (9 * 32 * 32) / (64 * 64), stride: 16 })
    expect(row(16, 0)).toMatchObject({ forwardPassesPerSlice: 16, relativeFlops: 1 })
    expect(row(16, 0.5)).toMatchObject({ forwardPassesPerSlice: 49, relativeFlops: (49 * 16 * 16) / 4096 })
    expect(row(64, 0.5)).toMatchObject({ forwardPassesPerSlice: 1, relativeFlops: 1 })
    expect(row(null, null).gflopsPerSlice).toBeCloseTo(unetFlops(ARCH, 64, 64) / 1e9, 9)
    expect(row(32, 0.5).gflopsPerSlice).toBeCloseTo((9 * unetFlops(ARCH, 32, 32)) / 1e9, 9)
  })

  it('a tile covering the whole slice reproduces the whole-image Dice; 32/0.5 equals `evaluate`', async () => {
    const whole = result.rows[0]
    const one = result.rows.find((r) => r.tile === 64 && r.overlap === 0)!
    expect(one.meanDice).toBe(whole.meanDice)
    expect(one.meanDifference).toBe(0)
    const ev = await evaluateCohort({
      data: cohort, out: join(root, 'eval'), predictor: contextPredictor(), model: { name: 'oracle', dir: null },
      tiling: { tile: 32, overlap: 0.5, blend: 'mean' }, report: false, panels: 0, bootstrapResamples: 10,
    })
    expect(whole.meanDice).toBeCloseTo(ev.summary.meanDiceFull!, 14)
    expect(result.rows.find((r) => r.tile === 32 && r.overlap === 0.5)!.meanDice).toBeCloseTo(ev.summary.meanDiceTiled!, 14)
  })

  it('streams sweep steps with progress and one point per setting', () => {
    const steps = events.filter((e) => e.type === 'sweepStep')
    expect(steps).toHaveLength(2 * 7)
    expect(steps.at(-1)).toMatchObject({ done: 14, total: 21 }) // the corrupt study counts as skipped steps
    expect(events.filter((e) => e.type === 'sweepPoint')).toHaveLength(7)
  })

  it('rejects a tile that is not a multiple of the model input before any work', () => {
    expect(() => sweepGrid([24], [0.5], 'mean', 16)).toThrow(/tile 24 is not a multiple of the model's input multiple 16/)
    expect(() => sweepGrid([32], [1], 'mean', 16)).toThrow(/overlap must be in \[0, 1\), received 1/)
    expect(() => sweepGrid([], [0.5], 'mean', 16)).toThrow(/at least one tile size/)
  })

  it('writes sweep.csv, sweep.json and a self-contained sweep.html', async () => {
    const out = join(root, 'sweep')
    await writeSweepOutputs(out, result)
    const csv = await readFile(join(out, 'sweep.csv'), 'utf8')
    const lines = csv.trim().split('\n')
    expect(lines[0]).toBe(SWEEP_COLUMNS.join(','))
    expect(lines).toHaveLength(8)
    expect(lines[1].startsWith(',,,,12,')).toBe(true)
    const json = JSON.parse(await readFile(join(out, 'sweep.json'), 'utf8'))
    expect(json.rows).toHaveLength(7)
    expect(json.flops.flopsPerPixel).toBeCloseTo(unetFlops(ARCH, 16, 16) / 256, 6)
    const html = await readFile(join(out, 'sweep.html'), 'utf8')
    expect((html.match(/<svg/g) ?? []).length).toBe(2)
    expect(html).not.toMatch(/(src|href)="https?:/)
  })
})
