import { describe, expect, it } from 'vitest'
import { DEFAULT_AUGMENT } from './augment'
import { BatchSampler, type SliceRef } from './sampler'
import { SliceStore, type CachedStudy } from './sliceCache'

/** An in-memory store whose pixel value encodes its position: study·1e6 + z·1e4 + row·100 + column. */
function codedStore(dims: [number, number, number][], tumorSlices: number[][] = []): SliceStore {
  const studies: CachedStudy[] = dims.map((d, s) => ({
    key: `s${s}`,
    name: `s${s}`,
    dims: d,
    tumorPixelsPerSlice: Array.from({ length: d[2] }, (_, z) => (tumorSlices[s]?.includes(z) ? 1 : 0)),
    dir: null,
  }))
  const arrays = dims.map(([nx, ny, nz], s) => {
    const image = new Float32Array(nx * ny * nz)
    const mask = new Uint8Array(nx * ny * nz)
    for (let z = 0; z < nz; z++)
      for (let r = 0; r < ny; r++)
        for (let c = 0; c < nx; c++) {
          const i = c + nx * (r + ny * z)
          image[i] = s * 1e6 + z * 1e4 + r * 100 + c
          mask[i] = (r + c) % 2
        }
    return { image, mask }
  })
  return new SliceStore(studies, 'memory', 0, arrays, null)
}

const allSlices = (store: SliceStore): SliceRef[] =>
  store.studies.flatMap((st, s) => Array.from({ length: st.dims[2] }, (_, z) => ({ study: s, z })))

const NONE = { ...DEFAULT_AUGMENT, mode: 'none' as const }

describe('BatchSampler', () => {
  it('crop offsets cover 0..L−P on both axes, both ends reached (the paper never drew L−P)', () => {
    const store = codedStore([[20, 24, 4]])
    const sampler = new BatchSampler(store, allSlices(store), { seed: 1, batchSize: 4, crop: 16, augment: NONE, tumorFraction: 0 })
    const ys = new Set<number>()
    const xs = new Set<number>()
    for (let step = 1; step <= 200; step++)
      for (const p of sampler.plan(1, step)) {
        ys.add(p.y0)
        xs.add(p.x0)
      }
    expect([...ys].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8])
    expect([...xs].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4])
  })

  it('crops the right pixels of image and mask, distinct slices within a batch', async () => {
    const store = codedStore([[20, 20, 6], [20, 20, 5]])
    const sampler = new BatchSampler(store, allSlices(store), { seed: 3, batchSize: 11, crop: 8, augment: NONE, tumorFraction: 0 })
    const b = await sampler.batch(2, 5)
    expect([b.n, b.height, b.width]).toEqual([11, 8, 8])
    expect(new Set(b.picks.map((p) => `${p.slice.study}/${p.slice.z}`)).size).toBe(11)
    b.picks.forEach((p, i) => {
      for (const [r, c] of [[0, 0], [7, 7], [3, 5]]) {
        expect(b.images[i * 64 + r * 8 + c]).toBe(p.slice.study * 1e6 + p.slice.z * 1e4 + (p.y0 + r) * 100 + p.x0 + c)
        expect(b.masks[i * 64 + r * 8 + c]).toBe((p.y0 + r + p.x0 + c) % 2)
      }
    })
  })

  it('is a pure function of (seed, epoch, step)', async () => {
    const store = codedStore([[16, 16, 8]])
    const cfg = { seed: 9, batchSize: 3, crop: 8, augment: DEFAULT_AUGMENT, tumorFraction: 0 }
    const a = new BatchSampler(store, allSlices(store), cfg)
    const b = new BatchSampler(store, allSlices(store), cfg)
    await b.batch(1, 1) // other calls in between do not matter
    const [x, y] = [await a.batch(3, 7), await b.batch(3, 7)]
    expect(y.picks).toEqual(x.picks)
    expect(y.images).toEqual(x.images)
    expect((await a.batch(3, 8)).picks).not.toEqual(x.picks)
  })

  it('augments image and mask with the same transform', async () => {
    const store = codedStore([[12, 12, 3]])
    const sampler = new BatchSampler(store, allSlices(store), { seed: 2, batchSize: 3, crop: 8, augment: DEFAULT_AUGMENT, tumorFraction: 0 })
    for (let step = 1; step <= 20; step++) {
      const b = await sampler.batch(1, step)
      for (let i = 0; i < b.images.length; i++) {
        const v = b.images[i] % 1e4
        const [r, c] = [Math.floor(v / 100), v % 100]
        expect(b.masks[i]).toBe((r + c) % 2)
      }
    }
  })

  it('tumour fraction: at least round(F·N) slices with tumour in every batch', () => {
    const store = codedStore([[16, 16, 40]], [[3, 4, 5, 6, 7]])
    const sampler = new BatchSampler(store, allSlices(store), { seed: 4, batchSize: 6, crop: 16, augment: NONE, tumorFraction: 0.5 })
    for (let step = 1; step <= 50; step++) {
      const picks = sampler.plan(1, step)
      expect(picks.filter((p) => [3, 4, 5, 6, 7].includes(p.slice.z)).length).toBeGreaterThanOrEqual(3)
      expect(new Set(picks.map((p) => p.slice.z)).size).toBe(6)
    }
  })

  it('whole slices with crop null; refuses impossible settings', async () => {
    const store = codedStore([[16, 16, 4]])
    const full = new BatchSampler(store, allSlices(store), { seed: 1, batchSize: 2, crop: null, augment: NONE, tumorFraction: 0 })
    const b = await full.batch(1, 1)
    expect([b.height, b.width, b.picks[0].y0, b.picks[0].x0]).toEqual([16, 16, 0, 0])
    const cfg = { seed: 1, batchSize: 2, crop: 8, augment: NONE, tumorFraction: 0 }
    expect(() => new BatchSampler(store, allSlices(store), { ...cfg, batchSize: 5 })).toThrow(/exceeds the 4/)
    expect(() => new BatchSampler(store, allSlices(store), { ...cfg, crop: 32 })).toThrow(/--crop 32/)
    expect(() => new BatchSampler(store, allSlices(store), { ...cfg, tumorFraction: 0.5 })).toThrow(/no training slice/)
    const mixed = codedStore([[16, 16, 2], [8, 8, 2]])
    expect(() => new BatchSampler(mixed, allSlices(mixed), { ...cfg, crop: null })).toThrow(/one slice size/)
  })
})
