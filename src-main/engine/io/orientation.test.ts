import { describe, expect, it } from 'vitest'
import type { Affine } from '../../common/types'
import { axisCodes, radiologicalSlice, radiologicalTransform } from './orientation'
import { BRATS_AFFINE, IDENTITY_AFFINE } from '../../../test/helpers/niftiFixtures'

const affine = (cols: number[][], offset = [0, 0, 0]): Affine => [
  [cols[0][0], cols[1][0], cols[2][0], offset[0]],
  [cols[0][1], cols[1][1], cols[2][1], offset[1]],
  [cols[0][2], cols[1][2], cols[2][2], offset[2]],
  [0, 0, 0, 1],
]

describe('axisCodes (as nibabel aff2axcodes)', () => {
  it.each([
    ['BraTS', BRATS_AFFINE, 'LPS'],
    ['identity', IDENTITY_AFFINE, 'RAS'],
    ['LAS (FSL radiological)', affine([[-2, 0, 0], [0, 2, 0], [0, 0, 2]]), 'LAS'],
    ['sagittal PSR', affine([[0, -1, 0], [0, 0, 1], [1, 0, 0]]), 'PSR'],
    ['coronal LIA', affine([[-1, 0, 0], [0, 0, -1], [0, 1, 0]]), 'LIA'],
    ['slightly oblique LPS', affine([[-0.99, 0.1, 0], [-0.1, -0.99, 0.05], [0, -0.05, 1]]), 'LPS'],
  ])('%s → %s', (_name, a, codes) => {
    expect(axisCodes(a)).toBe(codes)
  })
})

describe('radiological display of axial slices', () => {
  // a 3 × 2 slice (nx = 3, ny = 2), value = 10·j + i
  const slice = new Float32Array([0, 1, 2, 10, 11, 12])
  const dims = [3, 2, 1]

  it('on the BraTS grid (i → L, j → P) the raw slice already is radiological', () => {
    expect(radiologicalTransform(BRATS_AFFINE)).toEqual({ transpose: false, flipColumns: false, flipRows: false })
    const out = radiologicalSlice(slice, dims, BRATS_AFFINE)
    expect(out).toMatchObject({ height: 2, width: 3 })
    expect(Array.from(out.data)).toEqual(Array.from(slice))
    expect(out.data).not.toBe(slice)
  })

  it('on a RAS grid both axes flip: screen left = patient right, screen up = anterior', () => {
    const out = radiologicalSlice(slice, dims, IDENTITY_AFFINE)
    // row 0 must be the most anterior row (j = 1), column 0 the most right (i = 2)
    expect(Array.from(out.data)).toEqual([12, 11, 10, 2, 1, 0])
  })

  it('on an LAS grid only rows flip', () => {
    const out = radiologicalSlice(slice, dims, affine([[-1, 0, 0], [0, 1, 0], [0, 0, 1]]))
    expect(Array.from(out.data)).toEqual([10, 11, 12, 0, 1, 2])
  })

  it('when j runs left-right the slice is transposed', () => {
    // i → P, j → L: display rows follow i, columns follow j
    const a = affine([[0, -1, 0], [-1, 0, 0], [0, 0, 1]])
    expect(axisCodes(a)).toBe('PLS')
    const out = radiologicalSlice(slice, dims, a)
    expect(out).toMatchObject({ height: 3, width: 2 })
    expect(Array.from(out.data)).toEqual([0, 10, 1, 11, 2, 12])
  })

  it('keeps the array type', () => {
    const out = radiologicalSlice(new Uint8Array([1, 2, 3, 4, 5, 6]), dims, IDENTITY_AFFINE)
    expect(out.data).toBeInstanceOf(Uint8Array)
  })
})
