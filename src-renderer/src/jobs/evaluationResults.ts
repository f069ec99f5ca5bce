/**
 * The results view's model of a finished (or partial) evaluation folder, from readEvaluation: typed slice rows
 * (slices.csv), per-study rows (summary.json perStudy, else computed from the slices), the paper-style comparison
 * (this run beside the paper's numbers), sorting, and the way back from a row to the viewer (the study's path, the
 * model id and tiling the run used). DOM-free (unit-tested).
 *
 * @source columns: engine/evaluation/sliceTable.ts; summary keys: engine/evaluation/summary.ts; paper numbers:
 *   common/paperNumbers.ts (the same rows as report.html and the CLI's table).
 */
import type { EvaluationResult, ModelSummary } from '../../../src-main/common/api'
import { PAPER_NUMBERS } from '../../../src-main/common/paperNumbers'
import type { Blend, Tiling } from '../../../src-main/common/types'

export interface SliceRow {
  study: string
  slice: number
  tumorPixels: number
  diceFull: number
  diceTiled: number
  /** diceFull − diceTiled (> 0: the whole image is better). */
  difference: number
  binaryDiceFull: number | null
  binaryDiceTiled: number | null
  tilesPerSlice: number
}

export interface StudyRow {
  study: string
  slices: number
  tumorSlices: number
  meanDiceFull: number | null
  meanDiceTiled: number | null
  meanDifference: number | null
  fractionFullBetter: number | null
}

/** What the results view reads from summary.json (keys of engine/evaluation/summary.ts EvaluationSummary). */
export interface SummaryFacts {
  data: string
  model: { name: string; dir: string | null }
  tiling: Tiling
  sliceSelection: 'all' | 'tumor'
  slices: number
  studies: number
  failed: { study: string; error: string }[]
  skipped: { study: string; reason: string }[]
}

export type SliceSortKey = keyof Pick<SliceRow, 'study' | 'slice' | 'tumorPixels' | 'diceFull' | 'diceTiled' | 'difference'>
export type StudySortKey = keyof Pick<StudyRow, 'study' | 'slices' | 'tumorSlices' | 'meanDiceFull' | 'meanDiceTiled' | 'meanDifference'>

/** slices.csv rows as numbers (the service parsed them; numbers may still arrive as strings from other hosts). */
export function sliceRows(result: Pick<EvaluationResult, 'slices'>): SliceRow[] {
  const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v))
  const opt = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : num(v))
  return result.slices.map((r) => ({
    study: String(r.study),
    slice: num(r.slice),
    tumorPixels: num(r.tumorPixels),
    diceFull: num(r.diceFull),
    diceTiled: num(r.diceTiled),
    difference: r.difference === undefined || r.difference === null ? num(r.diceFull) - num(r.diceTiled) : num(r.difference),
    binaryDiceFull: opt(r.binaryDiceFull),
    binaryDiceTiled: opt(r.binaryDiceTiled),
    tilesPerSlice: num(r.tilesPerSlice),
  }))
}

/** Per-study rows: summary.json's perStudy when present, else means computed from the slice rows. */
export function studyRows(summary: Record<string, unknown> | null, slices: readonly SliceRow[]): StudyRow[] {
  const per = summary?.perStudy
  if (Array.isArray(per) && per.length > 0)
    return per.map((s: Record<string, unknown>) => ({
      study: String(s.study),
      slices: Number(s.slices),
      tumorSlices: Number(s.tumorSlices),
      meanDiceFull: numOrNull(s.meanDiceFull),
      meanDiceTiled: numOrNull(s.meanDiceTiled),
      meanDifference: numOrNull(s.meanDifference),
      fractionFullBetter: numOrNull(s.fractionFullBetter),
    }))
  const groups = new Map<string, SliceRow[]>()
  for (const r of slices) groups.set(r.study, [...(groups.get(r.study) ?? []), r])
  return [...groups].map(([study, rows]) => {
    const mean = (f: (r: SliceRow) => number) => rows.reduce((a, r) => a + f(r), 0) / rows.length
    return {
      study,
      slices: rows.length,
      tumorSlices: rows.filter((r) => r.tumorPixels > 0).length,
      meanDiceFull: mean((r) => r.diceFull),
      meanDiceTiled: mean((r) => r.diceTiled),
      meanDifference: mean((r) => r.difference),
      fractionFullBetter: rows.filter((r) => r.difference > 0).length / rows.length,
    }
  })
}

/** The run's settings and provenance from summary.json; null when the run has no summary yet. */
export function summaryFacts(summary: Record<string, unknown> | null): SummaryFacts | null {
  if (!summary) return null
  const model = (summary.model ?? {}) as Record<string, unknown>
  const blend = summary.blend === 'gaussian' ? 'gaussian' : 'mean'
  return {
    data: String(summary.data ?? ''),
    model: { name: String(model.name ?? '?'), dir: typeof model.dir === 'string' ? model.dir : null },
    tiling: { tile: Number(summary.tile), overlap: Number(summary.overlap), blend: blend as Blend },
    sliceSelection: summary.sliceSelection === 'tumor' ? 'tumor' : 'all',
    slices: Number(summary.slices ?? 0),
    studies: Number(summary.studies ?? 0),
    failed: Array.isArray(summary.failed) ? (summary.failed as SummaryFacts['failed']) : [],
    skipped: Array.isArray(summary.skipped) ? (summary.skipped as SummaryFacts['skipped']) : [],
  }
}

/** One row of the paper-style table: label, this run, the paper, an optional note. */
export interface PaperRow {
  label: string
  ours: string
  paper: string
  note?: string
}

/** This run beside the paper (Reina & Panchumarthy 2018), the rows of report.html. */
export function paperRows(s: Record<string, unknown>): PaperRow[] {
  const P = PAPER_NUMBERS
  const n = (k: string) => numOrNull(s[k])
  const ci = Array.isArray(s.differenceCI95) ? (s.differenceCI95 as number[]) : null
  return [
    { label: 'Slices (studies)', ours: `${fmtCount(n('slices'))} (${fmtCount(n('studies'))})`, paper: `${fmtCount(P.slices)} (${P.studies})` },
    { label: 'Mean soft Dice, whole image', ours: f3(n('meanDiceFull')), paper: f3(P.meanDiceFull) },
    { label: 'Mean soft Dice, tiled', ours: f3(n('meanDiceTiled')), paper: f3(P.meanDiceTiled) },
    { label: 'Mean soft Dice, tiled thresholded', ours: f3(n('meanDiceTiledThresholded')), paper: f3(P.meanDiceTiledThresholded), note: 'tiled probabilities below 0.5 set to 0' },
    { label: 'Mean difference whole − tiled', ours: signed3(n('meanDifference')), paper: signed3(P.meanDifference), note: ci ? `95% CI ${signed3(ci[0])} to ${signed3(ci[1])} (bootstrap over slices)` : undefined },
    { label: 'Whole image strictly better', ours: pct(n('fractionFullBetter')), paper: pct(P.fractionFullBetter) },
    { label: 'Whole image better or equal', ours: pct(n('fractionFullBetterOrEqual')), paper: '87%*' },
    { label: 'Whole image better by > 0.1', ours: pct(n('fractionFullBetterBy0_1')), paper: '7.5%*' },
    { label: 'Tiling better by > 0.1', ours: pct(n('fractionTiledBetterBy0_1')), paper: pct(P.fractionTiledBetterBy0_1, 3) },
    { label: 'Wilcoxon signed-rank p', ours: fmtP(n('wilcoxonP')), paper: '—', note: 'not reported in the paper' },
    { label: 'Tiles', ours: `${s.tile} px, ${Math.round(Number(s.overlap) * 100)}%, ${s.blend}`, paper: '128 px, 50%, mean' },
  ]
}

/** Sorted copy; nulls last in either direction; ties by study then slice. */
export function sortRows<T extends { study: string; slice?: number }>(rows: readonly T[], key: keyof T, descending: boolean): T[] {
  const dir = descending ? -1 : 1
  return [...rows].sort((a, b) => {
    const x = a[key] as unknown
    const y = b[key] as unknown
    if (x === null || x === undefined) return y === null || y === undefined ? 0 : 1
    if (y === null || y === undefined) return -1
    const c = typeof x === 'string' ? (x < (y as string) ? -1 : x > (y as string) ? 1 : 0) : (x as number) - (y as number)
    if (c !== 0) return c * dir
    if (a.study !== b.study) return a.study < b.study ? -1 : 1
    return (a.slice ?? 0) - (b.slice ?? 0)
  })
}

/** The study's path on the host: the cohort folder joined with the study id (slices.csv: relative, '/'-separated). */
export function studyPath(data: string, study: string): string {
  if (!data) return study
  return `${data.replace(/[\\/]+$/, '')}/${study}`
}

/** The listed model the run used: the same folder, else the same name; null when it is gone. */
export function modelIdFor(model: SummaryFacts['model'], models: readonly ModelSummary[]): string | null {
  const norm = (p: string) => p.replace(/[\\/]+$/, '')
  const byDir = model.dir ? models.find((m) => norm(m.dir) === norm(model.dir!)) : undefined
  return (byDir ?? models.find((m) => m.name === model.name || m.id === model.name))?.id ?? null
}

function numOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}

export function f3(x: number | null): string {
  return x === null ? '—' : x !== 0 && Math.abs(x) < 0.0005 ? x.toExponential(1) : x.toFixed(3)
}

export function signed3(x: number | null): string {
  if (x === null) return '—'
  const body = x !== 0 && Math.abs(x) < 0.0005 ? Math.abs(x).toExponential(1) : Math.abs(x).toFixed(3)
  return `${x >= 0 ? '+' : '−'}${body}`
}

export function pct(x: number | null, digits = 2): string {
  return x === null ? '—' : `${(x * 100).toFixed(digits)}%`
}

function fmtP(x: number | null): string {
  return x === null ? '—' : x === 0 ? '< 1e-16' : x < 1e-3 ? x.toExponential(1) : x.toFixed(3)
}

function fmtCount(x: number | null): string {
  return x === null ? '—' : x.toLocaleString('en-US')
}

/** One row of a sweep (sweep.json rows; engine/evaluation/runSweep.ts SweepRow), as the chart and table need it. */
export interface SweepRowView {
  tile: number | null
  overlap: number | null
  meanDice: number | null
  meanDifference: number | null
  fractionFullBetter: number | null
  forwardPassesPerSlice: number
  relativeFlops: number
  msPerSlice: number
}

/** A sweep folder's rows and provenance (sweep.json); null when the folder holds no sweep. */
export function sweepFacts(sweep: Record<string, unknown> | null): { rows: SweepRowView[]; model: string; slices: number; studies: number; sliceSelection: string } | null {
  if (!sweep || !Array.isArray(sweep.rows)) return null
  const rows = (sweep.rows as Record<string, unknown>[]).map((r) => ({
    tile: numOrNull(r.tile),
    overlap: numOrNull(r.overlap),
    meanDice: numOrNull(r.meanDice),
    meanDifference: numOrNull(r.meanDifference),
    fractionFullBetter: numOrNull(r.fractionFullBetter),
    forwardPassesPerSlice: Number(r.forwardPassesPerSlice),
    relativeFlops: Number(r.relativeFlops),
    msPerSlice: Number(r.msPerSlice),
  }))
  const model = (sweep.model ?? {}) as Record<string, unknown>
  return {
    rows,
    model: String(model.name ?? '?'),
    slices: Number(sweep.slices ?? 0),
    studies: Number(sweep.studies ?? 0),
    sliceSelection: String(sweep.sliceSelection ?? 'all'),
  }
}
