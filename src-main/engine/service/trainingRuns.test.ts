import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { listTrainingRuns } from './trainingRuns'

let tmp: string

function writeRun(name: string, state: unknown, savedAt: string): void {
  const dir = path.join(tmp, name, 'checkpoints', 'last')
  mkdirSync(dir, { recursive: true })
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ format: 'tilelab-checkpoint', savedAt, state }))
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'tilelab-runs-'))
  writeRun(
    'stopped',
    {
      epochsDone: 1,
      dataPath: '/data/cohort',
      recipe: { epochs: 3, data: 'cohort' },
      history: [{ epoch: 1, loss: 0.9, dice: 0.4, valDiceFull: 0.5, valDiceTiled: null, valSlices: 4 }],
    },
    '2026-01-02T00:00:00.000Z',
  )
  writeRun('done', { epochsDone: 2, recipe: { epochs: 2, data: 'rel/cohort' }, history: [] }, '2026-01-03T00:00:00.000Z')
  writeRun('old', { epochsDone: 0, recipe: { epochs: 1 } }, '2025-01-01T00:00:00.000Z')
  mkdirSync(path.join(tmp, 'no-checkpoint'))
  mkdirSync(path.join(tmp, 'broken', 'checkpoints', 'last'), { recursive: true })
  writeFileSync(path.join(tmp, 'broken', 'checkpoints', 'last', 'manifest.json'), '{not json')
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('listTrainingRuns', () => {
  it('lists unfinished runs first (newest first) with their cohort folder and epoch history', async () => {
    const runs = await listTrainingRuns(tmp)
    expect(runs.map((r) => [r.name, r.finished, r.epochsDone, r.epochs])).toEqual([
      ['stopped', false, 1, 3],
      ['old', false, 0, 1],
      ['done', true, 2, 2],
    ])
    expect(runs[0].data).toBe('/data/cohort') // the absolute dataPath wins over recipe.data as typed
    expect(runs[0].history).toEqual([{ epoch: 1, loss: 0.9, valDiceFull: 0.5, valDiceTiled: null }])
    expect(runs[1].data).toBeNull()
    expect(runs[1].history).toEqual([])
    expect(runs[2].data).toBe('rel/cohort')
  })

  it('answers an empty list for a missing folder', async () => {
    expect(await listTrainingRuns(path.join(tmp, 'missing'))).toEqual([])
  })
})
