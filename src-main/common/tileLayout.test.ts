import { describe, expect, it } from 'vitest'
import { tileLayout, tileOffsets } from './tileLayout'

describe('tileOffsets (paper-spec §4)', () => {
  it.each([
    [240, 128, 0.5, [0, 64, 112]],
    [240, 128, 0.75, [0, 32, 64, 96, 112]],
    [240, 64, 0.5, [0, 32, 64, 96, 128, 160, 176]],
    [240, 240, 0.5, [0]],
    [240, 256, 0, [0]],
    [240, 120, 0, [0, 120]],
    [240, 100, 0, [0, 100, 140]],
    [155, 128, 0.5, [0, 27]],
    [20, 10, 0.55, [0, 5, 10]],
  ])('L=%i P=%i overlap=%f → %j', (L, P, o, want) => {
    expect(tileOffsets(L, P, o)).toEqual(want)
  })

  it('refuses an overlap of 1 and empty axes', () => {
    expect(() => tileOffsets(240, 128, 1)).toThrow(RangeError)
    expect(() => tileOffsets(0, 128, 0.5)).toThrow(RangeError)
  })
})

describe('tileLayout', () => {
  it('gives the paper 3×3 = 9 tiles on a 240×240 slice', () => {
    const rects = tileLayout(240, 240, { tile: 128, overlap: 0.5 })
    expect(rects).toHaveLength(9)
    expect(rects[0]).toEqual({ x0: 0, y0: 0, width: 128, height: 128 })
    expect(rects[8]).toEqual({ x0: 112, y0: 112, width: 128, height: 128 })
  })

  it('clips a tile larger than the slice', () => {
    expect(tileLayout(100, 80, { tile: 128, overlap: 0 })).toEqual([{ x0: 0, y0: 0, width: 100, height: 80 }])
  })
})
