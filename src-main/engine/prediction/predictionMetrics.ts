/**
 * Per-slice numbers of a prediction run: the Dice family of `tilelab evaluate` (the same `sliceRecord`, so the two
 * commands agree to the bit), the centre-crop Dice against the ground truth cropped to the same window, pixel
 * counts and the largest full − tiled difference; and their means over the predicted slices.
 *
 * @source paper-spec §4 (whole vs tiled, threshold variant, centre crop CCF), §5 (per-slice soft Dice).
 */
import type { Region } from '../inference/blend'
import { cropSlice } from '../inference/centreCrop'
import { sliceRecord } from '../evaluation/evaluateStudy'
import { DICE_THRESHOLD, meanDice, sliceMetrics } from '../metrics/dice'
import type { CentreCropSlice, PredictedSlice, PredictionReport } from './predictionReport'

/** The maps of one slice a PredictedSlice is computed from. */
export interface SliceMaps {
  slice: number
  /** `[ny, nx]` ground truth (tumour > 0), or null without a label. */
  truth: Uint8Array | null
  /** `[ny, nx]` probabilities, whole image and tiled. */
  full: Float32Array
  tiled: Float32Array
  /** `[P, P]` centre-crop probabilities and the window, or null. */
  crop: { probabilities: Float32Array; window: Region } | null
  tilesPerSlice: number
  msFull: number
  msTiled: number
  msCentreCrop: number | null
}

/**
 * The JSON entry of one predicted slice (png left null; the writer fills it).
 *
 * @param maps  The slice's maps; `full`, `tiled` and `truth` have nx·ny values.
 * @param nx    Slice width (columns), ny = full.length / nx.
 * @param study Study id written into the record (not part of the entry).
 * @throws EngineError E_SHAPE when the maps' lengths differ.
 */
export function predictedSlice(maps: SliceMaps, nx: number, study: string): PredictedSlice {
  const { full, tiled, truth, slice } = maps
  const record = truth ? sliceRecord(study, slice, truth, full, tiled, maps.tilesPerSlice) : null
  let maxAbs = 0
  for (let i = 0; i < full.length; i++) {
    const d = Math.abs(full[i] - tiled[i])
    if (d > maxAbs) maxAbs = d
  }
  return {
    slice,
    tumorPixels: record?.tumorPixels ?? null,
    diceFull: record?.diceFull ?? null,
    diceTiled: record?.diceTiled ?? null,
    diceTiledThresholded: record?.diceTiledThresholded ?? null,
    binaryDiceFull: record?.binaryDiceFull ?? null,
    binaryDiceTiled: record?.binaryDiceTiled ?? null,
    difference: record?.difference ?? null,
    falsePositivesFull: record?.falsePositivesFull ?? null,
    falseNegativesFull: record?.falseNegativesFull ?? null,
    falsePositivesTiled: record?.falsePositivesTiled ?? null,
    falseNegativesTiled: record?.falseNegativesTiled ?? null,
    predictedPixelsFull: record?.predictedPixelsFull ?? countAtLeast(full, DICE_THRESHOLD),
    predictedPixelsTiled: record?.predictedPixelsTiled ?? countAtLeast(tiled, DICE_THRESHOLD),
    maxAbsDifference: maxAbs,
    forwardPassesFull: 1,
    forwardPassesTiled: maps.tilesPerSlice,
    msFull: maps.msFull,
    msTiled: maps.msTiled,
    msCentreCrop: maps.msCentreCrop,
    centreCrop: maps.crop ? centreCropSlice(maps.crop, truth, nx, full.length / nx, record?.diceFull ?? null) : null,
    png: null,
  }
}

/**
 * Dice of a centre-crop prediction against the ground truth cropped to its window (the paper's CCF: the crop and
 * the whole slice are scored against different ground-truth regions). Null without a label.
 */
function centreCropSlice(
  crop: { probabilities: Float32Array; window: Region },
  truth: Uint8Array | null,
  nx: number,
  ny: number,
  diceFull: number | null,
): CentreCropSlice | null {
  if (!truth || diceFull === null) return null
  const m = sliceMetrics(cropSlice(truth, ny, nx, crop.window), crop.probabilities)
  return {
    dice: m.softDice,
    binaryDice: m.binaryDice,
    falsePositives: m.falsePositives,
    falseNegatives: m.falseNegatives,
    tumorPixels: m.tumorPixels,
    predictedPixels: m.predictedPixels,
    difference: diceFull - m.softDice,
  }
}

/**
 * Means over the predicted slices; Dice means are null without a label, binary Dice means leave out (and count)
 * the slices where both masks are empty.
 */
export function predictionSummary(slices: readonly PredictedSlice[]): PredictionReport['summary'] {
  const labelled = slices.length > 0 && slices[0].diceFull !== null
  const mean = (pick: (s: PredictedSlice) => number | null): number | null =>
    labelled ? meanDice(slices.map(pick)).mean : null
  const crop = slices.filter((s) => s.centreCrop !== null)
  return {
    slices: slices.length,
    tumorSlices: labelled ? slices.filter((s) => (s.tumorPixels ?? 0) > 0).length : null,
    meanDiceFull: mean((s) => s.diceFull),
    meanDiceTiled: mean((s) => s.diceTiled),
    meanDiceTiledThresholded: mean((s) => s.diceTiledThresholded),
    meanDifference: mean((s) => s.difference),
    binaryDiceFull: labelled ? meanDice(slices.map((s) => s.binaryDiceFull)) : null,
    binaryDiceTiled: labelled ? meanDice(slices.map((s) => s.binaryDiceTiled)) : null,
    meanDiceCentreCrop: crop.length > 0 ? meanDice(crop.map((s) => s.centreCrop!.dice)).mean : null,
  }
}

function countAtLeast(values: Float32Array, threshold: number): number {
  let n = 0
  for (let i = 0; i < values.length; i++) if (values[i] >= threshold) n++
  return n
}
