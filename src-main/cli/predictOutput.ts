/**
 * What `tilelab predict` shows: a progress bar on stderr while it runs (on a terminal; nothing otherwise and with
 * --json), then on stdout either the report as one JSON object (--json) or a short human-readable summary.
 */
import { SingleBar } from 'cli-progress'
import type { PredictionProgress } from '../engine/prediction/runPredictionModes'
import type { PredictedSlice, PredictionReport } from '../engine/prediction/predictionReport'

const PHASES: Record<PredictionProgress['phase'], string> = {
  full: 'whole image',
  tiled: 'tiled',
  'centre-crop': 'centre crop',
  writing: 'PNGs',
}

/** A progress callback for predictStudy and a function that clears the bar. */
export function predictProgress(options: { json: boolean; tty?: boolean }): { onProgress: (p: PredictionProgress) => void; close(): void } {
  if (options.json || !(options.tty ?? process.stderr.isTTY)) return { onProgress: () => undefined, close: () => undefined }
  const bar = new SingleBar({ format: '{bar} {value}/{total} {phase}', barsize: 30, hideCursor: true, stream: process.stderr, fps: 5 })
  let phase: string | null = null
  return {
    onProgress(p) {
      if (p.total <= 1 && p.phase !== 'writing') return
      if (p.phase !== phase) {
        if (phase) bar.stop()
        phase = p.phase
        bar.start(p.total, p.done, { phase: PHASES[p.phase] })
      } else bar.update(p.done)
    },
    close() {
      if (phase) bar.stop()
      phase = null
    },
  }
}

/** The human-readable summary printed on stdout. */
export function formatPrediction(r: PredictionReport): string {
  const lines: string[] = []
  const t = r.tiling
  const which =
    r.settings.selection === 'all'
      ? `all ${r.slices.length} axial slices`
      : `axial slice ${r.predictedSlices[0]} (${selectionWhy(r)})`
  lines.push(`${r.study.name}: ${which}; model ${r.model.name} on ${r.model.engine}`)
  lines.push(
    `tiles ${t.tile} px, stride ${t.stride} (overlap ${+t.effectiveOverlap.toFixed(4)}), ${t.blend} blend: ${t.tilesPerSlice} tiles per slice, ` +
      `offsets y [${t.offsetsY.join(', ')}], x [${t.offsetsX.join(', ')}]`,
  )
  lines.push('')
  const shown = r.slices.length <= 12 ? r.slices : topDifferences(r.slices, 10)
  if (shown.length < r.slices.length)
    lines.push(
      r.summary.meanDiceFull === null
        ? `the ${shown.length} slices with the largest probability difference |whole − tiled|:`
        : `the ${shown.length} ${r.summary.tumorSlices ? 'tumour ' : ''}slices with the largest |Dice difference| (whole − tiled):`,
    )
  lines.push(...sliceTable(shown))
  if (r.slices.length > 1 && r.summary.meanDiceFull !== null) {
    const s = r.summary
    lines.push('')
    lines.push(
      `mean over ${s.slices} slices (${s.tumorSlices} with tumour): soft Dice whole ${fmt(s.meanDiceFull)}, tiled ${fmt(s.meanDiceTiled)}, ` +
        `tiled thresholded ${fmt(s.meanDiceTiledThresholded)}; binary Dice whole ${fmt(s.binaryDiceFull?.mean ?? null)}, ` +
        `tiled ${fmt(s.binaryDiceTiled?.mean ?? null)} (${s.binaryDiceFull?.excludedEmpty ?? 0} slices with both masks empty left out)`,
    )
  }
  if (r.summary.meanDiceCentreCrop !== null) lines.push(`centre crop ${r.settings.centreCrop} px: mean soft Dice ${fmt(r.summary.meanDiceCentreCrop)} (ground truth cropped to the same window)`)
  const tm = r.timings
  lines.push('')
  lines.push(
    `time: whole image ${ms(tm.full.msPerSlice)}/slice (${plural(tm.full.forwardPasses, 'forward pass', 'forward passes')}), tiled ${ms(tm.tiled.msPerSlice)}/slice ` +
      `(${plural(tm.tiled.forwardPasses, 'forward pass', 'forward passes')}), total ${(tm.totalMs / 1000).toFixed(1)} s`,
  )
  const o = r.outputs
  const files = [o.full, o.tiled, o.difference, ...(o.centreCrop ? [o.centreCrop] : []), o.json]
  lines.push(`wrote ${o.dir}/{${files.join(', ')}}${o.pngs.length ? ` and ${o.pngs.length} PNG${o.pngs.length > 1 ? 's' : ''} in pngs/` : ''}`)
  return lines.join('\n') + '\n'
}

function selectionWhy(r: PredictionReport): string {
  switch (r.settings.selection) {
    case 'max-tumor':
      return `most tumour: ${r.slices[0].tumorPixels} pixels`
    case 'middle':
      return r.study.label ? 'middle slice; the label has no tumour' : 'middle slice; no label'
    default:
      return 'as asked'
  }
}

/** The n slices (tumour slices when there are any) with the largest |Dice difference|, or |p difference| unlabelled. */
function topDifferences(slices: PredictedSlice[], n: number): PredictedSlice[] {
  const tumour = slices.filter((s) => (s.tumorPixels ?? 0) > 0)
  const key = (s: PredictedSlice): number => (s.difference === null ? s.maxAbsDifference : Math.abs(s.difference))
  return [...(tumour.length > 0 ? tumour : slices)]
    .sort((a, b) => key(b) - key(a) || a.slice - b.slice)
    .slice(0, n)
    .sort((a, b) => a.slice - b.slice)
}

function sliceTable(slices: PredictedSlice[]): string[] {
  const head = ['slice', 'tumour px', 'Dice whole', 'Dice tiled', 'tiled thr.', 'binary whole', 'binary tiled', 'ms whole', 'ms tiled']
  const rows = slices.map((s) => [
    String(s.slice),
    s.tumorPixels === null ? '-' : String(s.tumorPixels),
    fmt(s.diceFull),
    fmt(s.diceTiled),
    fmt(s.diceTiledThresholded),
    fmt(s.binaryDiceFull),
    fmt(s.binaryDiceTiled),
    String(Math.round(s.msFull)),
    String(Math.round(s.msTiled)),
  ])
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)))
  return [head, ...rows].map((r) => r.map((v, c) => v.padStart(widths[c])).join('  '))
}

function fmt(v: number | null): string {
  return v === null ? '-' : v.toFixed(3)
}

function ms(v: number): string {
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`
}
