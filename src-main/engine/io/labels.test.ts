import { describe, expect, it } from 'vitest'
import type { Volume } from '../../common/types'
import { EngineError } from '../../common/errors'
import { maxTumorSliceIndex, toLabelVolume, tumorPixelsPerSlice, wholeTumorMask } from './labels'
import { BRATS_AFFINE } from '../../../test/helpers/niftiFixtures'

const volume = (values: number[]): Volume => ({
  data: new Float32Array(values),
  dims: [values.length, 1, 1],
  spacingMm: [1, 1, 1],
  affine: BRATS_AFFINE,
  orientation: 'LPS',
  datatype: 'float32',
  path: '/data/case/seg.nii.gz',
})

function labelError(values: number[]): EngineError {
  try {
    toLabelVolume(volume(values))
  } catch (e) {
    return e as EngineError
  }
  throw new Error('expected an error')
}

describe('toLabelVolume', () => {
  it('rounds float labels within 1e-3 of integers', () => {
    const l = toLabelVolume(volume([0, 0.9995, 2.0004, 4, 3.9992, 0.0003, -0.0002]))
    expect(Array.from(l.data)).toEqual([0, 1, 2, 4, 4, 0, 0])
    expect(l.labelValues).toEqual([0, 1, 2, 4])
    expect(l.data).toBeInstanceOf(Uint8Array)
    expect(l.affine).toBe(BRATS_AFFINE)
  })

  it('refuses non-integer values and lists them', () => {
    const e = labelError([0, 1, 0.5, 2, 1.25, 1.002])
    expect(e.code).toBe('E_LABEL')
    expect(e.message).toMatch('/data/case/seg.nii.gz')
    expect(e.message).toMatch(/3 non-integer values/)
    expect(e.message).toMatch(/0\.5, 1\.25, 1\.00/)
  })

  it('refuses NaN, negative and > 255 labels', () => {
    expect(labelError([0, NaN]).code).toBe('E_LABEL')
    expect(labelError([0, -1]).message).toMatch(/label value -1 outside 0\.\.255/)
    expect(labelError([0, 256]).message).toMatch(/label value 256/)
  })

  it.each([
    ['BraTS 2015', [0, 1, 2, 3, 4], [0, 1, 1, 1, 1]],
    ['BraTS 2017-2021', [0, 1, 2, 4], [0, 1, 1, 1]],
    ['BraTS 2023+', [0, 1, 2, 3], [0, 1, 1, 1]],
    ['binary', [0, 1, 0], [0, 1, 0]],
  ])('whole tumour = label > 0 (%s)', (_name, labels, expected) => {
    expect(Array.from(wholeTumorMask(new Uint8Array(labels)))).toEqual(expected)
  })
})

describe('tumour per axial slice', () => {
  it('counts per slice k and finds the first maximum', () => {
    // dims 2 × 1 × 4: slices of 2 pixels
    const mask = new Uint8Array([0, 0, 1, 0, 1, 1, 1, 1])
    const counts = tumorPixelsPerSlice(mask, [2, 1, 4])
    expect(counts).toEqual([0, 1, 2, 2])
    expect(maxTumorSliceIndex(counts)).toBe(2)
    expect(maxTumorSliceIndex([0, 0, 0])).toBeNull()
  })
})
