/**
 * The last step of `tilelab predict`: score every predicted slice (predictionMetrics.ts), write the NIfTI maps,
 * the PNGs of the chosen slices and prediction.json (writePredictionOutputs.ts), and return the report.
 */
import { resolve } from 'node:path'
import { throwIfCancelled, type CancellationToken } from '../../common/cancellation'
import type { Study } from '../io/study'
import { intensityWindow } from '../render/slicePanels'
import { predictedSlice, predictionSummary } from './predictionMetrics'
import type { PngSelection, PredictedSlice, PredictionReport } from './predictionReport'
import type { PredictionProgress, PredictionRun } from './runPredictionModes'
import { renderSlicePicture } from './slicePicture'
import { PREDICTION_FILES, removeStalePngs, writePredictionJson, writePredictionMaps, writeSlicePng } from './writePredictionOutputs'

export interface WriteReportInput {
  out: string
  study: Study
  run: PredictionRun
  /** Every report field except the per-slice ones, timings and outputs. */
  base: Omit<PredictionReport, 'slices' | 'summary' | 'timings' | 'outputs'>
  timings: { loadMs: number; modelOpenMs: number }
  /** performance.now() at the start of the run, for timings.totalMs. */
  started: number
  onProgress?: (progress: PredictionProgress) => void
  token?: CancellationToken
}

/**
 * Scores the slices and writes every output file.
 * @returns The report as written to prediction.json.
 * @throws EngineError E_IO naming the file when a write fails; E_CANCELLED between PNGs.
 */
export async function writePredictionReport(input: WriteReportInput): Promise<PredictionReport> {
  const { study, run, base } = input
  const out = resolve(input.out)
  const [nx, ny] = study.image.dims
  const plane = nx * ny
  const slices = base.predictedSlices.map((z) =>
    predictedSlice(
      {
        slice: z,
        truth: study.wholeTumor ? study.wholeTumor.subarray(z * plane, (z + 1) * plane) : null,
        full: run.full.subarray(z * plane, (z + 1) * plane),
        tiled: run.tiled.subarray(z * plane, (z + 1) * plane),
        crop: run.crop ? { window: run.crop.window, probabilities: run.crop.probabilities.get(z) as Float32Array } : null,
        tilesPerSlice: run.layout.tilesPerSlice,
        msFull: run.msFull.get(z) ?? 0,
        msTiled: run.msTiled.get(z) ?? 0,
        msCentreCrop: run.msCentreCrop?.get(z) ?? null,
      },
      nx,
      study.name,
    ),
  )

  const writeStart = performance.now()
  await writePredictionMaps(out, { full: run.full, tiled: run.tiled, centreCrop: run.centreCrop }, {
    dims: study.image.dims,
    affine: study.image.affine,
    spacingMm: study.image.spacingMm,
  })
  const pictured = pngSlices(slices, base.settings.pngs, base.settings.selection)
  const pngs: string[] = []
  const window = pictured.length > 0 ? intensityWindow(study.image.data) : ([0, 1] as [number, number])
  for (const [i, entry] of pictured.entries()) {
    throwIfCancelled(input.token, 'prediction')
    input.onProgress?.({ phase: 'writing', done: i, total: pictured.length })
    const z = entry.slice
    const range = [z * plane, (z + 1) * plane] as const
    const png = renderSlicePicture({
      flair: study.image.data.subarray(...range),
      truth: study.wholeTumor?.subarray(...range) ?? null,
      full: run.full.subarray(...range),
      tiled: run.tiled.subarray(...range),
      nx,
      ny,
      affine: study.image.affine,
      window,
      entry,
      report: base,
    })
    entry.png = await writeSlicePng(out, z, png)
    pngs.push(entry.png)
  }
  input.onProgress?.({ phase: 'writing', done: pictured.length, total: pictured.length })
  await removeStalePngs(out, pngs)
  const writeMs = performance.now() - writeStart

  const report: PredictionReport = {
    ...base,
    slices,
    summary: predictionSummary(slices),
    timings: { ...input.timings, ...run.timing, writeMs, totalMs: 0 },
    outputs: {
      dir: out,
      full: PREDICTION_FILES.full,
      tiled: PREDICTION_FILES.tiled,
      difference: PREDICTION_FILES.difference,
      centreCrop: run.centreCrop ? PREDICTION_FILES.centreCrop : null,
      json: PREDICTION_FILES.json,
      pngs,
    },
  }
  report.timings.totalMs = performance.now() - input.started
  await writePredictionJson(out, report)
  return report
}

/**
 * The slices that get a PNG. 'auto': every predicted slice for a single-slice run; with --all, the slices with
 * ground-truth tumour (every slice when the study has no label). 'tumor': slices with ground-truth tumour only.
 */
export function pngSlices(slices: PredictedSlice[], which: PngSelection, selection: PredictionReport['settings']['selection']): PredictedSlice[] {
  const labelled = slices.some((s) => s.tumorPixels !== null)
  const tumour = slices.filter((s) => (s.tumorPixels ?? 0) > 0)
  switch (which) {
    case 'none':
      return []
    case 'all':
      return slices
    case 'tumor':
      return tumour
    case 'auto':
      return selection !== 'all' || !labelled ? slices : tumour
  }
}
