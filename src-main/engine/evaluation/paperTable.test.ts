import { describe, expect, it } from 'vitest'
import { formatPaperTable } from './paperTable'
import type { EvaluationSummary } from './summary'

/** Only the fields formatPaperTable reads; the rest of a summary does not matter here. */
function summary(tumorSlices: EvaluationSummary['tumorSlices'], slices = 10): EvaluationSummary {
  return {
    slices, studies: 2, meanDiceFull: 0.5, meanDiceTiled: 0.4, meanDiceTiledThresholded: 0.45, meanDifference: 0.1,
    differenceCI95: [0.05, 0.15], fractionFullBetter: 0.9, fractionFullBetterOrEqual: 0.95, fractionFullBetterBy0_1: 0.2,
    fractionTiledBetterBy0_1: 0, wilcoxonP: 0, tile: 128, overlap: 0.5, blend: 'mean', sliceSelection: 'all',
    model: { name: 'm' }, failed: [], skipped: [], tumorSlices,
  } as unknown as EvaluationSummary
}

describe('formatPaperTable', () => {
  it('prints this run beside the paper, a zero p as < 1e-16, the CI with signs', () => {
    const text = formatPaperTable(summary({ slices: 10, meanDiceFull: 0.5, meanDiceTiled: 0.4, meanDifference: 0.1 }))
    expect(text).toMatch(/mean soft Dice, whole image\s+0\.500\s+0\.874/)
    expect(text).toMatch(/mean difference whole − tiled\s+\+0\.100 {2}\[95% CI \+0\.050, \+0\.150\]\s+\+0\.045/)
    expect(text).toMatch(/Wilcoxon signed-rank p\s+< 1e-16/)
    expect(text).not.toMatch(/slices with tumour/) // every slice has tumour: nothing to add
  })

  it('adds the means over slices with tumour when tumour-free slices are included', () => {
    const text = formatPaperTable(summary({ slices: 4, meanDiceFull: 0.8, meanDiceTiled: 0.7, meanDifference: 0.1 }))
    expect(text).toMatch(/on the 4 slices with tumour: whole\s+0\.800\s+—/)
    expect(text).toMatch(/on the 4 slices with tumour: tiled\s+0\.700\s+—/)
  })
})
