/**
 * Vega-Lite specification of the tile-size / overlap sweep: mean soft Dice against cost, one line per tile size
 * through its overlaps, the whole-image prediction as a star and a dashed reference line. Pure (data in, spec
 * out); rendered to SVG for sweep.html and with vega-embed in the app.
 *
 * @source Reina & Panchumarthy 2018, Fig. 5 and its discussion (more overlap: more tiles, O(n²) cost).
 */
import type { TopLevelSpec } from 'vega-lite'
import { CHART_COLORS } from './evaluationCharts'

/** One sweep setting as the chart needs it (sweep.json rows fit). */
export interface SweepPoint {
  /** null for the whole-image row. */
  tile: number | null
  overlap: number | null
  meanDice: number | null
  /** Model FLOPs per slice relative to the whole image (1 for the whole-image row). */
  relativeFlops: number
  /** Measured inference milliseconds per slice. */
  msPerSlice: number
  forwardPassesPerSlice: number
}

export type SweepCostAxis = 'relativeFlops' | 'msPerSlice'

/**
 * Dice against cost.
 * @param x 'relativeFlops' (model FLOPs per slice / whole image, log scale) or 'msPerSlice' (measured, log scale).
 */
export function sweepCostSpec(points: readonly SweepPoint[], x: SweepCostAxis = 'relativeFlops', options: { width?: number; height?: number } = {}): TopLevelSpec {
  const tiled = points
    .filter((p) => p.tile !== null && p.meanDice !== null)
    .map((p) => ({ ...p, tileLabel: `${p.tile} px`, label: `${p.tile}/${Math.round((p.overlap ?? 0) * 100)}%` }))
  const full = points.filter((p) => p.tile === null && p.meanDice !== null)
  const title = x === 'relativeFlops' ? 'Model FLOPs per slice (× whole image)' : 'Measured inference time per slice (ms)'
  const xEnc = { field: x, type: 'quantitative' as const, title, scale: { type: 'log' as const, nice: false, padding: 12 } }
  const yEnc = { field: 'meanDice', type: 'quantitative' as const, title: 'Mean soft Dice', scale: { zero: false, padding: 14 } }
  const tooltip = [
    { field: 'tile', title: 'tile (px)' },
    { field: 'overlap', title: 'overlap', format: '.2f' },
    { field: 'meanDice', title: 'mean soft Dice', format: '.4f' },
    { field: 'forwardPassesPerSlice', title: 'forward passes / slice', format: '.1f' },
    { field: 'relativeFlops', title: 'FLOPs × whole', format: '.2f' },
    { field: 'msPerSlice', title: 'ms / slice', format: '.1f' },
  ]
  const layers: object[] = []
  if (full.length > 0)
    layers.push({
      data: { values: full },
      mark: { type: 'rule', strokeDash: [5, 4], color: CHART_COLORS.whole },
      encoding: { y: { field: 'meanDice', type: 'quantitative' } },
    })
  layers.push(
    {
      data: { values: tiled },
      mark: { type: 'line', strokeWidth: 1.5, opacity: 0.7 },
      encoding: { x: xEnc, y: yEnc, color: { field: 'tileLabel', type: 'nominal', title: 'tile', sort: { field: 'tile' } }, order: { field: 'overlap' } },
    },
    {
      data: { values: tiled },
      mark: { type: 'point', filled: true, size: 70 },
      encoding: {
        x: xEnc,
        y: yEnc,
        color: { field: 'tileLabel', type: 'nominal', title: 'tile', sort: { field: 'tile' } },
        shape: { field: 'overlap', type: 'nominal', title: 'overlap', sort: 'ascending', legend: { labelExpr: "format(datum.value, '.0%')" } },
        tooltip,
      },
    },
    {
      data: { values: tiled },
      mark: { type: 'text', dx: 7, dy: -7, align: 'left', fontSize: 10, color: '#374151' },
      encoding: { x: xEnc, y: yEnc, text: { field: 'label' } },
    },
  )
  if (full.length > 0)
    layers.push(
      {
        data: { values: full },
        mark: { type: 'point', shape: 'diamond', filled: true, size: 180, color: CHART_COLORS.whole },
        encoding: { x: xEnc, y: yEnc, tooltip },
      },
      {
        data: { values: full.map((p) => ({ ...p, label: 'whole image' })) },
        mark: { type: 'text', dx: 9, dy: 12, align: 'left', fontSize: 11, fontWeight: 600, color: CHART_COLORS.whole },
        encoding: { x: xEnc, y: yEnc, text: { field: 'label' } },
      },
    )
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: options.width ?? 560,
    height: options.height ?? 340,
    config: {
      font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
      view: { stroke: null },
      axis: { gridColor: '#e5e7eb', domainColor: '#9ca3af', labelFontSize: 11, titleFontSize: 12, titleFontWeight: 500 },
      range: { category: { scheme: 'tableau10' } },
    },
    layer: layers,
  } as TopLevelSpec
}
