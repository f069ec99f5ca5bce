import { describe, expect, it } from 'vitest'
import { diceScatterSpec, differenceHistogramSpec, histogramBins, histogramHalfWidth, SCATTER_POINT_LIMIT } from './evaluationCharts'
import { sweepCostSpec } from './sweepCharts'

describe('evaluation chart specs', () => {
  it('histogram: exactly 200 bins over a symmetric extent, the last bin closed', () => {
    const bins = histogramBins([-1, -0.5, 0, 0.999, 1, 1.5], -1, 1, 200)
    expect(bins).toHaveLength(200)
    expect(bins[0]).toMatchObject({ start: -1, count: 1 })
    expect(bins[199]).toMatchObject({ end: 1, count: 2 }) // 0.999 and 1; 1.5 is outside
    expect(bins[100]).toMatchObject({ start: 0, count: 1 })
    expect(bins.reduce((s, b) => s + b.count, 0)).toBe(5)
  })

  it('half-width: max |d| rounded up to 1, 2, 2.5, 5 × 10^k', () => {
    expect(histogramHalfWidth([0.3, -0.61])).toBe(1)
    expect(histogramHalfWidth([0.0023])).toBe(0.0025)
    expect(histogramHalfWidth([0.2])).toBe(0.2)
    expect(histogramHalfWidth([0.00001])).toBe(1e-4)
    expect(histogramHalfWidth([-0.045])).toBe(0.05)
  })

  it("histogram labels the paper's sides; the scatter has the diagonal and switches to a density beyond the limit", () => {
    const h = JSON.stringify(differenceHistogramSpec([0.1, -0.2]))
    expect(h).toContain('Whole image better →')
    expect(h).toContain('← Tiling better')
    const pt = { study: 's', slice: 0, diceFull: 0.5, diceTiled: 0.4, tumorPixels: 1 }
    const small = JSON.stringify(diceScatterSpec([pt]))
    expect(small).toContain('"a2":1')
    expect(small).toContain('"circle"')
    const big = JSON.stringify(diceScatterSpec(Array(SCATTER_POINT_LIMIT + 1).fill(pt)))
    expect(big).toContain('"rect"')
  })

  it('sweep chart: the whole image as its own layer, tiled points by tile and overlap', () => {
    const spec = JSON.stringify(
      sweepCostSpec([
        { tile: null, overlap: null, meanDice: 0.8, relativeFlops: 1, msPerSlice: 10, forwardPassesPerSlice: 1 },
        { tile: 128, overlap: 0.5, meanDice: 0.7, relativeFlops: 2.56, msPerSlice: 25, forwardPassesPerSlice: 9 },
      ]),
    )
    expect(spec).toContain('"label":"whole image"')
    expect(spec).toContain('"label":"128/50%"')
  })
})
