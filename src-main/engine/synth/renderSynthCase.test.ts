import { describe, expect, it } from 'vitest'
import type { Dims3 } from '../../common/types'
import { renderSynthCase, synthGeometry, type RenderedCase } from './renderSynthCase'
import { sampleCaseParams } from './sampleCaseParams'
import { TISSUE, type LesionParams, type SynthCaseParams } from './synthParams'

// 2 mm voxels over the BraTS field of view: the same anatomy as 240×240×155, 8× fewer voxels.
const DIMS: Dims3 = [120, 120, 78]
const SPACING = synthGeometry(DIMS).spacingMm
const render = (p: SynthCaseParams): RenderedCase => renderSynthCase(p, { dims: DIMS, withTissue: true })
const cache = new Map<string, RenderedCase>()
function rendered(seed: number, caseIndex: number): RenderedCase {
  const key = `${seed}/${caseIndex}`
  if (!cache.has(key)) cache.set(key, render(sampleCaseParams(seed, caseIndex)))
  return cache.get(key)!
}

describe('synthGeometry', () => {
  it('is the standard BraTS affine at 240×240×155', () => {
    const g = synthGeometry([240, 240, 155])
    expect(g.spacingMm).toEqual([1, 1, 1])
    expect(g.affine.map((r) => r.map((v) => v + 0))).toEqual([[-1, 0, 0, 0], [0, -1, 0, 239], [0, 0, 1, 0], [0, 0, 0, 1]])
  })
  it('keeps the field of view at coarser grids', () => {
    const g = synthGeometry(DIMS)
    expect(g.spacingMm[0]).toBe(2)
    expect(g.spacingMm[2]).toBeCloseTo(155 / 78)
    // voxel centre (0,0,0) sits half a coarse voxel inside the 1 mm grid's first voxel
    expect(g.affine[0][3]).toBeCloseTo(-0.5)
    expect(g.affine[1][3]).toBeCloseTo(238.5)
  })
  it('rejects bad dims', () => {
    expect(() => renderSynthCase(sampleCaseParams(1, 0), { dims: [0, 10, 10] })).toThrow(/E_ARGS|dims/)
  })
})

describe('renderSynthCase labels', () => {
  for (const [seed, c] of [[7, 0], [7, 1], [3, 2]] as const) {
    it(`seed ${seed} case ${c}: labels ⊆ {0,1,2,4}, nested, inside the brain`, () => {
      const r = rendered(seed, c)
      const [nx, ny, nz] = r.dims
      const seen = new Set<number>()
      let badNeighbour = 0, outside = 0
      for (let k = 0; k < nz; k++)
        for (let j = 0; j < ny; j++)
          for (let i = 0; i < nx; i++) {
            const v = r.seg[i + nx * (j + ny * k)]
            seen.add(v)
            if (v > 0 && r.flair[i + nx * (j + ny * k)] <= 0) outside++
            if (v !== 1 && v !== 4) continue
            for (let dk = -1; dk <= 1; dk++)
              for (let dj = -1; dj <= 1; dj++)
                for (let di = -1; di <= 1; di++) {
                  const n = i + di + nx * (j + dj + ny * (k + dk))
                  if (r.seg[n] === 0) badNeighbour++
                }
          }
      expect([...seen].every((v) => [0, 1, 2, 4].includes(v))).toBe(true)
      expect(seen.has(2)).toBe(true)
      expect(seen.has(1) || seen.has(4)).toBe(true)
      expect(badNeighbour).toBe(0)
      expect(outside).toBe(0)
    })
  }

  it('has tumour on some axial slices and not on others, and empty slices at the top', () => {
    const r = rendered(7, 0)
    const [nx, ny, nz] = r.dims
    const tumourSlices: number[] = [], brainArea: number[] = []
    for (let k = 0; k < nz; k++) {
      let t = 0, b = 0
      for (let n = k * nx * ny; n < (k + 1) * nx * ny; n++) {
        if (r.seg[n] > 0) t++
        if (r.flair[n] > 0) b++
      }
      if (t > 0) tumourSlices.push(k)
      brainArea.push(b)
    }
    expect(tumourSlices.length).toBeGreaterThan(3)
    expect(tumourSlices.length).toBeLessThan(nz / 2)
    expect(brainArea[nz - 1]).toBe(0) // above the vertex
    expect(brainArea[0]).toBeLessThan(0.15 * Math.max(...brainArea)) // brainstem / cerebellum only
  })
})

describe('renderSynthCase contrast', () => {
  it('FLAIR means order oedema > grey matter > white matter > CSF within the brain', () => {
    for (const [seed, c] of [[7, 0], [7, 1], [3, 2]] as const) {
      const r = rendered(seed, c)
      const mean = (pick: (n: number) => boolean): number => {
        let s = 0, count = 0
        for (let n = 0; n < r.flair.length; n++)
          if (r.flair[n] > 0 && pick(n)) {
            s += r.flair[n]
            count++
          }
        expect(count).toBeGreaterThan(0)
        return s / count
      }
      const t = r.tissue!
      const oedema = mean((n) => r.seg[n] === 2)
      const grey = mean((n) => r.seg[n] === 0 && t[n] === TISSUE.greyMatter)
      const white = mean((n) => r.seg[n] === 0 && t[n] === TISSUE.whiteMatter)
      const csf = mean((n) => r.seg[n] === 0 && (t[n] === TISSUE.csf || t[n] === TISSUE.ventricle))
      expect(oedema).toBeGreaterThan(grey)
      expect(grey).toBeGreaterThan(white * 1.1)
      expect(white).toBeGreaterThan(csf * 1.5)
    }
  })

  it('is not segmented perfectly by a global threshold (non-tumour hyperintensities, soft margins)', () => {
    const dices: number[] = []
    let brightHealthy = 0
    for (const [seed, c] of [[7, 0], [7, 1], [3, 2]] as const) {
      const r = rendered(seed, c)
      dices.push(bestThresholdDice(r))
      const oedema = Array.from(r.flair.filter((_, n) => r.seg[n] === 2)).sort((a, b) => a - b)
      const median = oedema[oedema.length >> 1]
      for (let n = 0; n < r.flair.length; n++) if (r.seg[n] === 0 && r.flair[n] > median) brightHealthy++
    }
    expect(Math.max(...dices)).toBeLessThan(0.95)
    expect(dices.reduce((a, b) => a + b) / dices.length).toBeLessThan(0.9)
    expect(dices.every((d) => d > 0.3)).toBe(true) // still hyperintense: a model has something to learn
    expect(brightHealthy).toBeGreaterThan(0)
  })
})

describe('renderSynthCase determinism', () => {
  it('renders the same parameters to identical voxels; different cases differ', () => {
    const a = rendered(7, 1)
    const b = render(sampleCaseParams(7, 1))
    expect(Buffer.from(b.flair.buffer).equals(Buffer.from(a.flair.buffer))).toBe(true)
    expect(Buffer.from(b.seg.buffer).equals(Buffer.from(a.seg.buffer))).toBe(true)
    const other = rendered(7, 0)
    let differ = 0
    for (let n = 0; n < a.flair.length; n++) if ((a.flair[n] > 0) !== (other.flair[n] > 0)) differ++
    expect(differ).toBeGreaterThan(10000) // different brain outlines, not just different noise
  })
})

describe('renderSynthCase mass effect', () => {
  it('pushes the lateral ventricle away from a lesion beside it (same anatomy without the lesion)', () => {
    const params = sampleCaseParams(11, 0)
    params.lesions = []
    const free = render(params)
    // ventricle voxels (FOV mm) on the patient's left (+x) of the brain centre
    const ventricle = (r: RenderedCase): number[][] => {
      const [nx, ny, nz] = r.dims
      const out: number[][] = []
      for (let k = 0; k < nz; k++)
        for (let j = 0; j < ny; j++)
          for (let i = 0; i < nx; i++) {
            const p = [i, j, k].map((v, a) => (v + 0.5) * SPACING[a] - 0.5)
            if (r.tissue![i + nx * (j + ny * k)] === TISSUE.ventricle && p[0] > params.anatomy.centreMm[0] + 3) out.push(p)
          }
      expect(out.length).toBeGreaterThan(50)
      return out
    }
    const before = ventricle(free)
    const centroid = [0, 1, 2].map((a) => before.reduce((s, p) => s + p[a], 0) / before.length)
    const lesion: LesionParams = {
      kind: 'glioblastoma', site: 'periventricular',
      centreMm: [centroid[0] + 22, centroid[1], centroid[2]], rotationDeg: [0, 0, 0],
      coreRadiiMm: [10, 10, 10], oedemaRadiiMm: [15, 15, 15], rimMm: 3, irregularity: 0.15, massEffectMm: 6,
      oedemaLevel: 2.2, rimLevel: 2, coreLevel: 1.4, noiseOffset: 17,
    }
    const after = ventricle(render({ ...params, lesions: [lesion] }))
    const distance = (p: number[]): number => Math.hypot(p[0] - lesion.centreMm[0], p[1] - lesion.centreMm[1], p[2] - lesion.centreMm[2])
    const nearest = (ps: number[][]): number => Math.min(...ps.map(distance))
    const within = (ps: number[][], mm: number): number => ps.filter((p) => distance(p) < mm).length
    const near = nearest(before)
    expect(nearest(after)).toBeGreaterThan(near + 2) // the wall facing the lesion moved away (mm)
    expect(within(after, near + 6)).toBeLessThan(0.5 * within(before, near + 6))
  })
})

/** Best Dice over all global thresholds t of (FLAIR > t) against the whole tumour (label > 0). */
function bestThresholdDice(r: RenderedCase): number {
  const size = 32768
  const tumour = new Float64Array(size), healthy = new Float64Array(size)
  let total = 0, above = 0
  for (let n = 0; n < r.flair.length; n++) {
    if (r.flair[n] <= 0) continue
    if (r.seg[n] > 0) {
      tumour[r.flair[n]]++
      total++
    } else healthy[r.flair[n]]++
    above++
  }
  let tp = total, best = 0
  for (let t = 0; t < size; t++) {
    tp -= tumour[t]
    above -= tumour[t] + healthy[t]
    best = Math.max(best, (2 * tp) / (total + above))
  }
  return best
}
