import { describe, expect, it } from 'vitest'
import type { SliceRecord } from './sliceTable'
import { pickReportSlices } from './writeOutputs'

const r = (study: string, slice: number, difference: number): SliceRecord =>
  ({ study, slice, difference }) as SliceRecord

describe('pickReportSlices', () => {
  const records = [r('a', 10, 0.9), r('a', 20, 0.8), r('a', 30, 0.7), r('b', 5, 0.5), r('c', 1, 0.2), r('c', 2, 0.95)]
  const all = new Set(records.map((x) => `${x.study}\u0000${x.slice}`))

  it('worst first, one per study while other studies have pictures left, then the next worst', () => {
    expect(pickReportSlices(records, all, 3).map((x) => `${x.study}${x.slice}`)).toEqual(['c2', 'a10', 'b5'])
    expect(pickReportSlices(records, all, 5).map((x) => `${x.study}${x.slice}`)).toEqual(['c2', 'a10', 'a20', 'a30', 'b5'])
  })

  it('only slices that have a picture', () => {
    const some = new Set(['a\u000020', 'b\u00005'])
    expect(pickReportSlices(records, some, 6).map((x) => `${x.study}${x.slice}`)).toEqual(['a20', 'b5'])
  })
})
