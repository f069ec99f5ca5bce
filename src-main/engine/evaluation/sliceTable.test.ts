import { describe, expect, it } from 'vitest'
import { SLICE_COLUMNS, formatSliceCsv, parseSliceCsv, type SliceRecord } from './sliceTable'

const rec = (study: string, slice: number, extra: Partial<SliceRecord> = {}): SliceRecord => ({
  study, slice, tumorPixels: 3, diceFull: 0.1 + 0.2, diceTiled: 1 / 3, diceTiledThresholded: 2e-17,
  binaryDiceFull: null, binaryDiceTiled: 0.5, difference: 0.1 + 0.2 - 1 / 3, falsePositivesFull: 0, falseNegativesFull: 1,
  falsePositivesTiled: 2, falseNegativesTiled: 3, predictedPixelsFull: 2, predictedPixelsTiled: 4, tilesPerSlice: 9, ...extra,
})

describe('slices.csv', () => {
  it('round-trips every double exactly; undefined binary Dice is an empty cell', () => {
    const records = [rec('b/x', 2), rec('a,quoted "name"', 0, { difference: -0 })]
    const text = formatSliceCsv(records)
    expect(text.split('\n')[0]).toBe(SLICE_COLUMNS.join(','))
    expect(text).toContain('"a,quoted ""name""",0,3,0.30000000000000004,0.3333333333333333,2e-17,,0.5,0,')
    const back = parseSliceCsv(text)
    expect(back[0]).toEqual({ ...records[1], difference: 0 })
    expect(back[1]).toEqual(records[0])
  })

  it('rows are sorted by study (code points) then slice, whatever the input order', () => {
    const text = formatSliceCsv([rec('b', 1), rec('a', 10), rec('a', 2), rec('B', 0)])
    expect(parseSliceCsv(text).map((r) => `${r.study}:${r.slice}`)).toEqual(['B:0', 'a:2', 'a:10', 'b:1'])
  })

  it('rejects a missing column or a non-number, naming the line and column', () => {
    expect(() => parseSliceCsv('study,slice\na,1\n')).toThrow(/missing columns tumorPixels/)
    const bad = formatSliceCsv([rec('a', 0)]).replace('0.30000000000000004', 'abc')
    expect(() => parseSliceCsv(bad)).toThrow(/line 2, column diceFull: "abc" is not a number/)
  })
})
