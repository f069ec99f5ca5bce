import { describe, expect, it } from 'vitest'
import { EngineError } from '../../common/errors'
import { PAPER_TILING } from '../../common/types'
import { strideFor, tileLayout, tileOffsets, validateTiling } from './tiling'

const range = (start: number, end: number, step: number) =>
  Array.from({ length: Math.ceil((end - start) / step) }, (_, k) => start + k * step)

describe('tileOffsets follows the paper ({kS : kS < L−P} ∪ {L−P})', () => {
  it.each([
    [240, 128, 64, [0, 64, 112]],
    [240, 128, 32, [0, 32, 64, 96, 112]],
    [240, 64, 32, [0, 32, 64, 96, 128, 160, 176]],
    [155, 128, 64, [0, 27]],
    [100, 256, 32, [0]],
    [240, 240, 64, [0]],
    [241, 240, 120, [0, 1]],
    [256, 128, 64, [0, 64, 128]],
    [240, 16, 16, [...range(0, 224, 16), 224]],
  ])('L=%i P=%i S=%i', (length, tile, stride, expected) => {
    expect(tileOffsets(length, tile, stride)).toEqual(expected)
  })

  it('covers every pixel and ends flush with the border', () => {
    for (const [L, P, S] of [[240, 128, 64], [155, 128, 100], [239, 48, 17], [17, 16, 1]]) {
      const offsets = tileOffsets(L, P, S)
      const covered = new Uint8Array(L)
      for (const o of offsets) covered.fill(1, o, o + P)
      expect(covered.every((c) => c === 1)).toBe(true)
      expect(offsets[offsets.length - 1] + P).toBe(Math.max(L, P))
    }
  })

  it.each([
    [0, 128, 64],
    [240, 0, 64],
    [240, 128, 0],
    [240, 12.5, 4],
    [240, 128, 200],
  ])('rejects L=%s P=%s S=%s naming the value', (L, P, S) => {
    expect(() => tileOffsets(L, P, S)).toThrowError(EngineError)
  })
})

describe('strideFor: S = max(1, round-half-up(P·(1 − overlap)))', () => {
  it.each([
    [128, 0.5, 64],
    [128, 0.75, 32],
    [64, 0.5, 32],
    [128, 0, 128],
    [10, 0.55, 5],
    [128, 0.7, 38],
    [5, 0.5, 3],
    [128, 0.999, 1],
    [1, 0.5, 1],
  ])('P=%i overlap=%f → %i', (tile, overlap, stride) => {
    expect(strideFor(tile, overlap)).toBe(stride)
  })

  it.each([-0.1, 1, 1.5, Number.NaN, Infinity])('rejects overlap %f with E_ARGS naming it', (overlap) => {
    expect(() => strideFor(128, overlap)).toThrowError(/overlap must be in \[0, 1\), received/)
  })
})

describe('validateTiling', () => {
  it('accepts the paper tiling for a 16-multiple model', () => {
    expect(() => validateTiling(PAPER_TILING, 16)).not.toThrow()
  })
  it.each([
    [{ tile: 0, overlap: 0.5, blend: 'mean' }, /tile must be an integer ≥ 1, received 0/],
    [{ tile: 127.5, overlap: 0.5, blend: 'mean' }, /received 127.5/],
    [{ tile: 120, overlap: 0.5, blend: 'mean' }, /tile 120 is not a multiple of the model's input multiple 16/],
    [{ tile: 128, overlap: 1, blend: 'mean' }, /overlap must be in \[0, 1\), received 1/],
    [{ tile: 128, overlap: -0.25, blend: 'mean' }, /received -0.25/],
    [{ tile: 128, overlap: 0.5, blend: 'median' }, /blend must be 'mean' or 'gaussian', received "median"/],
  ])('rejects %j', (tiling, message) => {
    try {
      validateTiling(tiling as never, 16)
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(EngineError)
      expect((err as EngineError).code).toBe('E_ARGS')
      expect((err as EngineError).message).toMatch(message)
    }
  })
})

describe('tileLayout', () => {
  it.each([
    [128, 0.5, 9, 64],
    [128, 0.75, 25, 32],
    [64, 0.5, 49, 32],
    [240, 0.5, 1, 120],
  ])('240×240, tile %i overlap %f → %i tiles, stride %i', (tile, overlap, count, stride) => {
    const layout = tileLayout(240, 240, { tile, overlap, blend: 'mean' }, 16)
    expect(layout.tilesPerSlice).toBe(count)
    expect(layout.origins).toHaveLength(count)
    expect(layout.stride).toBe(stride)
    expect(layout.paddedHeight).toBe(240)
  })

  it('gives the paper layout as a Cartesian product, row-major', () => {
    const layout = tileLayout(240, 240, PAPER_TILING)
    expect(layout.offsetsY).toEqual([0, 64, 112])
    expect(layout.origins).toEqual([
      [0, 0], [0, 64], [0, 112],
      [64, 0], [64, 64], [64, 112],
      [112, 0], [112, 64], [112, 112],
    ])
    expect(layout.effectiveOverlap).toBe(0.5)
  })

  it('handles non-square slices and pads an axis shorter than the tile', () => {
    const layout = tileLayout(100, 240, PAPER_TILING)
    expect(layout.offsetsY).toEqual([0])
    expect(layout.offsetsX).toEqual([0, 64, 112])
    expect([layout.paddedHeight, layout.paddedWidth]).toEqual([128, 240])
    expect(layout.tilesPerSlice).toBe(3)
  })

  it('reports the overlap actually used when P·(1 − overlap) is not an integer', () => {
    const layout = tileLayout(240, 240, { tile: 128, overlap: 0.7, blend: 'mean' })
    expect(layout.stride).toBe(38)
    expect(layout.effectiveOverlap).toBeCloseTo(1 - 38 / 128, 12)
  })

  it('rejects bad slice sizes', () => {
    expect(() => tileLayout(0, 240, PAPER_TILING)).toThrowError(/height must be an integer ≥ 1, received 0/)
    expect(() => tileLayout(240, 2.5, PAPER_TILING)).toThrowError(/width must be an integer ≥ 1, received 2.5/)
  })
})
