/**
 * Vega-Lite specifications of the evaluation charts. Pure: data in, JSON spec out, no rendering. The CLI's
 * report.html compiles them to SVG in Node (vega + vega-lite); the app's results view renders the same specs with
 * vega-embed, so both show the same chart.
 *
 * - differenceHistogramSpec: the paper's Fig. 6, the per-slice soft Dice difference whole − tiled in 200 bins,
 *   "Whole image better →" on the right, "← Tiling better" on the left, a rule at 0.
 * - diceScatterSpec: whole-image vs tiled soft Dice per slice with the diagonal; above it the whole image wins.
 *   Beyond 20,000 slices the points become a binned density (counts per 0.02 × 0.02 cell) to keep the SVG small.
 *
 * @source Reina & Panchumarthy 2018, Fig. 6 (plt.hist(full − tiled, 200 bins), paper-spec §5); Vega-Lite 6.
 */
import type { TopLevelSpec } from 'vega-lite'

/** Colours shared with the report: whole image (warm), tiled (cool), neutral. */
export const CHART_COLORS = { whole: '#c2410c', tiled: '#1d4ed8', neutral: '#6b7280', bars: '#475569' } as const

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'

const BASE_CONFIG = {
  font: FONT,
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 500, gridColor: '#e5e7eb', domainColor: '#9ca3af' },
  legend: { labelFontSize: 11, titleFontSize: 11 },
}

/** Points beyond which the scatter is drawn as a binned density. */
export const SCATTER_POINT_LIMIT = 20_000

export interface HistogramOptions {
  width?: number
  height?: number
  /** Number of bins over the symmetric extent (default 200, as the paper). */
  bins?: number
  /** y scale: 'linear' as the paper, or 'sqrt' to lift the tails beside the spike at 0. */
  yScale?: 'linear' | 'sqrt'
}

/**
 * Histogram of per-slice differences whole − tiled.
 *
 * The bins span the symmetric extent [−m, m] (histogramHalfWidth), so 0 is the middle bin
 * edge and both tails keep their true scale; there are exactly `bins` bins of width 2m/bins, counted here
 * (histogramBins) because Vega's own binning may merge the last bin on floating-point edges.
 * @param differences Per-slice diceFull − diceTiled.
 */
export function differenceHistogramSpec(differences: readonly number[], options: HistogramOptions = {}): TopLevelSpec {
  const bins = options.bins ?? 200
  const m = histogramHalfWidth(differences)
  const width = options.width ?? 760
  const height = options.height ?? 300
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width,
    height,
    config: BASE_CONFIG,
    layer: [
      {
        data: { values: histogramBins(differences, -m, m, bins) },
        mark: { type: 'bar', color: CHART_COLORS.bars, binSpacing: 0 },
        encoding: {
          x: {
            field: 'start',
            bin: 'binned',
            type: 'quantitative',
            title: 'Soft Dice difference per slice (whole image − tiled)',
            scale: { domain: [-m, m] },
            axis: { tickCount: 10 },
          },
          x2: { field: 'end' },
          y: { field: 'count', type: 'quantitative', title: 'Slices', scale: { type: options.yScale ?? 'linear' } },
          tooltip: [
            { field: 'start', title: 'from', format: '.4f' },
            { field: 'end', title: 'to', format: '.4f' },
            { field: 'count', title: 'slices' },
          ],
        },
      },
      {
        data: { values: [{ x: 0 }] },
        mark: { type: 'rule', color: '#111827', strokeDash: [4, 3], strokeWidth: 1 },
        encoding: { x: { field: 'x', type: 'quantitative' } },
      },
      sideLabel(m, 'Whole image better →', 'right', CHART_COLORS.whole),
      sideLabel(-m, '← Tiling better', 'left', CHART_COLORS.tiled),
    ],
  } as TopLevelSpec
}

/** One histogram bin [start, end) (the last one closed), with its count. */
export interface HistogramBin {
  start: number
  end: number
  count: number
}

/**
 * Counts values into `bins` equal bins over [lo, hi], numpy/matplotlib style: bin i is [lo + i·w, lo + (i+1)·w),
 * the last bin includes hi; values outside [lo, hi] are left out. Empty bins are kept (count 0).
 */
export function histogramBins(values: readonly number[], lo: number, hi: number, bins: number): HistogramBin[] {
  const w = (hi - lo) / bins
  const counts = new Array<number>(bins).fill(0)
  for (const v of values) {
    if (!(v >= lo && v <= hi)) continue
    counts[Math.min(bins - 1, Math.floor((v - lo) / w))]++
  }
  return counts.map((count, i) => ({ start: lo + i * w, end: i === bins - 1 ? hi : lo + (i + 1) * w, count }))
}

/**
 * Half-width m of the histogram's symmetric extent: max|d| rounded up to 1, 2, 2.5 or 5 × 10^k (at least 1e-4), so
 * tiny differences still spread over the 200 bins and large ones reach ±1.
 */
export function histogramHalfWidth(differences: readonly number[]): number {
  let max = 0
  for (const d of differences) if (Math.abs(d) > max) max = Math.abs(d)
  if (!(max > 1e-4)) return 1e-4
  const p = 10 ** Math.floor(Math.log10(max))
  for (const f of [1, 2, 2.5, 5, 10]) if (f * p >= max * (1 - 1e-12)) return +(f * p).toPrecision(3)
  return 10 * p
}

export interface ScatterPoint {
  study: string
  slice: number
  diceFull: number
  diceTiled: number
  /** Ground-truth tumour pixels in the slice (0: tumour-free). */
  tumorPixels: number
}

/**
 * Scatter of whole-image (y) vs tiled (x) soft Dice with the diagonal; colour says whether the slice holds tumour.
 */
export function diceScatterSpec(points: readonly ScatterPoint[], options: { size?: number } = {}): TopLevelSpec {
  const size = options.size ?? 360
  const axis = (title: string) => ({ type: 'quantitative' as const, title, scale: { domain: [0, 1] }, axis: { tickCount: 5 } })
  const values = points.map((p) => ({
    study: p.study,
    slice: p.slice,
    full: p.diceFull,
    tiled: p.diceTiled,
    kind: p.tumorPixels > 0 ? 'tumour in slice' : 'tumour-free slice',
  }))
  const dense = points.length > SCATTER_POINT_LIMIT
  const cloud = dense
    ? {
        data: { values },
        mark: { type: 'rect' },
        encoding: {
          x: { field: 'tiled', bin: { extent: [0, 1], step: 0.02 }, ...axis('Soft Dice, tiled') },
          y: { field: 'full', bin: { extent: [0, 1], step: 0.02 }, ...axis('Soft Dice, whole image') },
          color: { aggregate: 'count', type: 'quantitative', title: 'slices', scale: { type: 'log', scheme: 'greys' } },
        },
      }
    : {
        data: { values },
        mark: { type: 'circle', size: 14, opacity: 0.55 },
        encoding: {
          x: { field: 'tiled', ...axis('Soft Dice, tiled') },
          y: { field: 'full', ...axis('Soft Dice, whole image') },
          color: {
            field: 'kind',
            type: 'nominal',
            title: null,
            scale: { domain: ['tumour in slice', 'tumour-free slice'], range: ['#7c3aed', '#9ca3af'] },
            legend: { orient: 'bottom', direction: 'horizontal' },
          },
          tooltip: [
            { field: 'study', title: 'study' },
            { field: 'slice', title: 'slice' },
            { field: 'full', title: 'Dice whole', format: '.3f' },
            { field: 'tiled', title: 'Dice tiled', format: '.3f' },
          ],
        },
      }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: size,
    height: size,
    config: BASE_CONFIG,
    layer: [
      {
        data: { values: [{ a: 0, b: 0, a2: 1, b2: 1 }] },
        mark: { type: 'rule', color: '#111827', strokeDash: [4, 3] },
        encoding: {
          x: { field: 'a', type: 'quantitative', scale: { domain: [0, 1] } },
          y: { field: 'b', type: 'quantitative', scale: { domain: [0, 1] } },
          x2: { field: 'a2' },
          y2: { field: 'b2' },
        },
      },
      cloud,
      cornerLabel(0.03, 0.97, 'whole image better', 'left', CHART_COLORS.whole),
      cornerLabel(0.97, 0.03, 'tiling better', 'right', CHART_COLORS.tiled),
    ],
  } as TopLevelSpec
}

/** A label at the top of the plot at data x, aligned inwards. */
function sideLabel(x: number, label: string, align: 'left' | 'right', color: string): object {
  return {
    data: { values: [{ x, label }] },
    mark: { type: 'text', fontSize: 13, fontWeight: 600, baseline: 'top', dy: 4, align, color },
    encoding: { x: { field: 'x', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label' } },
  }
}

function cornerLabel(x: number, y: number, label: string, align: 'left' | 'right', color: string): object {
  return {
    data: { values: [{ x, y, label }] },
    mark: { type: 'text', fontSize: 12, fontWeight: 600, align, color },
    encoding: {
      x: { field: 'x', type: 'quantitative' },
      y: { field: 'y', type: 'quantitative' },
      text: { field: 'label' },
    },
  }
}
