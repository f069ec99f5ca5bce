/**
 * The PNG of one predicted axial slice: FLAIR, ground truth, whole-image heatmap, tiled heatmap (tile borders
 * dashed) and the full − tiled difference, side by side in radiological orientation, with the study, slice, model
 * and tiling in a heading, every panel titled, Dice readouts under the heatmaps and a colour legend.
 *
 * @source Reina & Panchumarthy 2018, Figs. 4, 8-10; panels from render/slicePanels.ts.
 */
import type { Affine } from '../../common/types'
import { renderCaptionedPanels } from '../render/captionedPanels'
import { composeSlicePanels } from '../render/slicePanels'
import type { PredictedSlice, PredictionReport } from './predictionReport'

export interface SlicePictureInput {
  /** Raw FLAIR `[ny, nx]` (as stored, before z-scoring). */
  flair: Float32Array
  /** `[ny, nx]` ground truth (tumour > 0), or null without a label. */
  truth: Uint8Array | null
  full: Float32Array
  tiled: Float32Array
  nx: number
  ny: number
  affine: Affine
  /** FLAIR display window [lo, hi] (render/slicePanels.ts intensityWindow over the volume). */
  window: [number, number]
  entry: PredictedSlice
  /** For the heading: study, model, tiling, settings. */
  report: Pick<PredictionReport, 'study' | 'model' | 'tiling' | 'settings' | 'centreCropWindow'>
}

/** Smallest displayed panel side, pixels: a 240×240 BraTS slice is drawn at 2× (so its captions fit at scale 2). */
const MIN_PANEL_SIDE = 320

/**
 * Renders the labelled PNG of one predicted slice.
 * @returns PNG bytes; the same inputs give the same bytes.
 */
export function renderSlicePicture(input: SlicePictureInput): Uint8Array {
  const { entry, report } = input
  const { tiling } = report
  const panels = composeSlicePanels({
    flair: input.flair,
    groundTruth: input.truth ?? new Uint8Array(input.nx * input.ny),
    full: input.full,
    tiled: input.tiled,
    nx: input.nx,
    ny: input.ny,
    affine: input.affine,
    window: input.window,
    tiles: { origins: tiling.origins, tile: tiling.tile },
    minSide: MIN_PANEL_SIDE,
  })
  return renderCaptionedPanels({
    panels,
    heading: heading(input),
    titles: ['FLAIR', input.truth ? 'Ground truth' : 'Ground truth: none', 'Whole image', `Tiled (${tiling.tilesPerSlice} tiles)`, 'Whole − tiled'],
    captions: captions(input),
  }).png
}

function heading(input: SlicePictureInput): string[] {
  const { entry, report } = input
  const { study, model, tiling, settings } = report
  const nz = study.dims[2]
  const tumour = entry.tumorPixels === null ? 'no label' : `${entry.tumorPixels} tumour px`
  return [
    `${study.name} · axial slice ${entry.slice} (of 0-${nz - 1}) · ${tumour}`,
    `model ${model.name} (${model.engine}) · FLAIR z-scored per ${settings.normalization}`,
    `tiles ${tiling.tile} px, stride ${tiling.stride} (overlap ${round(tiling.effectiveOverlap, 3)}), ${tiling.blend} blend · radiological view: patient right on the left`,
  ]
}

function captions(input: SlicePictureInput): string[][] {
  const e = input.entry
  const [lo, hi] = input.window
  const flair = [`window ${round(lo, 4)} to ${round(hi, 4)}`]
  if (e.centreCrop && input.report.centreCropWindow) {
    const w = input.report.centreCropWindow
    flair.push(`centre crop ${w.height}: Dice ${fixed(e.centreCrop.dice)}`)
  }
  if (e.diceFull === null)
    return [
      flair,
      ['no ground truth'],
      [`p ≥ 0.5: ${e.predictedPixelsFull} px`, `${ms(e.msFull)}, 1 forward pass`],
      [`p ≥ 0.5: ${e.predictedPixelsTiled} px`, `${ms(e.msTiled)}, ${e.forwardPassesTiled} forward passes`],
      [`max |diff| ${fixed(e.maxAbsDifference)}`],
    ]
  return [
    flair,
    [`${e.tumorPixels} px whole tumour`],
    [
      `soft Dice ${fixed(e.diceFull)}`,
      `binary Dice ${fixed(e.binaryDiceFull)}`,
      `FP ${e.falsePositivesFull}  FN ${e.falseNegativesFull}`,
      `${ms(e.msFull)}, 1 forward pass`,
    ],
    [
      `soft Dice ${fixed(e.diceTiled)}`,
      `binary Dice ${fixed(e.binaryDiceTiled)}`,
      `FP ${e.falsePositivesTiled}  FN ${e.falseNegativesTiled}`,
      `${ms(e.msTiled)}, ${e.forwardPassesTiled} forward passes`,
    ],
    [
      `Dice diff ${signed(e.difference)}`,
      `thresholded tiled ${fixed(e.diceTiledThresholded)}`,
      `max |diff| ${fixed(e.maxAbsDifference)}`,
    ],
  ]
}

/** 0.874; '-' for null (binary Dice of two empty masks). */
function fixed(v: number | null): string {
  return v === null ? 'n/a (both empty)' : v.toFixed(3)
}

/** +0.045 / −0.012 / 0.000 (no sign when it rounds to zero). */
function signed(v: number | null): string {
  if (v === null) return '-'
  if (Math.abs(v) < 0.0005) return '0.000'
  return `${v > 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}`
}

function ms(v: number): string {
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`
}

function round(v: number, digits: number): string {
  return String(+v.toPrecision(digits))
}
