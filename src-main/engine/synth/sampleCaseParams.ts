/**
 * Draws the parameters of synthetic case `caseIndex` of the cohort seeded with `seed`: the brain's size, shape,
 * pose and contrast from the case's 'anatomy' stream, then one to three lesions from its 'lesions' stream, placed
 * by rejection sampling against the anatomy (inside the cerebrum, next to a ventricle, under the cortex, or deep
 * in the white matter).
 *
 * @source Ranges tuned against BraTS 2018/2021 FLAIR (brain ~1.1-1.5 L, 140-150 slices with brain, tumour
 * volumes from a few mL to ~150 mL, FLAIR oedema ~2-2.5× white matter).
 */
import type { AnatomyParams, LesionKind, LesionParams, LesionSite, SynthCaseParams, WhiteMatterLesion } from './synthParams'
import { synthCaseId } from './synthParams'
import { AnatomyModel, createAnatomyModel, REGION } from './anatomyModel'
import { caseRng, type SynthRng } from './synthRng'

/**
 * The parameters of one case; a pure function of (seed, caseIndex).
 *
 * @param seed Cohort seed, integer in [0, 2^32).
 * @param caseIndex Zero-based case index, integer in [0, 2^32).
 * @throws EngineError E_ARGS for a seed or index out of range.
 */
export function sampleCaseParams(seed: number, caseIndex: number): SynthCaseParams {
  const rng = caseRng(seed, caseIndex, 'anatomy')
  const anatomy = sampleAnatomy(rng)
  const params: SynthCaseParams = { seed, caseIndex, caseId: synthCaseId(caseIndex), anatomy, lesions: [] }
  const model = createAnatomyModel(params)
  anatomy.whiteMatterLesions = sampleWhiteMatterLesions(rng, model, anatomy)
  params.lesions = sampleLesions(caseRng(seed, caseIndex, 'lesions'), model)
  return params
}

function sampleAnatomy(rng: SynthRng): AnatomyParams {
  const atrophy = rng.uniform() ** 1.5 // most brains young-looking, some atrophic
  const cerebrumMm = { lr: rng.range(60, 71), ap: rng.range(77, 89), sup: rng.range(56, 65), inf: rng.range(32, 37) }
  const topK = rng.range(128, 146)
  const wm = rng.logRange(150, 900)
  return {
    centreMm: [rng.range(114, 126), rng.range(114, 128), topK - cerebrumMm.sup],
    poseDeg: [rng.range(-7, 7), rng.range(-6, 6), rng.range(-4, 4)],
    cerebrumMm,
    posteriorWidening: rng.range(0.08, 0.16),
    shapeNoise: rng.range(0.015, 0.035),
    temporalLobeMm: [rng.range(18, 22), rng.range(32, 40), rng.range(17, 21)],
    cerebellumMm: [rng.range(44, 52), rng.range(26, 32), rng.range(22, 27)],
    brainstemRadiusMm: rng.range(10, 13),
    ventricleScale: 0.8 + 0.9 * atrophy + rng.range(-0.08, 0.08),
    surfaceCsfMm: 0.3 + 1.5 * atrophy,
    sulcusHalfWidthMm: 0.1 + 0.8 * atrophy + rng.range(0, 0.3),
    greyMatterMm: rng.range(2.5, 3.2),
    foldWavelengthMm: rng.range(17, 22),
    sulcusDepthMm: rng.range(14, 21),
    capsMm: 1 + 6 * atrophy * rng.uniform(),
    whiteMatterLesions: [],
    contrast: {
      whiteMatter: wm,
      greyMatter: rng.range(1.25, 1.45),
      deepGreyMatter: rng.range(1.05, 1.15),
      csf: rng.range(0.22, 0.42),
      hyperintensity: rng.range(1.45, 1.9),
      lining: rng.range(1.15, 1.35),
      cerebellum: rng.range(1.02, 1.12),
      brainstem: rng.range(1.02, 1.12),
      bone: rng.range(0.08, 0.2),
      scalp: rng.range(1.2, 1.8),
    },
    noiseSigma: rng.range(0.02, 0.05),
    textureAmp: rng.range(0.02, 0.05),
    biasCoefficients: Array.from({ length: 9 }, (_, n) => rng.normal() * (n < 3 ? 0.1 : 0.07)),
  }
}

function sampleWhiteMatterLesions(rng: SynthRng, model: AnatomyModel, a: AnatomyParams): WhiteMatterLesion[] {
  const count = rng.int(1, Math.round(3 + 12 * Math.min(1, (a.ventricleScale - 0.7) / 0.9)))
  const out: WhiteMatterLesion[] = []
  for (let tries = 0; out.length < count && tries < 400; tries++) {
    const r = rng.logRange(1.5, 6)
    const q: [number, number, number] = [
      rng.range(-0.7, 0.7) * a.cerebrumMm.lr,
      rng.range(-0.7, 0.7) * a.cerebrumMm.ap,
      rng.range(-0.1, 0.7) * a.cerebrumMm.sup,
    ]
    const depth = -model.brainSdf(...q)
    if (model.region !== REGION.cerebrum || depth < a.sulcusDepthMm + a.greyMatterMm + r + 3) continue
    if (model.ventricleSdf(...q) < r + 1) continue
    out.push({ centreMm: q.map(round2) as [number, number, number], radiusMm: round2(r) })
  }
  return out
}

const KIND_WEIGHTS: Record<LesionKind, number> = { glioblastoma: 0.45, lowGrade: 0.2, solid: 0.15, metastasis: 0.2 }
const SITE_WEIGHTS: Record<LesionSite, number> = { periventricular: 0.3, cortical: 0.3, deep: 0.4 }

function sampleLesions(rng: SynthRng, model: AnatomyModel): LesionParams[] {
  const kind = rng.weighted(KIND_WEIGHTS)
  const count = kind === 'metastasis' ? Number(rng.weighted({ 1: 0.5, 2: 0.3, 3: 0.2 })) : rng.chance(0.2) ? 2 : 1
  const lesions: LesionParams[] = []
  const placed: [number, number, number, number][] = []
  for (let n = 0; n < count; n++) {
    const lesion = sampleLesionShape(rng, kind, n === 0 ? 1 : 0.6)
    lesion.noiseOffset = 17 + 41 * n
    const where = placeLesion(rng, model, lesion, placed)
    if (!where) continue
    lesions.push(lesion)
    placed.push([...where, Math.max(...lesion.coreRadiiMm)])
  }
  return lesions
}

function sampleLesionShape(rng: SynthRng, kind: LesionKind, scale: number): LesionParams {
  const spec = {
    glioblastoma: { core: [8, 24], add: [4, 22], rim: rng.range(1.5, 5), mass: [0.2, 0.5] },
    lowGrade: { core: [7, 22], add: [2, 8], rim: 0, mass: [0.1, 0.3] },
    solid: { core: [5, 16], add: [5, 20], rim: 99, mass: [0.2, 0.4] },
    metastasis: { core: [2.5, 9], add: [6, 25], rim: rng.chance(0.5) ? rng.range(1.2, 2.5) : 99, mass: [0.2, 0.4] },
  }[kind]
  const rc = rng.logRange(spec.core[0], spec.core[1]) * scale
  const add = rng.logRange(spec.add[0], spec.add[1]) * scale
  const coreRadiiMm = [0, 1, 2].map(() => round2(rc * rng.range(0.75, 1.25))) as [number, number, number]
  const oedemaRadiiMm = coreRadiiMm.map((c) => round2(c + Math.max(2, add * rng.range(0.7, 1.3)))) as [number, number, number]
  const oedemaLevel = rng.range(1.6, 2.5)
  return {
    kind,
    site: 'deep',
    centreMm: [0, 0, 0],
    rotationDeg: [rng.range(0, 360), rng.range(-40, 40), rng.range(-40, 40)].map(round2) as [number, number, number],
    coreRadiiMm,
    oedemaRadiiMm,
    rimMm: round2(spec.rim),
    irregularity: round2(rng.range(0.12, 0.3)),
    massEffectMm: round2(Math.min(0.6 * Math.min(...coreRadiiMm), rc * rng.range(spec.mass[0], spec.mass[1]) + 0.05 * add)),
    oedemaLevel: round2(oedemaLevel),
    rimLevel: round2(rng.range(1.7, 2.3)),
    coreLevel: round2(kind === 'lowGrade' ? oedemaLevel * rng.range(0.85, 1) : rng.range(1.1, 1.7)),
    noiseOffset: 0,
  }
}

/** Places a lesion (sets centreMm and site); returns its brain-frame centre, or null when nowhere fits. */
function placeLesion(
  rng: SynthRng, model: AnatomyModel, lesion: LesionParams, placed: [number, number, number, number][],
): [number, number, number] | null {
  const a = model.p, c = a.cerebrumMm
  const site = rng.weighted(SITE_WEIGHTS)
  const rc = Math.max(...lesion.coreRadiiMm)
  const fov = new Float64Array(3)
  for (let tries = 0; tries < 3000; tries++) {
    const strict = tries < 2000
    const q: [number, number, number] = [rng.range(-0.8, 0.8) * c.lr, rng.range(-0.85, 0.85) * c.ap, rng.range(-0.5, 0.85) * c.sup]
    const depth = -model.brainSdf(...q)
    if (model.region !== REGION.cerebrum || depth < rc + 3 || q[2] < -0.6 * c.inf) continue
    if (placed.some(([x, y, z, r]) => Math.hypot(q[0] - x, q[1] - y, q[2] - z) < r + rc + 10)) continue
    const vent = model.ventricleSdf(...q)
    const actual: LesionSite = vent < rc + 6 ? 'periventricular' : depth < rc + 10 ? 'cortical' : 'deep'
    if (strict && actual !== site) continue
    if (vent < 0.3 * rc) continue
    model.toFov(...q, fov)
    lesion.centreMm = [round2(fov[0]), round2(fov[1]), round2(fov[2])]
    lesion.site = actual
    return q
  }
  return null
}

function round2(v: number): number {
  return Math.round(v * 100) / 100
}
