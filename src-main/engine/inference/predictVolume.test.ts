import { describe, expect, it } from 'vitest'
import { CancellationTokenSource } from '../../common/cancellation'
import type { Dims3 } from '../../common/types'
import { countingPredictor, identityPredictor, plusOnePredictor, throwingPredictor } from '../../../test/helpers/oraclePredictors'
import { predictVolume, slicesOutward } from './predictVolume'

/** A volume whose voxel (i, j, k) holds i + 1000·j + 1e6·k, in NIfTI order (i fastest). */
function codedVolume(nx: number, ny: number, nz: number): { data: Float32Array; dims: Dims3 } {
  const data = new Float32Array(nx * ny * nz)
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) data[i + nx * (j + ny * k)] = i + 1000 * j + 1e6 * k
  return { data, dims: [nx, ny, nz] }
}

describe('slicesOutward', () => {
  it.each([
    [5, 2, [2, 3, 1, 4, 0]],
    [5, 0, [0, 1, 2, 3, 4]],
    [5, 4, [4, 3, 2, 1, 0]],
    [1, 0, [0]],
    [6, 1, [1, 2, 0, 3, 4, 5]],
  ])('nz=%i first=%i', (nz, first, order) => {
    expect(slicesOutward(nz, first)).toEqual(order)
  })
  it('rejects a first slice outside the volume', () => {
    expect(() => slicesOutward(5, 5)).toThrowError(/first slice must be in \[0, 4\], received 5/)
    expect(() => slicesOutward(0, 0)).toThrowError(/nz must be an integer ≥ 1, received 0/)
  })
})

describe('predictVolume', () => {
  it.each(['full', 'tiled'] as const)('%s: calls back every slice once, in the requested order, as [ny, nx] with i fastest', async (mode) => {
    const volume = codedVolume(48, 40, 7)
    const order = slicesOutward(7, 3)
    const seen: number[] = []
    const stats = await predictVolume(volume, identityPredictor({ maxBatch: 3 }), {
      mode,
      tiling: { tile: 32, overlap: 0.5, blend: 'mean' },
      slices: order,
      onSlice: (z, prob, info) => {
        seen.push(z)
        expect(prob).toHaveLength(48 * 40)
        expect(prob[0]).toBe(1e6 * z)
        expect(prob[5 * 48 + 7]).toBe(7 + 1000 * 5 + 1e6 * z) // row j = 5, column i = 7
        expect(info.forwardPasses).toBe(mode === 'full' ? 1 : 4)
        expect(info.done).toBe(seen.length)
      },
    })
    expect(seen).toEqual(order)
    expect(stats).toMatchObject({ mode, engine: 'oracle', slices: 7, forwardPasses: mode === 'full' ? 7 : 28 })
    expect(stats.layout === null).toBe(mode === 'full')
    if (mode === 'tiled') expect(stats.layout?.offsetsX).toEqual([0, 16])
    expect(stats.msPerSlice).toBeCloseTo(stats.elapsedMs / 7, 9)
  })

  it('predicts only the listed slices and uses the paper tiling by default', async () => {
    const volume = codedVolume(240, 240, 4)
    const p = countingPredictor(plusOnePredictor({ maxBatch: 9 }))
    const seen: number[] = []
    const stats = await predictVolume(volume, p, { mode: 'tiled', slices: [2], onSlice: (z) => void seen.push(z) })
    expect(seen).toEqual([2])
    expect(stats.layout?.origins).toHaveLength(9)
    expect(p.calls.map((c) => c.n)).toEqual([9])
  })

  it('waits for an async callback before the next one', async () => {
    const log: string[] = []
    await predictVolume(codedVolume(16, 16, 3), identityPredictor({ maxBatch: 3 }), {
      mode: 'full',
      onSlice: async (z) => {
        log.push(`start ${z}`)
        await new Promise((r) => setTimeout(r, 5))
        log.push(`end ${z}`)
      },
    })
    expect(log).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2'])
  })

  it('respects cancellation between batches', async () => {
    const source = new CancellationTokenSource()
    const p = countingPredictor(identityPredictor({ maxBatch: 1 }))
    const seen: number[] = []
    const err = await predictVolume(codedVolume(16, 16, 10), p, {
      mode: 'full',
      token: source.token,
      onSlice: (z) => {
        seen.push(z)
        if (seen.length === 2) source.cancel()
      },
    }).catch((e) => e)
    expect(err.code).toBe('E_CANCELLED')
    expect(seen).toEqual([0, 1])
    expect(p.calls).toHaveLength(2)
  })

  it('puts the first slice alone in the first batch when prioritised', async () => {
    const p = countingPredictor(identityPredictor({ maxBatch: 4 }))
    await predictVolume(codedVolume(16, 16, 6), p, { mode: 'full', slices: slicesOutward(6, 3), prioritizeFirstSlice: true, onSlice: () => {} })
    expect(p.calls.map((c) => c.n)).toEqual([1, 4, 1])
    expect(p.calls[0].input[0]).toBe(3e6)
  })

  it.each([
    [{ data: new Float32Array(10), dims: [4, 4, 1] as Dims3 }, {}, /volume has 10 voxels, dims 4×4×1 need 16/],
    [codedVolume(16, 16, 3), { slices: [0, 3] }, /slice 3 is outside \[0, 2\]/],
    [codedVolume(16, 16, 3), { slices: [1, 1] }, /slice 1 is listed twice/],
    [codedVolume(16, 16, 3), { slices: [] }, /at least one axial slice/],
    [codedVolume(16, 16, 3), { mode: 'crop' }, /mode must be 'full' or 'tiled', received "crop"/],
    [codedVolume(16, 16, 3), { mode: 'tiled', tiling: { tile: 24, overlap: 0.5, blend: 'mean' } }, /tile 24 is not a multiple/],
    [codedVolume(16, 16, 3), { mode: 'tiled', tiling: { tile: 16, overlap: 1, blend: 'mean' } }, /overlap must be in \[0, 1\), received 1/],
  ])('rejects bad input before the predictor is called (%#)', async (volume, extra, message) => {
    const p = throwingPredictor()
    await expect(predictVolume(volume, p, { mode: 'full', onSlice: () => {}, ...(extra as object) })).rejects.toThrowError(message)
    expect(p.calls).toBe(0)
  })
})
