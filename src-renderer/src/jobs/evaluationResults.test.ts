import { describe, expect, it } from 'vitest'
import type { JobProgress, ModelSummary } from '../../../src-main/common/api'
import type { EvalEvent } from '../../../src-main/common/events'
import { applyEvaluationEnd, applyEvaluationProgress, currentStudy, newEvaluationView } from './evaluationProgress'
import { modelIdFor, paperRows, sliceRows, sortRows, studyPath, studyRows, summaryFacts, sweepFacts } from './evaluationResults'
import { tilesPerSlice, validateEvaluateForm, validateSweepForm, defaultEvaluateForm } from './evaluateForm'

const ROWS = [
  { study: 'B', slice: 3, tumorPixels: 10, diceFull: 0.9, diceTiled: 0.7, difference: 0.2, binaryDiceFull: 0.9, binaryDiceTiled: '', tilesPerSlice: 9 },
  { study: 'A', slice: 7, tumorPixels: 0, diceFull: 1, diceTiled: 1, difference: 0, binaryDiceFull: null, binaryDiceTiled: null, tilesPerSlice: 9 },
  { study: 'A', slice: 2, tumorPixels: '5', diceFull: '0.5', diceTiled: '0.6', difference: '-0.1', binaryDiceFull: '0.5', binaryDiceTiled: '0.6', tilesPerSlice: '9' },
]

describe('evaluation results', () => {
  it('types the slice rows and computes per-study rows when the summary has none', () => {
    const rows = sliceRows({ slices: ROWS })
    expect(rows[2]).toEqual({ study: 'A', slice: 2, tumorPixels: 5, diceFull: 0.5, diceTiled: 0.6, difference: -0.1, binaryDiceFull: 0.5, binaryDiceTiled: 0.6, tilesPerSlice: 9 })
    expect(rows[0].binaryDiceTiled).toBeNull()
    const studies = studyRows(null, rows)
    expect(studies.find((s) => s.study === 'A')).toEqual({
      study: 'A', slices: 2, tumorSlices: 1, meanDiceFull: 0.75, meanDiceTiled: 0.8, meanDifference: -0.05, fractionFullBetter: 0,
    })
    const fromSummary = studyRows({ perStudy: [{ study: 'A', slices: 2, tumorSlices: 1, meanDiceFull: 0.7, meanDiceTiled: null, meanDifference: null, fractionFullBetter: 0.5 }] }, rows)
    expect(fromSummary).toEqual([{ study: 'A', slices: 2, tumorSlices: 1, meanDiceFull: 0.7, meanDiceTiled: null, meanDifference: null, fractionFullBetter: 0.5 }])
  })

  it('sorts either way with ties by study and slice, nulls last', () => {
    const rows = sliceRows({ slices: ROWS })
    expect(sortRows(rows, 'difference', true).map((r) => `${r.study}${r.slice}`)).toEqual(['B3', 'A7', 'A2'])
    expect(sortRows(rows, 'diceTiled', false).map((r) => `${r.study}${r.slice}`)).toEqual(['A2', 'B3', 'A7'])
    expect(sortRows(rows, 'study', false).map((r) => `${r.study}${r.slice}`)).toEqual(['A2', 'A7', 'B3'])
    const withNull = [{ study: 'x', v: null }, { study: 'y', v: 2 }, { study: 'z', v: 1 }]
    expect(sortRows(withNull, 'v', true).map((r) => r.study)).toEqual(['y', 'z', 'x'])
    expect(sortRows(withNull, 'v', false).map((r) => r.study)).toEqual(['z', 'y', 'x'])
  })

  it('puts this run beside the paper and leads back to the study and the model', () => {
    const summary = {
      slices: 96, studies: 3, meanDiceFull: 0.8123, meanDiceTiled: 0.79, meanDiceTiledThresholded: 0.8, meanDifference: 0.0223,
      differenceCI95: [0.01, 0.03], fractionFullBetter: 0.75, fractionFullBetterOrEqual: 0.8, fractionFullBetterBy0_1: 0.05,
      fractionTiledBetterBy0_1: 0.0104, wilcoxonP: 0.00001, tile: 64, overlap: 0.5, blend: 'mean', sliceSelection: 'all',
      data: '/data/cohort/', model: { name: 'tiny', dir: '/home/models/tiny', fingerprint: 'x' }, failed: [], skipped: [{ study: 'C', reason: 'no label' }],
    }
    const rows = paperRows(summary)
    expect(rows.map((r) => [r.label, r.ours, r.paper])).toEqual([
      ['Slices (studies)', '96 (3)', '8,215 (53)'],
      ['Mean soft Dice, whole image', '0.812', '0.874'],
      ['Mean soft Dice, tiled', '0.790', '0.829'],
      ['Mean soft Dice, tiled thresholded', '0.800', '0.862'],
      ['Mean difference whole − tiled', '+0.022', '+0.045'],
      ['Whole image strictly better', '75.00%', '86.99%'],
      ['Whole image better or equal', '80.00%', '87%*'],
      ['Whole image better by > 0.1', '5.00%', '7.5%*'],
      ['Tiling better by > 0.1', '1.04%', '0.767%'],
      ['Wilcoxon signed-rank p', '1.0e-5', '—'],
      ['Tiles', '64 px, 50%, mean', '128 px, 50%, mean'],
    ])
    expect(rows[4].note).toBe('95% CI +0.010 to +0.030 (bootstrap over slices)')
    const facts = summaryFacts(summary)!
    expect(facts).toMatchObject({ tiling: { tile: 64, overlap: 0.5, blend: 'mean' }, slices: 96, skipped: [{ study: 'C', reason: 'no label' }] })
    expect(studyPath(facts.data, 'site1/BraTS_001')).toBe('/data/cohort/site1/BraTS_001')
    const model = (id: string, dir: string) => ({ id, name: id, dir }) as ModelSummary
    expect(modelIdFor(facts.model, [model('other', '/x'), model('tiny-2', '/home/models/tiny/')])).toBe('tiny-2')
    expect(modelIdFor(facts.model, [model('tiny', '/elsewhere')])).toBe('tiny')
    expect(modelIdFor(facts.model, [model('other', '/x')])).toBeNull()
    expect(summaryFacts(null)).toBeNull()
  })
})

describe('evaluation progress', () => {
  const p = (event: EvalEvent, jobId = 'evaluation-1'): JobProgress => ({ jobId, kind: 'evaluation', phase: '', done: 0, total: 0, elapsedMs: 10, etaMs: null, event })
  it('counts slices per study from the running total, even when slice events were dropped', () => {
    // (The service always sends the last slice of a study: cliJobKinds.ts evaluationReporter.)
    let v = newEvaluationView({ jobId: 'evaluation-1', out: '/runs/e', data: '/data', modelId: 'tiny' })
    const events: EvalEvent[] = [
      { type: 'start', out: '/runs/e', studies: 2, model: 'tiny', backend: 'tfjs-wasm', resumed: 0 },
      { type: 'study', study: 'A', index: 0, studies: 2, slices: 4 },
      { type: 'slice', study: 'A', slice: 0, done: 1, total: 8, diceFull: 0.5, diceTiled: 0.4, slicesPerSec: 2, etaMs: 3500 },
      // slices 1-2 of A never reached the page (throttled); the last slice of a study always does
      { type: 'slice', study: 'A', slice: 3, done: 4, total: 8, diceFull: 0.6, diceTiled: 0.4, slicesPerSec: 2, etaMs: 2000 },
      { type: 'study', study: 'B', index: 1, studies: 2, slices: 4 },
      { type: 'slice', study: 'B', slice: 1, done: 6, total: 8, diceFull: 0.9, diceTiled: 0.8, slicesPerSec: 2, etaMs: 1000 },
    ]
    for (const e of events) v = applyEvaluationProgress(v, p(e))
    expect(v).toMatchObject({ status: 'running', model: 'tiny', studies: 2, studyIndex: 1, study: 'B', done: 6, total: 8, etaMs: 1000 })
    expect(currentStudy(v)).toMatchObject({ study: 'B', slices: 4, done: 2, last: { slice: 1, diceFull: 0.9, diceTiled: 0.8 } })
    v = applyEvaluationProgress(v, p({ type: 'studyFailed', study: 'C', error: 'E_NIFTI: truncated' }))
    expect(v.perStudy.find((s) => s.study === 'C')?.failed).toBe('E_NIFTI: truncated')
    expect(applyEvaluationEnd(v, { jobId: 'evaluation-1', kind: 'evaluation', outcome: 'cancelled', elapsedMs: 99 }).status).toBe('cancelled')
    expect(applyEvaluationProgress(v, p(events[2], 'other'))).toBe(v)
  })
})

describe('evaluate form', () => {
  it('builds the request the API accepts and names wrong fields', () => {
    const f = { ...defaultEvaluateForm('tiny'), data: '/data', tile: '64', overlap: '0.25', blend: 'gaussian' as const, slices: 'tumor' as const }
    expect(validateEvaluateForm(f)).toEqual({
      ok: true,
      request: { data: '/data', modelId: 'tiny', tiling: { tile: 64, overlap: 0.25, blend: 'gaussian' }, slices: 'tumor' },
    })
    expect(validateEvaluateForm({ ...f, out: '/runs/e', resume: true })).toMatchObject({ ok: true, request: { out: '/runs/e', resume: true } })
    const bad = validateEvaluateForm({ ...defaultEvaluateForm(null), tile: '8', overlap: '1', resume: true })
    expect(bad).toEqual({
      ok: false,
      errors: {
        data: 'choose the folder to evaluate',
        modelId: 'choose a model (train one first if the list is empty)',
        out: 'to resume, name the folder of the run to continue',
        tile: 'must be at least 16',
        overlap: 'must be below 1',
      },
    })
    expect(validateEvaluateForm({ ...f, tile: '64.5' })).toMatchObject({ ok: false, errors: { tile: 'must be a whole number of pixels' } })
    expect(tilesPerSlice({ tile: '128', overlap: '0.5' })).toBe(9)
    expect(tilesPerSlice({ tile: 'x', overlap: '0.5' })).toBeNull()
  })
})

describe('sweep form and results', () => {
  it('parses the lists into a startSweep request and reads sweep.json rows', () => {
    const f = { ...defaultEvaluateForm('tiny'), mode: 'sweep' as const, data: '/data', tiles: '64; 128, 64', overlaps: '0 0.5' }
    expect(validateSweepForm(f)).toEqual({ ok: true, request: { data: '/data', modelId: 'tiny', tiles: [64, 128], overlaps: [0, 0.5], slices: 'all' } })
    expect(validateSweepForm({ ...f, tiles: '', overlaps: '0, 1.5' })).toEqual({
      ok: false,
      errors: { tiles: 'give at least one value', overlaps: 'each value must be below 1' },
    })
    expect(validateSweepForm({ ...f, tiles: '64, x' })).toMatchObject({ ok: false, errors: { tiles: "not a number: 'x'" } })
    const sweep = sweepFacts({
      model: { name: 'tiny' }, slices: 20, studies: 2, sliceSelection: 'tumor',
      rows: [
        { tile: null, overlap: null, meanDice: 0.8, meanDifference: 0, fractionFullBetter: null, forwardPassesPerSlice: 1, relativeFlops: 1, msPerSlice: 3 },
        { tile: 64, overlap: 0.5, meanDice: 0.7, meanDifference: 0.1, fractionFullBetter: 0.9, forwardPassesPerSlice: 9, relativeFlops: 1.6, msPerSlice: 7 },
      ],
    })
    expect(sweep).toMatchObject({ model: 'tiny', slices: 20, studies: 2, sliceSelection: 'tumor' })
    expect(sweep!.rows[1]).toEqual({ tile: 64, overlap: 0.5, meanDice: 0.7, meanDifference: 0.1, fractionFullBetter: 0.9, forwardPassesPerSlice: 9, relativeFlops: 1.6, msPerSlice: 7 })
    expect(sweepFacts(null)).toBeNull()
  })
})
