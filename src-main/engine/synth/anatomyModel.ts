/**
 * The lesion-free brain of a synthetic case as functions of position: the brain outline (cerebrum, temporal
 * lobes, cerebellum, brainstem), the cortical ribbon folded by the zero set of smooth noise (sulci), the
 * interhemispheric and Sylvian fissures, the tentorium, the ventricles, the deep grey nuclei and the non-tumour
 * FLAIR hyperintensities, with the FLAIR signal of each (relative to white matter) and partial volume at every
 * boundary.
 *
 * Two positions enter: `q`, the brain-frame position of the voxel (the brain outline is not moved by tumours, as
 * the skull holds it), and `a`, the brain-frame position after the lesions' mass-effect displacement (everything
 * inside the brain: sulci, ventricles, nuclei).
 *
 * @source FLAIR contrast: CSF suppressed, grey matter ~1.2× white matter, periventricular caps bright
 *   (Hajnal et al., J Comput Assist Tomogr 1992; BraTS 2021 FLAIR as published).
 */
import type { AnatomyParams, SynthCaseParams } from './synthParams'
import { TISSUE } from './synthParams'
import { createNoise3, NOISE_GRADIENT_PER_CELL, type Noise3 } from './perlinNoise'
import { caseRng } from './synthRng'
import { GridField } from './gridField'
import { capsuleSdf, ellipsoidSdf, insideWeight, rotationMatrix, smoothMin } from './sdfShapes'

/** Where a brain-frame point is: signed distance to the brain surface and the structure it belongs to. */
export const REGION = { cerebrum: 0, cerebellum: 1, brainstem: 2 } as const

/** What `tissueAt` writes (reused between calls: no allocation per voxel). */
export interface TissueSample {
  /** FLAIR signal relative to white matter (before bias field, texture and noise). */
  level: number
  /** TISSUE code of the dominant tissue. */
  tissue: number
  /** Cortical grey-matter weight in [0, 1] (oedema spares the cortex). */
  greyWeight: number
  /** Ventricle weight in [0, 1] (oedema does not fill the ventricles). */
  ventricleWeight: number
}

/** Lateral ventricle as a chain of round cones: (x, y, z, radius) in mm for a 68×85×62 mm cerebrum, left side. */
const VENTRICLE_CHAIN: [number, number, number, number][] = [
  [7, -30, 6, 4.5],
  [6, -18, 13, 6.5],
  [5.5, 0, 16, 5.5],
  [9, 16, 14, 6],
  [18, 28, 5, 8],
  [15, 46, 1, 3],
]
const TEMPORAL_HORN: [number, number, number, number][] = [
  [18, 28, 5, 6],
  [29, 8, -14, 3.5],
  [31, -10, -22, 2.5],
]
/** Deep grey nuclei, left side: centre (x, y, z) and semi-axes, mm (thalamus, caudate head, lentiform). */
const NUCLEI: [number, number, number, number, number, number][] = [
  [10, 10, 0, 8, 14, 10],
  [12, -20, 8, 5, 9, 9],
  [24, -5, -1, 6, 16, 10],
]

/** Largest CSF fraction of a cortical sulcus at 1 mm (partial volume with the grey matter of its walls). */
const SULCAL_CSF_MAX = 0.65

/** Evaluates the lesion-free anatomy of one case. */
export class AnatomyModel {
  private readonly rot: number[]
  private readonly noise: Noise3
  private readonly sx: number
  private readonly sy: number
  private readonly sz: number
  private readonly cx: number
  private readonly cy: number
  private readonly cz: number
  private readonly temporal: number[]
  private readonly cerebellum: number[]
  private readonly nuclei: number[][]
  /** Deepest sulcus (mm below the surface) including its grey-matter walls. */
  private readonly foldDepthMm: number
  /** Slow noise fields, tabulated on coarse grids of the brain frame (outline bumps, sulcal depth, falx bend). */
  private readonly shapeField: GridField
  private readonly depthField: GridField
  private readonly midlineField: GridField
  /** Region of the last brainSdf call (REGION). */
  region = 0
  /** Signed distances of the last brainSdf call, per component (for the fissures between them). */
  private sdfCerebrum = 0
  private sdfCerebellum = 0
  private foldCsfSdf = 100
  private foldGmSdf = 100

  constructor(readonly p: AnatomyParams, noise: Noise3) {
    this.rot = rotationMatrix(...p.poseDeg)
    this.noise = noise
    this.sx = p.cerebrumMm.lr / 68
    this.sy = p.cerebrumMm.ap / 85
    this.sz = p.cerebrumMm.sup / 62
    ;[this.cx, this.cy, this.cz] = p.centreMm
    this.temporal = [...p.temporalLobeMm]
    this.cerebellum = [...p.cerebellumMm]
    this.nuclei = NUCLEI.map(([x, y, z, a, b, c]) => [x * this.sx, y * this.sy, z * this.sz, a * this.sx, b * this.sy, c * this.sz])
    this.foldDepthMm = p.sulcusDepthMm * 1.5 + p.greyMatterMm + 1
    const c = p.cerebrumMm, n = noise
    const lo: [number, number, number] = [-c.lr * 1.4, -c.ap * 1.3, -c.inf - 30] // the cerebrum; clamped below
    const hi: [number, number, number] = [c.lr * 1.4, c.ap * 1.3, c.sup * 1.2]
    this.shapeField = new GridField((x, y, z) => n.at(x / 60 + 11.3, y / 60 + 5.1, z / 60 + 17.9), lo, hi, 6)
    this.depthField = new GridField((x, y, z) => n.at(x / 16 + 71.3, y / 16 + 2.9, z / 16 + 40.1), lo, hi, 3)
    this.midlineField = new GridField((_x, y, z) => n.at(y / 50 + 3.7, z / 50 + 8.2, 0.5), [0, lo[1], lo[2]], [0, hi[1], hi[2]], 5)
  }

  /** FOV frame → brain frame (mm), written to out[0..2]. */
  toBrain(px: number, py: number, pz: number, out: Float64Array): void {
    const dx = px - this.cx, dy = py - this.cy, dz = pz - this.cz, r = this.rot
    out[0] = r[0] * dx + r[1] * dy + r[2] * dz
    out[1] = r[3] * dx + r[4] * dy + r[5] * dz
    out[2] = r[6] * dx + r[7] * dy + r[8] * dz
  }

  /** Brain frame → FOV frame (mm), written to out[0..2]. */
  toFov(qx: number, qy: number, qz: number, out: Float64Array): void {
    const r = this.rot
    out[0] = this.cx + r[0] * qx + r[3] * qy + r[6] * qz
    out[1] = this.cy + r[1] * qx + r[4] * qy + r[7] * qz
    out[2] = this.cz + r[2] * qx + r[5] * qy + r[8] * qz
  }

  /** Half-extents (mm, brain frame) of a box that holds the whole brain above the brainstem: |x|, |y|, top z. */
  extentMm(): [number, number, number] {
    const c = this.p.cerebrumMm
    return [c.lr * 1.35, c.ap * 1.25, c.sup * 1.15]
  }

  /**
   * Signed distance (mm, negative inside) from brain-frame point q to the brain surface; sets `region`.
   * Cheap away from the surface (the shape noise is evaluated only within 6 mm of it).
   */
  brainSdf(x: number, y: number, z: number): number {
    const p = this.p, c = p.cerebrumMm
    const az = z > 0 ? c.sup : c.inf
    const lr = c.lr * (1 + p.posteriorWidening * Math.max(-1, Math.min(1, y / c.ap)))
    let main = ellipsoidSdf(x, y, z, lr, c.ap, az)
    if (Math.abs(main) < 6 + p.shapeNoise * c.ap) {
      const m = 1 + p.shapeNoise * this.shapeField.at(x, y, z)
      main = ellipsoidSdf(x, y, z, lr * m, c.ap * m, az * m)
    }
    const t = this.temporal
    const temporal = ellipsoidSdf(Math.abs(x) - 0.6 * c.lr, y + 0.2 * c.ap, z + 1.15 * c.inf, t[0], t[1], t[2])
    const cerebrum = smoothMin(main, temporal, 10)
    const b = this.cerebellum
    const cerebellum = ellipsoidSdf(x, y - 0.5 * c.ap, z + c.inf + 0.8 * b[2], b[0], b[1], b[2])
    const r = p.brainstemRadiusMm
    const stem = capsuleSdf(x, y, z, 0, 0.12 * c.ap, 0, r, 0, 0.3 * c.ap, -c.inf - 80, r * 0.9)
    this.sdfCerebrum = cerebrum
    this.sdfCerebellum = cerebellum
    const hind = smoothMin(cerebellum, stem, 6)
    const fore = smoothMin(cerebrum, stem, 8)
    if (fore <= hind) {
      this.region = stem < cerebrum ? REGION.brainstem : REGION.cerebrum
      return fore
    }
    this.region = cerebellum < stem ? REGION.cerebellum : REGION.brainstem
    return hind
  }

  /** Signed distance (mm) of displaced brain-frame point a to the ventricular system. */
  ventricleSdf(x: number, y: number, z: number): number {
    const sx = this.sx, sy = this.sy, sz = this.sz, vs = this.p.ventricleScale
    if (Math.abs(x) > 45 * sx || y < -45 * sy || y > 60 * sy || z < -45 * sz || z > 35 * sz) return 20
    const ax = Math.abs(x) * 1.35
    let d = chainSdf(VENTRICLE_CHAIN, ax, y, z, sx * 1.35, sy, sz, vs)
    d = Math.min(d, chainSdf(TEMPORAL_HORN, ax, y, z, sx * 1.35, sy, sz, vs))
    d = Math.max(d, 1.1 - Math.abs(x)) // septum pellucidum
    const third = ellipsoidSdf(x, y - 2 * sy, z + 6 * sz, 1.2 + 1.4 * vs, 13 * sy, 9 * sz)
    const fourth = ellipsoidSdf(x, y - 0.36 * this.p.cerebrumMm.ap, z + this.p.cerebrumMm.inf + 0.5 * this.cerebellum[2], 5 * vs, 3.5 * vs, 5 * vs)
    return Math.min(d, third, fourth)
  }

  /**
   * The tissue at a brain voxel.
   *
   * @param depthMm Distance below the brain surface at the undisplaced position (−brainSdf, > 0 in the brain);
   *   `region` must be the one set by the brainSdf call that gave it.
   * @param x,y,z Displaced brain-frame position a (mm).
   */
  tissueAt(depthMm: number, x: number, y: number, z: number, out: TissueSample): void {
    const p = this.p, k = p.contrast, n = this.noise
    const region = this.region
    this.foldCsfSdf = this.foldGmSdf = 100
    let csfSdf = depthMm - p.surfaceCsfMm
    let gmSdf = csfSdf - p.greyMatterMm
    let base = 1
    const hw = p.sulcusHalfWidthMm
    if (region === REGION.cerebrum) {
      if (depthMm < this.foldDepthMm) this.folds(depthMm, x, y, z)
      gmSdf = Math.min(gmSdf, this.foldGmSdf)
      // interhemispheric fissure, above and in front of / behind the corpus callosum
      if (Math.abs(x) < 10) {
        const mid = Math.abs(x - 1.5 * this.midlineField.at(0, y, z))
        const cy = y / (0.44 * p.cerebrumMm.ap), cz = (z + 12 * this.sz) / (36 * this.sz)
        const central = (Math.sqrt(cy * cy + cz * cz) - 1) * 30
        csfSdf = Math.min(csfSdf, Math.max(mid - 1.2 * hw, -central))
        gmSdf = Math.min(gmSdf, Math.max(mid - 1.2 * hw - p.greyMatterMm, -central - 2))
      }
      // basal cisterns around the midbrain, below the cerebrum
      if (z < -0.4 * p.cerebrumMm.inf) {
        const cistern = ellipsoidSdf(x, y + 0.05 * p.cerebrumMm.ap, z + 1.05 * p.cerebrumMm.inf, 11, 15, 9)
        csfSdf = Math.min(csfSdf, cistern)
      }
    } else if (region === REGION.cerebellum) {
      // folia: thin transverse clefts, arcs around the fourth ventricle, as axial slices show them
      const fy = y - 0.2 * p.cerebrumMm.ap
      const phase = Math.sqrt(0.35 * x * x + fy * fy) / 4.5 + 0.6 * n.at(x / 16 + 113.1, y / 16 + 7.7, z / 10 + 51.3)
      const dist = Math.abs(phase - Math.round(phase)) * 4.5
      csfSdf = Math.min(csfSdf, Math.max(dist - 0.2 * hw, depthMm - 18) + 0.2)
      gmSdf = Math.min(gmSdf, depthMm - 16)
      base = k.cerebellum
    } else {
      base = k.brainstem
      gmSdf = 10
    }
    // tentorium between the occipital lobes and the cerebellum
    csfSdf = Math.min(csfSdf, Math.abs(this.sdfCerebellum - this.sdfCerebrum) * 0.5 - 0.6)

    const vSdf = this.ventricleSdf(x, y, z)
    const wV = insideWeight(vSdf, 1)
    // sulci are mostly narrower than a voxel: their CSF darkens the cortex without reaching the CSF level
    const wCsf = Math.max(insideWeight(csfSdf, 1), SULCAL_CSF_MAX * insideWeight(this.foldCsfSdf, 1), wV)
    const wGm = insideWeight(gmSdf, 1.6)
    let wDeep = 0
    if (region === REGION.cerebrum && Math.abs(x) < 40 * this.sx && Math.abs(y) < 45 * this.sy && Math.abs(z) < 30 * this.sz)
      wDeep = insideWeight(this.nucleiSdf(x, y, z), 2.5)
    let wBright = 0
    if (vSdf < 12) {
      const horn = Math.max(0, Math.min(1, (-y / this.sy - 12) / 10, (y / this.sy - 22) / 10))
      const cap = vSdf - p.capsMm * horn * (1 + 0.5 * n.at(x / 6, y / 6, z / 6 + 90.5))
      wBright = horn > 0 ? insideWeight(cap, 3) : 0
    }
    wBright = Math.max(wBright, this.wmhWeight(x, y, z))
    const lining = vSdf > -0.5 ? insideWeight(vSdf - 1.3, 1.5) : 0

    let level = base * (1 - wDeep) + k.deepGreyMatter * wDeep
    level += (k.lining - level) * lining * 0.6
    level += (k.hyperintensity - level) * wBright
    level += ((region === REGION.cerebrum ? k.greyMatter : 1.1 * base) - level) * wGm
    level += (k.csf - level) * wCsf
    out.level = level
    out.greyWeight = wGm
    out.ventricleWeight = wV
    out.tissue =
      wCsf >= 0.5 ? (wV >= 0.5 ? TISSUE.ventricle : TISSUE.csf)
      : wGm >= 0.5 ? TISSUE.greyMatter
      : wBright >= 0.5 ? TISSUE.hyperintensity
      : wDeep >= 0.5 ? TISSUE.deepGreyMatter
      : TISSUE.whiteMatter
  }

  /** Cortical folding: signed distances of sulcal CSF and of the cortical ribbon along the sulci (foldCsfSdf, foldGmSdf). */
  private folds(depthMm: number, x: number, y: number, z: number): void {
    const p = this.p, n = this.noise, c = p.cerebrumMm, gm = p.greyMatterMm
    const az = z > 0 ? c.sup : c.inf
    // shallower sulci on the medial base of the brain, where an axial slice grazes the surface
    const gz = z / (az * az), gx = x / (c.lr * c.lr), gy = y / (c.ap * c.ap)
    const down = z < 0 && Math.abs(x) < 0.45 * c.lr ? (gz * gz) / (gx * gx + gy * gy + gz * gz) : 0
    // each sulcus has its own depth: the depth varies on the scale of the sulcal spacing
    const depthNoise = Math.max(-1.3, Math.min(1.25, this.depthField.at(x, y, z)))
    const sulcusDepth = p.sulcusDepthMm * (1 + 0.4 * depthNoise) * (1 - down)
    if (depthMm > sulcusDepth + gm + 1) return
    // noise on the surface point above the voxel: sulci run perpendicular to the surface, as gyri do
    const k0 = Math.sqrt((x / c.lr) ** 2 + (y / c.ap) ** 2 + (z / az) ** 2)
    const e = (0.65 + 0.35 * k0) / (k0 || 1) / p.foldWavelengthMm
    const open = p.sulcusHalfWidthMm + 0.5 * Math.max(0, 1 - depthMm / 4) // sulci widen at the surface
    const gradient = (NOISE_GRADIENT_PER_CELL * 1.5) / p.foldWavelengthMm
    const reach = (open + gm + 1) * gradient // |f| beyond which the voxel is far from every sulcus
    let f = n.at(x * e, y * e, z * e)
    if (Math.abs(f) - 2.6 > reach) return
    f += 0.5 * n.at(2.1 * x * e + 31.7, 2.1 * y * e + 3.3, 2.1 * z * e + 9.1)
    if (Math.abs(f) - 0.9 > reach) return
    f += 0.25 * n.at(4.3 * x * e + 7.1, 4.3 * y * e + 61.3, 4.3 * z * e + 23.9)
    const dist = Math.abs(f) / gradient
    this.foldCsfSdf = Math.max(dist - open, depthMm - sulcusDepth)
    this.foldGmSdf = Math.max(dist - open - gm, depthMm - sulcusDepth - gm)
  }

  private nucleiSdf(x: number, y: number, z: number): number {
    const ax = Math.abs(x)
    let d = 50
    for (let i = 0; i < this.nuclei.length; i++) {
      const e = this.nuclei[i]
      const s = ellipsoidSdf(ax - e[0], y - e[1], z - e[2], e[3], e[4], e[5])
      if (s < d) d = s
    }
    return d
  }

  private wmhWeight(x: number, y: number, z: number): number {
    let w = 0
    const list = this.p.whiteMatterLesions
    for (let i = 0; i < list.length; i++) {
      const l = list[i]
      const dx = x - l.centreMm[0], dy = y - l.centreMm[1], dz = z - l.centreMm[2]
      if (Math.abs(dx) > 1.3 * l.radiusMm + 2 || Math.abs(dy) > 1.3 * l.radiusMm + 2 || Math.abs(dz) > 1.3 * l.radiusMm + 2) continue
      const r = l.radiusMm * (1 + 0.3 * this.noise.at(x / 3 + 140.5, y / 3 + i, z / 3))
      w = Math.max(w, insideWeight(Math.sqrt(dx * dx + dy * dy + dz * dz) - r, 2))
    }
    return w
  }
}

function chainSdf(
  chain: [number, number, number, number][],
  x: number, y: number, z: number, sx: number, sy: number, sz: number, vs: number,
): number {
  let d = 1e9
  const xs = sx * (0.75 + 0.25 * vs)
  for (let s = 0; s + 1 < chain.length; s++) {
    const c0 = chain[s], c1 = chain[s + 1]
    const e = capsuleSdf(x, y, z, c0[0] * xs, c0[1] * sy, c0[2] * sz, c0[3] * vs, c1[0] * xs, c1[1] * sy, c1[2] * sz, c1[3] * vs)
    if (e < d) d = e
  }
  return d
}

/** The anatomy model of a case (its noise field comes from the case's 'texture' stream). */
export function createAnatomyModel(params: SynthCaseParams): AnatomyModel {
  return new AnatomyModel(params.anatomy, createNoise3(caseRng(params.seed, params.caseIndex, 'texture')))
}
