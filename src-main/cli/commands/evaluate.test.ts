import * as tf from '@tensorflow/tfjs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { buildProgram } from '../main'
import { makeTempDir } from '../../../test/helpers/niftiFixtures'
import { writeSyntheticStudy } from '../../../test/helpers/syntheticStudies'
import { saveTinyUnet } from '../../../test/helpers/tinyModel'
import { evalEventSink, formatDuration } from '../evalProgress'
import { captureCli } from '../../../test/helpers/cliCapture'

let root: string
let cleanup: () => Promise<void>
let cohort: string
let model: string

beforeAll(async () => {
  ;({ dir: root, cleanup } = await makeTempDir('tilelab-evalcli-'))
  cohort = join(root, 'cohort')
  await writeSyntheticStudy(cohort, 'BraTS_A', { seed: 1, dims: [32, 32, 4] })
  await writeSyntheticStudy(cohort, 'BraTS_B', { seed: 2, dims: [32, 32, 3] })
  await tf.setBackend('cpu')
  model = await saveTinyUnet(join(root, 'tiny-unet'), { baseFilters: 2, depth: 2 })
})
afterAll(() => cleanup())


describe('tilelab evaluate / merge', () => {
  it('are registered', () => {
    const names = buildProgram().commands.map((c) => c.name())
    expect(names).toEqual(expect.arrayContaining(['evaluate', 'merge']))
  })

  it('--json prints one EvalEvent per line, then the summary with the documented keys', async () => {
    const out = join(root, 'run')
    const r = await captureCli(['evaluate', '--data', cohort, '--model', model, '--tile', '16', '--out', out, '--json', '--panels', '1'])
    expect(r.status).toBe(0)
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(lines[0]).toMatchObject({ type: 'start', studies: 2, model: 'tiny-unet', backend: expect.stringMatching(/^onnxruntime-/) })
    expect(lines.filter((l) => l.type === 'slice')).toHaveLength(7)
    expect(lines.at(-2)).toMatchObject({ type: 'end', outcome: 'ok' })
    const summary = lines.at(-1)
    for (const key of ['slices', 'studies', 'meanDiceFull', 'meanDiceTiled', 'meanDiceTiledThresholded', 'meanDifference',
      'fractionFullBetter', 'fractionFullBetterOrEqual', 'fractionFullBetterBy0_1', 'fractionTiledBetterBy0_1',
      'differenceCI95', 'wilcoxonP', 'binary', 'tile', 'overlap', 'blend', 'tilesPerSlice', 'model', 'backend', 'seconds',
      'failed', 'perStudy'])
      expect(summary).toHaveProperty(key)
    expect(summary).toMatchObject({ slices: 7, studies: 2, tile: 16, overlap: 0.5, blend: 'mean', tilesPerSlice: 9, backend: expect.stringMatching(/^onnxruntime-/) })
    expect(summary.binary).toHaveProperty('excludedEmpty')
    expect(summary.model).toMatchObject({ name: 'tiny-unet', dir: model, fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) })
    expect(JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'))).toEqual(summary)
  })

  it('shards and merge from the command line; merge prints the paper-style table', async () => {
    for (const i of [0, 1]) {
      const r = await captureCli(['evaluate', '--data', cohort, '--model', model, '--tile', '16', '--shard', `${i}/2`,
        '--out', join(root, `s${i}`), '--no-report', '--panels', '0'])
      expect(r.status).toBe(0)
      expect(r.stdout).toMatch(/this run\s+paper/)
    }
    const m = await captureCli(['merge', join(root, 's0'), join(root, 's1'), '--out', join(root, 'merged'), '--no-report'])
    expect(m.status).toBe(0)
    expect(m.stdout).toMatch(/mean soft Dice, whole image\s+\d\.\d{3}\s+0\.874/)
    expect(await readFile(join(root, 'merged', 'slices.csv'), 'utf8')).toBe(await readFile(join(root, 'run', 'slices.csv'), 'utf8'))
  })

  it('bad arguments exit with status 2 and name the value', async () => {
    const a = await captureCli(['evaluate', '--data', cohort, '--model', model, '--overlap', '1', '--out', join(root, 'x')])
    expect(a.status).toBe(2)
    expect(a.stderr).toMatch(/overlap must be in \[0, 1\), received 1/)
    const b = await captureCli(['evaluate', '--data', cohort, '--model', model, '--resume'])
    expect(b.status).toBe(2)
    expect(b.stderr).toMatch(/--resume needs --out/)
    const c = await captureCli(['evaluate', '--data', cohort, '--model', join(root, 'nope')])
    expect(c.status).toBe(1)
    expect(c.stderr).toMatch(/E_MODEL: .*nope: model folder does not exist/)
  })
})

describe('progress display', () => {
  it('formats durations', () => {
    expect(formatDuration(null)).toBe('—')
    expect(formatDuration(42_000)).toBe('42s')
    expect(formatDuration(200_000)).toBe('3m 20s')
    expect(formatDuration(3_900_000)).toBe('1h 05m')
  })

  it('without a TTY prints one line per study and throttled progress lines', () => {
    const err: string[] = []
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true))
    let t = 0
    try {
      const sink = evalEventSink({ json: false, tty: false, now: () => t })
      sink({ type: 'start', out: '/o', studies: 2, model: 'm', backend: 'b', resumed: 0 })
      sink({ type: 'study', study: 's1', index: 0, studies: 2, slices: 3 })
      for (let i = 1; i <= 3; i++) {
        t = i * 20_000
        sink({ type: 'slice', study: 's1', slice: i, done: i, total: 6, diceFull: 1, diceTiled: 1, slicesPerSec: 0.05, etaMs: 60_000 })
      }
      sink({ type: 'end', outcome: 'ok', out: '/o' })
    } finally {
      e.mockRestore()
    }
    expect(err.join('')).toBe(
      'Evaluating 2 studies with m (b) → /o\n[1/2] s1: 3 slices\n  1/6 slices, 0.05 slices/s, ETA 1m 00s\n' +
        '  3/6 slices, 0.05 slices/s, ETA 1m 00s\nDone: /o\n',
    )
  })
})
