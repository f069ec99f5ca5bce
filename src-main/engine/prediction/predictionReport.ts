/**
 * The result of `tilelab predict` for one study: the object written as `prediction.json` and printed by `--json`.
 * Every Dice number is the one `tilelab evaluate` computes for the same slice (evaluation/evaluateStudy.ts
 * `sliceRecord`, metrics/dice.ts), and can be recomputed from the NIfTI maps written beside it.
 *
 * Conventions: slice indices are axial slices k (third voxel axis, 0-based); tile origins are `[row, column]` =
 * `[j, i]` of the stored slice (NIfTI order, not the radiological display); times are wall-clock milliseconds;
 * paths under `outputs` are relative to `outputs.dir`.
 */
import type { Affine, Blend, Dims3, Normalization, UnetConfig } from '../../common/types'
import type { Region } from '../inference/blend'
import type { MeanDice } from '../metrics/dice'

/** Version of this JSON layout; bumped when a field changes meaning or is removed. */
export const PREDICTION_REPORT_VERSION = 1

/** How the predicted axial slices were chosen. */
export type SliceSelection = 'max-tumor' | 'middle' | 'slice' | 'all'

/** Which slices get a PNG: 'auto' = the requested slice, or with --all the tumour slices (all without a label). */
export type PngSelection = 'auto' | 'all' | 'tumor' | 'none'

/** The paper's centre-crop prediction (Fig. 3) of one slice: the crop's Dice against the ground truth in the crop. */
export interface CentreCropSlice {
  /** soft Dice of the crop prediction vs the ground truth cropped to the same window (paper-spec §4, CCF). */
  dice: number
  binaryDice: number | null
  falsePositives: number
  falseNegatives: number
  /** Ground-truth pixels inside the window. */
  tumorPixels: number
  predictedPixels: number
  /** diceFull − dice (whole slice vs crop; the paper selected slices where this exceeds 0.2). */
  difference: number
}

/** One predicted axial slice. Ground-truth fields are null when the study has no label. */
export interface PredictedSlice {
  slice: number
  tumorPixels: number | null
  /** The paper's soft Dice (smooth 1) of the whole-image prediction. */
  diceFull: number | null
  diceTiled: number | null
  /** Tiled probabilities < 0.5 zeroed, the rest kept soft (the paper's "threshold" variant). */
  diceTiledThresholded: number | null
  /** Binary Dice at 0.5; null when ground truth and prediction are both empty (or no label). */
  binaryDiceFull: number | null
  binaryDiceTiled: number | null
  /** diceFull − diceTiled. */
  difference: number | null
  falsePositivesFull: number | null
  falseNegativesFull: number | null
  falsePositivesTiled: number | null
  falseNegativesTiled: number | null
  /** Pixels with p ≥ 0.5. */
  predictedPixelsFull: number
  predictedPixelsTiled: number
  /** max |full − tiled| over the slice. */
  maxAbsDifference: number
  /** Forward passes of this slice: 1 whole image, the tiles per slice tiled. */
  forwardPassesFull: number
  forwardPassesTiled: number
  /** Milliseconds attributed to this slice per mode (predictVolume's SliceInfo.elapsedMs). */
  msFull: number
  msTiled: number
  msCentreCrop: number | null
  centreCrop: CentreCropSlice | null
  /** PNG of this slice (relative to outputs.dir), or null when none was written. */
  png: string | null
}

/** Timings and counts of one prediction mode over all predicted slices (predictVolume's stats). */
export interface ModeTiming {
  slices: number
  elapsedMs: number
  msPerSlice: number
  forwardPasses: number
  forwardPassesPerSlice: number
  predictorCalls: number
  /** Largest batch sent to the predictor. */
  batchSize: number
  predictorMs: number
  /** Extraction, padding, blending. */
  overheadMs: number
}

export interface PredictionReport {
  version: number
  tool: 'tilelab predict'
  createdAt: string
  study: {
    name: string
    path: string
    image: string
    label: string | null
    /** [nx, ny, nz] voxels. */
    dims: Dims3
    voxelSizeMm: [number, number, number]
    /** Voxel → world (RAS+ mm), the image's; the NIfTI outputs carry the same. */
    affine: Affine
    orientation: string
    datatype: string
    labelValues: number[]
    wholeTumorVoxels: number | null
    maxTumorSlice: number | null
  }
  model: {
    name: string
    dir: string
    /** Engine that ran it, e.g. 'tfjs-cpu', 'onnxruntime-cpu'. */
    engine: string
    /** sha256 over the weight-bearing files (evaluation/modelInfo.ts). */
    fingerprint: string
    architecture: UnetConfig | null
  }
  settings: {
    selection: SliceSelection
    /** FLAIR z-score per 'slice' (the paper's text) or per 'volume'. */
    normalization: Normalization
    /** Centre-crop side in pixels, or null when not asked for. */
    centreCrop: number | null
    pngs: PngSelection
  }
  tiling: {
    tile: number
    /** Requested overlap, and the one the integer stride gives (1 − stride/tile). */
    overlap: number
    effectiveOverlap: number
    stride: number
    blend: Blend
    /** Slice size after padding to the tile, [H, W]. */
    paddedSize: [number, number]
    offsetsY: number[]
    offsetsX: number[]
    /** Tile origins [row, column], row-major. */
    origins: [number, number][]
    tilesPerSlice: number
  }
  /** The centre-crop window in slice pixels (rows y0…y0+height, columns x0…x0+width), or null. */
  centreCropWindow: Region | null
  /** Predicted axial slices, ascending. */
  predictedSlices: number[]
  slices: PredictedSlice[]
  /** Means over the predicted slices (null without a label). */
  summary: {
    slices: number
    tumorSlices: number | null
    meanDiceFull: number | null
    meanDiceTiled: number | null
    meanDiceTiledThresholded: number | null
    meanDifference: number | null
    binaryDiceFull: MeanDice | null
    binaryDiceTiled: MeanDice | null
    meanDiceCentreCrop: number | null
  }
  timings: {
    loadMs: number
    modelOpenMs: number
    full: ModeTiming
    tiled: ModeTiming
    centreCrop: ModeTiming | null
    /** Writing the NIfTI maps and PNGs. */
    writeMs: number
    /** From the start of the run to the moment prediction.json is written. */
    totalMs: number
  }
  outputs: {
    /** Absolute output folder. */
    dir: string
    full: string
    tiled: string
    difference: string
    centreCrop: string | null
    json: string
    pngs: string[]
  }
}
