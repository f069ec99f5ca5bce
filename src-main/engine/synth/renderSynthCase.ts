/**
 * Renders a synthetic case to voxels: a skull-stripped FLAIR volume (int16, background 0) and its BraTS label map
 * (uint8, {0, 1, 2, 4}) on the BraTS grid, slice by slice. Per brain voxel: the lesions' mass effect displaces the
 * anatomy, the anatomy gives a tissue level, the lesions overlay oedema and core, then a fine texture, a smooth
 * multiplicative bias field, the white-matter scale and Rician noise (magnitude of a complex Gaussian) apply.
 *
 * @source BraTS grid and affine (240×240×155, 1 mm, srow_x = (−1,0,0,0), srow_y = (0,−1,0,239), srow_z = (0,0,1,0));
 *   Rician magnitude noise: Gudbjartsson & Patz, MRM 1995.
 */
import type { Affine, Dims3 } from '../../common/types'
import type { CancellationToken } from '../../common/cancellation'
import { throwIfCancelled } from '../../common/cancellation'
import { EngineError } from '../../common/errors'
import { BRATS_DIMS, FOV_MM, TISSUE, type SynthCaseParams } from './synthParams'
import { createAnatomyModel, type TissueSample } from './anatomyModel'
import { LesionModel, type LesionSample } from './lesionModel'
import { createNoise3 } from './perlinNoise'
import { caseRng } from './synthRng'
import { ellipsoidSdf } from './sdfShapes'
import { GridField } from './gridField'

/** CSF within this depth (mm) of the brain outline is stripped to background, as BraTS skull stripping does. */
const STRIP_DEPTH_MM = 2

export interface RenderOptions {
  /** Grid [nx, ny, nz]; the 240×240×155 mm field of view is sampled at FOV/dims mm. Default: BraTS 240×240×155. */
  dims?: Dims3
  /** Also return the tissue map (TISSUE codes), e.g. for tests. Default false. */
  withTissue?: boolean
  /** Keep skull and scalp around the brain instead of BraTS's skull stripping. Default false. */
  skull?: boolean
  /** Called after each axial slice k (0-based) with nz. */
  onSlice?: (k: number, nz: number) => void
  token?: CancellationToken
}

export interface RenderedCase {
  dims: Dims3
  spacingMm: [number, number, number]
  /** Voxel → world RAS+ mm (the BraTS affine at 1 mm). */
  affine: Affine
  /** FLAIR, NIfTI voxel order (i fastest), int16 values ≥ 0, 0 outside the head (outside the brain when stripped). */
  flair: Int16Array
  /** BraTS labels {0, 1, 2, 4}, same order. */
  seg: Uint8Array
  /** TISSUE codes of the anatomy under the lesions, same order; null unless `withTissue`. */
  tissue: Uint8Array | null
}

/**
 * The BraTS geometry of a grid of `dims` over the 240×240×155 mm field of view: the standard BraTS affine at
 * 240×240×155, and the same field of view with coarser voxels otherwise (voxel centres stay in the FOV).
 */
export function synthGeometry(dims: Dims3 = BRATS_DIMS): { spacingMm: [number, number, number]; affine: Affine } {
  const s = FOV_MM.map((f, a) => f / dims[a]) as [number, number, number]
  const o = s.map((v) => 0.5 * v - 0.5)
  return {
    spacingMm: s,
    affine: [
      [-s[0], 0, 0, 0.5 - 0.5 * s[0]], // = −o[0], written so that 1 mm gives +0 as BraTS headers hold
      [0, -s[1], 0, 239 - o[1]],
      [0, 0, s[2], o[2]],
      [0, 0, 0, 1],
    ],
  }
}

/**
 * Renders one case.
 *
 * @param params The case (sampleCaseParams), possibly edited.
 * @returns Volumes of nx·ny·nz voxels.
 * @throws EngineError E_ARGS for dims that are not positive integers ≤ 1024; E_CANCELLED when the token fires
 *   (checked between slices).
 */
export function renderSynthCase(params: SynthCaseParams, options: RenderOptions = {}): RenderedCase {
  const dims = options.dims ?? BRATS_DIMS
  if (dims.length !== 3 || dims.some((d) => !Number.isInteger(d) || d < 1 || d > 1024))
    throw new EngineError('E_ARGS', `renderSynthCase.ts: dims must be 3 integers in [1, 1024], got ${JSON.stringify(dims)}`)
  const [nx, ny, nz] = dims
  const { spacingMm, affine } = synthGeometry(dims)
  const flair = new Int16Array(nx * ny * nz)
  const seg = new Uint8Array(nx * ny * nz)
  const tissue = options.withTissue ? new Uint8Array(nx * ny * nz) : null
  const ctx = createContext(params, spacingMm, options.skull ?? false)
  for (let k = 0; k < nz; k++) {
    throwIfCancelled(options.token, `synthetic case ${params.caseId}`)
    renderSlice(ctx, k, dims, flair, seg, tissue)
    options.onSlice?.(k, nz)
  }
  closeNesting(seg, dims, ctx.lesions)
  return { dims: [nx, ny, nz], spacingMm, affine, flair, seg, tissue }
}

type Context = ReturnType<typeof createContext>

function createContext(params: SynthCaseParams, spacingMm: [number, number, number], skull: boolean) {
  const model = createAnatomyModel(params)
  const texture = createNoise3(caseRng(params.seed, params.caseIndex, 'lesionShape'))
  const lesions = params.lesions.map((l) => new LesionModel(l, texture))
  const slowTexture = new GridField((x, y, z) => 0.8 * texture.at(x / 18 + 20.5, y / 18 + 10.5, z / 18 + 5.5), [0, 0, 0], FOV_MM, 4)
  return {
    slowTexture,
    params,
    model,
    lesions,
    texture,
    noiseRng: caseRng(params.seed, params.caseIndex, 'noise'),
    spacingMm,
    skull,
    /** Core labels only this deep in the brain, so that every core voxel's neighbours are in the brain. */
    coreMinDepthMm: STRIP_DEPTH_MM + 0.5 + 1.8 * Math.max(...spacingMm),
    q: new Float64Array(3),
    d: new Float64Array(3),
    tissue: { level: 0, tissue: 0, greyWeight: 0, ventricleWeight: 0 } as TissueSample,
    lesion: { coreSdf: 0, oedemaSdf: 0, coreLabel: 0, coreWeight: 0, oedemaWeight: 0, coreLevel: 0, oedemaLevel: 0 } as LesionSample,
  }
}

function renderSlice(
  c: Context, k: number, dims: Dims3, flair: Int16Array, seg: Uint8Array, tissueMap: Uint8Array | null,
): void {
  const [nx, ny] = dims
  const [sx, sy, sz] = c.spacingMm
  const a = c.params.anatomy, model = c.model
  const wm = a.contrast.whiteMatter, sigma = a.noiseSigma * wm
  const [ex, ey, ez] = model.extentMm()
  const pz = (k + 0.5) * sz - 0.5
  const q = c.q, d = c.d, ts = c.tissue, ls = c.lesion, lesions = c.lesions
  for (let j = 0; j < ny; j++) {
    const py = (j + 0.5) * sy - 0.5
    for (let i = 0; i < nx; i++) {
      const px = (i + 0.5) * sx - 0.5
      const idx = i + nx * (j + ny * k)
      model.toBrain(px, py, pz, q)
      let inBrain = false, sdf = 1
      if (Math.abs(q[0]) < ex && Math.abs(q[1]) < ey && q[2] < ez) {
        sdf = model.brainSdf(q[0], q[1], q[2])
        inBrain = sdf < 0
      }
      if (!inBrain) {
        if (c.skull) writeHead(c, q, sdf, idx, flair, tissueMap, wm, sigma, px, py, pz)
        // far outside: the next voxels along the row are background too (the sdf is a near-distance)
        else if (sdf > 3) i += Math.max(0, Math.floor((0.6 * sdf) / sx) - 1)
        continue
      }
      const depth = -sdf
      d[0] = px
      d[1] = py
      d[2] = pz
      for (let n = 0; n < lesions.length; n++) lesions[n].warp(d)
      model.toBrain(d[0], d[1], d[2], d)
      model.tissueAt(depth, d[0], d[1], d[2], ts)
      // skull stripping removes the CSF over the surface and in the mouths of the sulci
      if (depth < STRIP_DEPTH_MM && ts.tissue === TISSUE.csf) {
        if (c.skull) writeHead(c, q, 0, idx, flair, tissueMap, wm, sigma, px, py, pz)
        continue
      }
      let level = ts.level
      let label = 0, wOedema = 0, oedemaLevel = 0, wCore = 0, coreLevel = 0
      for (let n = 0; n < lesions.length; n++) {
        if (!lesions[n].sample(px, py, pz, ts.greyWeight, ls)) continue
        const wo = ls.oedemaWeight * (1 - ts.ventricleWeight)
        if (wo > wOedema) {
          wOedema = wo
          oedemaLevel = ls.oedemaLevel
        }
        if (ls.coreWeight > wCore) {
          wCore = ls.coreWeight
          coreLevel = ls.coreLevel
        }
        if (ls.coreSdf < 0 && depth > c.coreMinDepthMm) label = label === 0 || label === 2 ? ls.coreLabel : label
        else if (ls.oedemaSdf < 0 && ts.ventricleWeight < 0.5 && label === 0) label = 2
      }
      level += (oedemaLevel - level) * wOedema
      level += (coreLevel - level) * wCore
      // fine texture plus slow tissue heterogeneity (white matter is not flat on FLAIR)
      level *= 1 + a.textureAmp * (c.texture.at(px / 2.2 + 200.5, py / 2.2 + 100.5, pz / 2.2 + 50.5) + c.slowTexture.at(px, py, pz))
      const signal = level * wm * biasField(a.biasCoefficients, px, py, pz)
      flair[idx] = Math.max(1, Math.min(32767, Math.round(rician(c, signal, sigma))))
      seg[idx] = label
      if (tissueMap) tissueMap[idx] = ts.tissue
    }
  }
}

/** Skull-on option: CSF gap, bone and scalp between the brain and an ellipsoidal head outline; air outside. */
function writeHead(
  c: Context, q: Float64Array, brainSdf: number, idx: number, flair: Int16Array, tissueMap: Uint8Array | null,
  wm: number, sigma: number, px: number, py: number, pz: number,
): void {
  const a = c.params.anatomy, m = a.cerebrumMm, k = a.contrast
  const head = ellipsoidSdf(q[0], q[1], q[2], m.lr + 13, m.ap + 13, q[2] > 0 ? m.sup + 13 : m.inf + 140)
  let level = 0, code: number = TISSUE.background
  if (head < 0) {
    const t = -head
    if (t < 5) [level, code] = [k.scalp, TISSUE.head]
    else if (t < 11) [level, code] = [k.bone, TISSUE.head]
    else if (brainSdf < 4 || t < 14) [level, code] = [k.csf, TISSUE.csf]
    else [level, code] = [k.bone * 1.5, TISSUE.head]
  }
  const signal = level * wm * biasField(a.biasCoefficients, px, py, pz)
  flair[idx] = Math.min(32767, Math.round(rician(c, signal, sigma * (head < 0 ? 1 : 0.5))))
  if (tissueMap) tissueMap[idx] = code
}

function biasField(coef: number[], px: number, py: number, pz: number): number {
  const u = (px - 120) / 120, v = (py - 120) / 120, w = (pz - 77.5) / 77.5
  return Math.exp(
    coef[0] * u + coef[1] * v + coef[2] * w + coef[3] * u * u + coef[4] * v * v + coef[5] * w * w +
      coef[6] * u * v + coef[7] * v * w + coef[8] * u * w,
  )
}

/** |signal + σ·(n1 + i·n2)| with n1, n2 standard normal (one Box-Muller pair per voxel). */
function rician(c: Context, signal: number, sigma: number): number {
  const u1 = (c.noiseRng.nextUint32() + 1) / 4294967297
  const u2 = c.noiseRng.nextUint32() / 4294967296
  const r = sigma * Math.sqrt(-2 * Math.log(u1))
  const re = signal + r * Math.cos(2 * Math.PI * u2), im = r * Math.sin(2 * Math.PI * u2)
  return Math.sqrt(re * re + im * im)
}

/** Labels every 26-neighbour of a core voxel (1 or 4) that is still 0 as oedema (2): nested sub-regions. */
function closeNesting(seg: Uint8Array, dims: Dims3, lesions: LesionModel[]): void {
  if (lesions.length === 0) return
  const [nx, ny, nz] = dims
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const v = seg[i + nx * (j + ny * k)]
        if (v !== 1 && v !== 4) continue
        for (let dk = -1; dk <= 1; dk++)
          for (let dj = -1; dj <= 1; dj++)
            for (let di = -1; di <= 1; di++) {
              const ii = i + di, jj = j + dj, kk = k + dk
              if (ii < 0 || jj < 0 || kk < 0 || ii >= nx || jj >= ny || kk >= nz) continue
              const n = ii + nx * (jj + ny * kk)
              if (seg[n] === 0) seg[n] = 2
            }
      }
}
