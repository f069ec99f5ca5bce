/**
 * Core data types shared by the engine, the CLI, the hosts and the renderer. Pure TS: no node:, electron or DOM.
 *
 * Conventions used everywhere in TileLab:
 * - Voxel order is NIfTI's: i (first axis) fastest, then j, then k. Index of voxel (i, j, k) = i + nx·(j + ny·k).
 * - An axial slice is slice k of the third voxel axis (the paper, §1). As an image it is `[H, W] = [ny, nx]`
 *   row-major with row j and column i, i.e. exactly `data.subarray(k·nx·ny, (k+1)·nx·ny)`: zero-copy.
 *   On the BraTS grid (i → patient left, j → posterior) this layout is the radiological display.
 * - World coordinates are NIfTI's RAS+ millimetres; the affine maps (i, j, k, 1) to (x, y, z, 1).
 * - Probabilities are float32 in [0, 1]. `overlap` is a fraction in [0, 1). Units go in names (`spacingMm`, `elapsedMs`).
 */

/** 4×4 affine, row-major rows, voxel (i, j, k, 1) → world RAS+ mm. Last row is [0, 0, 0, 1]. */
export type Affine = [
  [number, number, number, number],
  [number, number, number, number],
  [number, number, number, number],
  [number, number, number, number],
]

/** Dimensions [nx, ny, nz] in voxels. */
export type Dims3 = [number, number, number]

/** NIfTI scalar datatypes TileLab reads (and writes). */
export type NiftiDatatype = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64'

/** Geometry of a voxel grid. */
export interface Geometry {
  dims: Dims3
  /** Voxel size [dx, dy, dz] in mm (pixdim[1..3]). */
  spacingMm: [number, number, number]
  /** Voxel → world RAS+ mm (sform when sform_code > 0, else qform, else pixdim scaling), NIfTI-1 §qform/sform. */
  affine: Affine
  /** Axis codes of the voxel axes in world space, e.g. 'LPS' for BraTS (i → Left, j → Posterior, k → Superior). */
  orientation: string
}

/** A scalar 3D volume in NIfTI voxel order with scl_slope/scl_inter already applied. */
export interface Volume extends Geometry {
  /** Voxel values, length nx·ny·nz, i fastest. */
  data: Float32Array
  /** Datatype stored in the file. */
  datatype: NiftiDatatype
  /** Path of the file the volume was read from. */
  path: string
}

/** A label map on the image grid: integer labels, length nx·ny·nz, i fastest. */
export interface LabelVolume extends Geometry {
  data: Uint8Array
  datatype: NiftiDatatype
  path: string
  /** Distinct label values present, ascending (0 included when present). */
  labelValues: number[]
}

/** A single 2D image: `[H, W]` row-major float32. */
export interface Slice2D {
  height: number
  width: number
  data: Float32Array
}

/** How a slice is z-scored before the model sees it. */
export type Normalization = 'slice' | 'volume'

/** How overlapping tile probabilities are combined. 'mean' is the paper's count-map mean. */
export type Blend = 'mean' | 'gaussian'

/** Tiled (sliding-window) inference settings. */
export interface Tiling {
  /** Tile side P in pixels (square tiles). The paper: 128. */
  tile: number
  /** Fraction of a tile shared with its neighbour, in [0, 1); stride S = round(P·(1 − overlap)). The paper: 0.5. */
  overlap: number
  blend: Blend
}

/** The paper's tiling: 128×128 tiles, stride 64, mean blend (TSI `predict_tiles`). */
export const PAPER_TILING: Tiling = { tile: 128, overlap: 0.5, blend: 'mean' }

/** Which prediction a number belongs to. */
export type PredictionMode = 'full' | 'tiled'

/** Agreement between one predicted slice and the ground truth. */
export interface SliceMetrics {
  /** The paper's soft Dice (2Σyp + 1)/(Σy + Σp + 1) on probabilities, smooth 1 (TSI §5). */
  softDice: number
  /** Binary Dice at threshold 0.5; null when both masks are empty (undefined, excluded from means). */
  binaryDice: number | null
  /** Pixels predicted ≥ 0.5 outside the ground truth. */
  falsePositives: number
  /** Ground-truth pixels predicted < 0.5. */
  falseNegatives: number
  /** Ground-truth (whole tumour) pixels in the slice. */
  tumorPixels: number
  /** Pixels predicted ≥ 0.5. */
  predictedPixels: number
}

/** U-Net architecture parameters (paper §2 with base 32, depth 4, upsampling). */
export interface UnetConfig {
  /** Filters of the first level; doubled at each level down. The paper: 32. */
  baseFilters: number
  /** Number of 2×2 max-pool steps; inputs must be divisible by 2^depth. The paper: 4. */
  depth: number
  /** Decoder up-step: nearest UpSampling2D (the paper) or Conv2DTranspose 2×2 stride 2. */
  upsampling: 'upsample' | 'transpose'
  /** Dropout rate between the two convs of levels 3 and 4 (paper: 0.2). */
  dropout: number
}

export const PAPER_UNET: UnetConfig = { baseFilters: 32, depth: 4, upsampling: 'upsample', dropout: 0.2 }

/** The model card stored as `card.json` beside `model.json`. */
export interface ModelCard {
  name: string
  architecture: UnetConfig & { parameters: number; inputChannels: 1 }
  createdAt: string
  /** Intended use; for models trained on BraTS, says it is a research artefact not for clinical use. */
  intendedUse: string
  training?: {
    data: { cohort: string; trainCases: string[]; valCases: string[] }
    recipe: Record<string, unknown>
    epochs: number
    seconds: number
    backend: string
    /** Command line that reproduces the model. */
    command: string
  }
  metrics?: Record<string, number | null>
  normalization: Normalization
}
