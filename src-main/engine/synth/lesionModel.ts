/**
 * One synthetic glioma-like lesion as functions of position: an irregular tumour core (enhancing rim around a
 * necrotic centre, a solid enhancing mass, or a non-enhancing low-grade core) inside a FLAIR-hyperintense
 * oedema that follows the white matter and spares the cortex, plus the mass effect that pushes the surrounding
 * anatomy away.
 *
 * Labels follow BraTS 2017-2021: 1 necrotic / non-enhancing core, 2 oedema, 4 enhancing tumour. The oedema
 * region always contains the core dilated by 2.5 mm, so the sub-regions nest (renderSynthCase also closes the
 * nesting at voxel level).
 *
 * @source BraTS label conventions: Bakas et al., Sci Data 2017; Menze et al., IEEE TMI 2015.
 */
import type { LesionParams } from './synthParams'
import type { Noise3 } from './perlinNoise'
import { ellipsoidSdf, insideWeight, rotationMatrix } from './sdfShapes'

/** Minimum oedema margin around the core (mm). */
export const OEDEMA_MARGIN_MM = 2.5
/** How much thinner (mm) the oedema reaches into cortical grey matter than into white matter. */
const CORTEX_SPARING_MM = 5
/** Largest factor by which the border irregularity grows the oedema. */
const MAX_GROWTH = 1.4

/** What `LesionModel.sample` writes (reused between calls). */
export interface LesionSample {
  /** Signed distances (mm, negative inside) to the core and to the oedema. */
  coreSdf: number
  oedemaSdf: number
  /** BraTS label of the core at this point when inside it: 4 enhancing or 1 necrotic / non-enhancing. */
  coreLabel: number
  /** Partial-volume weights in [0, 1]. */
  coreWeight: number
  oedemaWeight: number
  /** FLAIR levels relative to white matter. */
  coreLevel: number
  oedemaLevel: number
}

export class LesionModel {
  private readonly rot: number[]
  private readonly box: number
  private readonly warpBox: number
  private readonly coreMeanMm: number
  private readonly decayMm: number
  private readonly cx: number
  private readonly cy: number
  private readonly cz: number
  private readonly core: number[]
  private readonly oedema: number[]

  constructor(readonly l: LesionParams, private readonly noise: Noise3) {
    this.rot = rotationMatrix(...l.rotationDeg)
    const maxOedema = Math.max(...l.oedemaRadiiMm)
    this.box = maxOedema * MAX_GROWTH + 6
    this.coreMeanMm = Math.cbrt(l.coreRadiiMm[0] * l.coreRadiiMm[1] * l.coreRadiiMm[2])
    const oedemaMean = Math.cbrt(l.oedemaRadiiMm[0] * l.oedemaRadiiMm[1] * l.oedemaRadiiMm[2])
    this.decayMm = 0.5 * oedemaMean + 8
    this.warpBox = this.coreMeanMm + 3 * this.decayMm
    ;[this.cx, this.cy, this.cz] = l.centreMm
    this.core = [...l.coreRadiiMm]
    this.oedema = [...l.oedemaRadiiMm]
  }

  /** Axis-aligned FOV box (mm) outside which the lesion has no label and no signal: [min, max] per axis. */
  bounds(): [number, number][] {
    return this.l.centreMm.map((c) => [c - this.box, c + this.box] as [number, number])
  }

  /**
   * Mass effect: replaces FOV point p (in place) by the point whose anatomy appears at p. Inside the core the
   * anatomy is compressed towards the centre; outside, it is pushed outwards by up to `massEffectMm`, decaying
   * as a Gaussian of the distance from the core border. The map is monotonic along each ray, so structures keep
   * their order.
   */
  warp(p: Float64Array): void {
    const cx = this.cx, cy = this.cy, cz = this.cz
    const dx = p[0] - cx, dy = p[1] - cy, dz = p[2] - cz
    if (Math.abs(dx) > this.warpBox || Math.abs(dy) > this.warpBox || Math.abs(dz) > this.warpBox) return
    const r = Math.sqrt(dx * dx + dy * dy + dz * dz)
    if (r === 0) return
    const rc = this.coreMeanMm, a = this.l.massEffectMm
    const t = (r - rc) / this.decayMm
    const h = r < rc ? r / rc : Math.exp(-t * t)
    const s = (r - a * h) / r
    p[0] = cx + dx * s
    p[1] = cy + dy * s
    p[2] = cz + dz * s
  }

  /**
   * The lesion at FOV point (x, y, z).
   *
   * @param greyWeight Cortical grey-matter weight of the anatomy there (the oedema spares the cortex).
   * @returns false (and writes nothing) when the point is outside `bounds()`.
   */
  sample(x: number, y: number, z: number, greyWeight: number, out: LesionSample): boolean {
    const l = this.l
    const dx = x - this.cx, dy = y - this.cy, dz = z - this.cz
    if (Math.abs(dx) > this.box || Math.abs(dy) > this.box || Math.abs(dz) > this.box) return false
    const r = this.rot, n = this.noise, o = l.noiseOffset
    const qx = r[0] * dx + r[1] * dy + r[2] * dz
    const qy = r[3] * dx + r[4] * dy + r[5] * dz
    const qz = r[6] * dx + r[7] * dy + r[8] * dz
    const ca = this.core[0], cb = this.core[1], cc = this.core[2]
    const oa = this.oedema[0], ob = this.oedema[1], oc = this.oedema[2]
    if (ellipsoidSdf(qx, qy, qz, oa * MAX_GROWTH, ob * MAX_GROWTH, oc * MAX_GROWTH) > 2) {
      out.coreSdf = out.oedemaSdf = 100
      out.coreWeight = out.oedemaWeight = 0
      out.coreLabel = 0
      return true
    }
    const lb = Math.max(5, 0.7 * this.coreMeanMm)
    const mc = clamp(1 + l.irregularity * n.at(qx / lb + o, qy / lb, qz / lb), 0.5, 1.5)
    const coreSdf = ellipsoidSdf(qx, qy, qz, ca * mc, cb * mc, cc * mc)
    const lo = 18
    const mo = clamp(1 + 0.8 * l.irregularity * n.at(qx / lo + o + 50, qy / lo, qz / lo), 0.65, MAX_GROWTH)
    const free = ellipsoidSdf(qx, qy, qz, oa * mo, ob * mo, oc * mo) + CORTEX_SPARING_MM * greyWeight
    const oedemaSdf = Math.min(free, coreSdf - OEDEMA_MARGIN_MM)
    out.coreSdf = coreSdf
    out.oedemaSdf = oedemaSdf
    // infiltrative margin: the signal fades over ~6 mm around the drawn border, as in real FLAIR
    out.oedemaWeight = insideWeight(oedemaSdf + 0.5, 6)
    out.coreWeight = insideWeight(coreSdf, 1.2)
    const near = Math.exp(-Math.max(0, coreSdf) / 10)
    const patchy = 0.12 * n.at(qx / 12 + o + 150, qy / 12, qz / 12) + 0.05 * n.at(qx / 4 + o + 80, qy / 4, qz / 4)
    out.oedemaLevel = l.oedemaLevel * (0.8 + 0.25 * near) * (1 + patchy)
    out.coreLabel = 0
    out.coreLevel = l.coreLevel
    if (out.coreWeight <= 0) return true
    const texture = n.at(qx / 3 + o + 120, qy / 3, qz / 3)
    if (l.rimMm <= 0) {
      out.coreLabel = 1
      out.coreLevel = l.coreLevel * (1 + 0.07 * texture)
      return true
    }
    const rim = l.rimMm * clamp(1 + 0.35 * n.at(qx / 6 + o + 20, qy / 6, qz / 6), 0.4, 1.8)
    const patch = l.kind === 'solid' && texture > 1.3 && coreSdf < -2.5
    const inner = patch ? -1 : coreSdf + rim
    out.coreLabel = inner < 0 ? 1 : 4
    const wNecrosis = insideWeight(inner, 1.5)
    const rimLevel = l.rimLevel * (1 + 0.06 * texture)
    const necrosisLevel = l.coreLevel * (1 + 0.14 * texture)
    out.coreLevel = rimLevel + (necrosisLevel - rimLevel) * wNecrosis
    return true
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v
}
