/**
 * The parameters that fully determine one synthetic BraTS-like case. They are drawn from the case's random
 * streams (sampleCaseParams.ts), written to cohort.json, and turned into voxels by renderSynthCase.ts. A test may
 * edit them (remove the lesions, move one) and render again: the anatomy stays the same.
 *
 * Frames (all in mm):
 * - FOV frame: the voxel axes of the 240×240×155 mm field of view, origin at the centre of voxel (0, 0, 0):
 *   +x → patient left (i), +y → posterior (j), +z → superior (k). At 1 mm voxels, FOV mm = voxel index.
 * - Brain frame: centred on the brain, rotated by the head pose (yaw, pitch, roll), same axis senses.
 */
import type { Dims3 } from '../../common/types'

/** Version of the generator's output: bump when the voxels of a given (seed, case) change. */
export const SYNTH_VERSION = 1

/** The BraTS grid: 240×240×155 voxels of 1 mm. */
export const BRATS_DIMS: Dims3 = [240, 240, 155]
/** Field of view in mm (the BraTS grid at 1 mm). */
export const FOV_MM: [number, number, number] = [240, 240, 155]

/** Tissue classes of the anatomy map (renderSynthCase `withTissue`). Tumour is in the label map. */
export const TISSUE = {
  background: 0,
  csf: 1,
  ventricle: 2,
  greyMatter: 3,
  deepGreyMatter: 4,
  whiteMatter: 5,
  /** Non-tumour FLAIR hyperintensity: periventricular caps, small white-matter lesions. */
  hyperintensity: 6,
  /** Skull and scalp (only with `skull: true`). */
  head: 7,
} as const

/** FLAIR signal of each tissue relative to white matter (= 1). */
export interface FlairContrast {
  /** White-matter level in file units (int16); every other level is relative to it. */
  whiteMatter: number
  greyMatter: number
  deepGreyMatter: number
  csf: number
  /** Periventricular caps and small white-matter lesions. */
  hyperintensity: number
  /** Ependymal lining of the ventricles. */
  lining: number
  cerebellum: number
  brainstem: number
  /** Skull-on option only: bone and scalp. */
  bone: number
  scalp: number
}

export interface WhiteMatterLesion {
  /** Brain frame, mm. */
  centreMm: [number, number, number]
  radiusMm: number
}

export interface AnatomyParams {
  /** Brain centre, FOV frame (mm). */
  centreMm: [number, number, number]
  /** Head pose, degrees: yaw about z, pitch about x, roll about y. */
  poseDeg: [number, number, number]
  /** Cerebrum semi-axes (mm): left-right, anterior-posterior, superior, inferior. */
  cerebrumMm: { lr: number; ap: number; sup: number; inf: number }
  /** Extra width of the posterior half (fraction), the egg shape of the brain seen from above. */
  posteriorWidening: number
  /** Amplitude (fraction of the radius) of the smooth bumps of the brain outline. */
  shapeNoise: number
  temporalLobeMm: [number, number, number]
  cerebellumMm: [number, number, number]
  brainstemRadiusMm: number
  /** Ventricle size factor (1 = young adult; up to ~1.8 with atrophy). */
  ventricleScale: number
  /** Subarachnoid CSF kept at the brain surface after skull stripping (mm). */
  surfaceCsfMm: number
  sulcusHalfWidthMm: number
  greyMatterMm: number
  /** Distance between neighbouring sulci is about half of this (mm). */
  foldWavelengthMm: number
  sulcusDepthMm: number
  /** Thickness of the FLAIR-bright caps at the frontal and occipital horns (mm). */
  capsMm: number
  whiteMatterLesions: WhiteMatterLesion[]
  contrast: FlairContrast
  /** Rician noise: standard deviation of each quadrature channel, as a fraction of the white-matter level. */
  noiseSigma: number
  /** Amplitude of the fine tissue texture (fraction). */
  textureAmp: number
  /** Multiplicative bias field exp(Σ c·m) over monomials m of the normalised FOV coordinates (9 terms). */
  biasCoefficients: number[]
}

export type LesionKind = 'glioblastoma' | 'lowGrade' | 'solid' | 'metastasis'
export type LesionSite = 'periventricular' | 'cortical' | 'deep'

export interface LesionParams {
  kind: LesionKind
  site: LesionSite
  /** FOV frame, mm (= voxel index at 1 mm). */
  centreMm: [number, number, number]
  /** Orientation of the lesion's axes, degrees (yaw, pitch, roll). */
  rotationDeg: [number, number, number]
  /** Semi-axes of the tumour core (enhancing + necrotic / non-enhancing), mm. */
  coreRadiiMm: [number, number, number]
  /** Semi-axes of the oedema (FLAIR abnormality), mm; at least the core plus 2 mm. */
  oedemaRadiiMm: [number, number, number]
  /** Enhancing rim thickness (mm); ≥ the core radius means a solid enhancing core; 0: no enhancement. */
  rimMm: number
  /** Amplitude of the border irregularity (fraction of the radius). */
  irregularity: number
  /** How far (mm) the surrounding anatomy is pushed at the core border (mass effect). */
  massEffectMm: number
  /** FLAIR levels relative to white matter. */
  oedemaLevel: number
  rimLevel: number
  coreLevel: number
  /** Offset into the shared noise field so each lesion has its own shape. */
  noiseOffset: number
}

export interface SynthCaseParams {
  seed: number
  caseIndex: number
  /** Case id, SYNTH_0001 for case index 0. */
  caseId: string
  anatomy: AnatomyParams
  lesions: LesionParams[]
}

/** Case id of a case index: 0 → 'SYNTH_0001'. */
export function synthCaseId(caseIndex: number): string {
  return `SYNTH_${String(caseIndex + 1).padStart(4, '0')}`
}
