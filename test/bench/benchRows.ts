/**
 * The rows of `npm run bench`: pairs each TileLab measurement (onnxruntime, tfjs) with PyTorch's measurement of the
 * same row on the same device, and computes ratios, GFLOP/s, tiled/full against the FLOP ratio, and the targets of
 * issue 7 (inference ≤ 1.0× PyTorch on the engine TileLab infers with, training ≤ 3.0×). Pure functions: the
 * harness (bench.ts) measures, this file only combines and formats, so it is tested on canned numbers.
 */
import { unetFlops } from '../../src-main/engine/model/unetFlops'

/** Rows measured by every engine; PyTorch's unet_torch.py uses the same names. */
export const ROW_NAMES = ['inference.full', 'inference.tileBatch', 'inference.tiled', 'study.full', 'study.tiled', 'train.step'] as const
export type RowName = (typeof ROW_NAMES)[number]

/** What each row's milliseconds are per. */
export const ROW_UNITS: Record<RowName, string> = {
  'inference.full': 'ms/slice',
  'inference.tileBatch': 'ms/9 tiles',
  'inference.tiled': 'ms/slice',
  'study.full': 'ms/study',
  'study.tiled': 'ms/study',
  'train.step': 'ms/step',
}

/** One measured row of one engine (a child process's median after warm-up). */
export interface Measurement {
  name: RowName
  base: number
  /** 'onnxruntime-cpu', 'onnxruntime-cuda', 'tfjs-wasm', 'tfjs-node-gpu', 'pytorch', 'pytorch-cuda'. */
  engine: string
  device: 'cpu' | 'gpu'
  /** Median wall time in the row's unit (ROW_UNITS), ms. */
  ms: number
  /** Every timed sample (after warm-up), ms, in the row's unit. */
  samplesMs: number[]
  /** Conv GFLOP of the work one `ms` covers (forward passes; a training step counts 3 forward passes). */
  gflop: number
  threads?: number
  /** Peak resident memory of the process that measured the row, MB. */
  peakRssMb?: number
  /** 1-minute load average when the row was measured. */
  load1?: number
  /** Slices of a study row; images of a batch / training step. */
  slices?: number
  batch?: number
}

export interface BenchRow {
  name: RowName
  base: number
  engine: string
  device: 'cpu' | 'gpu'
  unit: string
  /** 'inference' (the engine TileLab infers with: onnxruntime), 'fallback' (tfjs inference), 'training'. */
  role: 'inference' | 'fallback' | 'training'
  tilelabMs: number
  pytorchMs: number | null
  /** tilelabMs / pytorchMs (> 1: TileLab slower); null without PyTorch. */
  ratio: number | null
  /** Issue 7's bound on ratio for this row (1.0 inference, 3.0 training), null for the tfjs inference fallback. */
  target: number | null
  meetsTarget: boolean | null
  /** Achieved GFLOP/s of TileLab's row (conv FLOPs from unetFlops). */
  gflops: number
  pytorchGflops: number | null
  /** Training rows: images per second, TileLab and PyTorch. */
  imagesPerSecond?: number
  pytorchImagesPerSecond?: number | null
  /** inference.tiled rows: tiled ms/slice over full ms/slice of the same engine. */
  tiledOverFull?: number | null
  threads?: number
  peakRssMb?: number
  pytorchPeakRssMb?: number | null
  samplesMs: number[]
  pytorchSamplesMs: number[] | null
  load1?: number
}

export interface TiledOverFull {
  engine: string
  base: number
  device: 'cpu' | 'gpu'
  /** inference.tiled / inference.full, ms per slice. */
  tiledOverFull: number | null
  /** study.tiled / study.full. */
  studyTiledOverFull: number | null
  flopRatio: number
  /** |tiledOverFull / flopRatio − 1| ≤ 0.10 (issue 7). */
  withinTenPercent: boolean | null
}

/** Tiles of the paper's layout on a 240×240 slice: 128-pixel tiles at stride 64 → origins 0, 64, 112 per axis. */
export const PAPER_TILES_PER_SLICE = 9

/**
 * FLOP ratio of tiled over full-image inference for the paper's layout: 9 · flops(128²) / flops(240²). The U-Net is
 * fully convolutional, so this is 9·128²/240² = 2.56 whatever the base width.
 */
export function tiledFlopRatio(base = 32): number {
  return (PAPER_TILES_PER_SLICE * unetFlops({ baseFilters: base }, 128, 128)) / unetFlops({ baseFilters: base }, 240, 240)
}

/**
 * Conv GFLOP of the work one row's `ms` covers, for TileLab's own measurements (from unetFlops):
 * full = one 240² slice; tile batch and tiled = 9 tiles of 128²; study = slices × that; training step = 3 forward
 * passes (forward, gradient w.r.t. activations, gradient w.r.t. weights) × batch at 128².
 */
export function rowGflop(name: RowName, base: number, opts: { slices?: number; batch?: number } = {}): number {
  const cfg = { baseFilters: base }
  const full = unetFlops(cfg, 240, 240) / 1e9
  const tiles = (PAPER_TILES_PER_SLICE * unetFlops(cfg, 128, 128)) / 1e9
  switch (name) {
    case 'inference.full':
      return full
    case 'inference.tileBatch':
    case 'inference.tiled':
      return tiles
    case 'study.full':
      return full * (opts.slices ?? 155)
    case 'study.tiled':
      return tiles * (opts.slices ?? 155)
    case 'train.step':
      return 3 * (opts.batch ?? 8) * (unetFlops(cfg, 128, 128) / 1e9)
  }
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/**
 * Merges the measurements of repeated rounds (`--repeat N`): one per (name, base, engine), ms = median of the
 * rounds' medians, all samples kept, the largest peak RSS and load.
 */
export function mergeRounds(ms: readonly Measurement[]): Measurement[] {
  const groups = new Map<string, Measurement[]>()
  for (const m of ms) {
    const key = `${m.name}|${m.base}|${m.engine}`
    groups.set(key, [...(groups.get(key) ?? []), m])
  }
  return [...groups.values()].map((g) => ({
    ...g[0],
    ms: median(g.map((m) => m.ms)),
    samplesMs: g.flatMap((m) => m.samplesMs),
    peakRssMb: maxOf(g.map((m) => m.peakRssMb)),
    load1: maxOf(g.map((m) => m.load1)),
  }))
}

/**
 * Builds the bench rows: each TileLab measurement next to PyTorch's measurement of the same row, base and device.
 * Rows are ordered by base (widest first), then ROW_NAMES, then engine.
 */
export function buildRows(tilelab: readonly Measurement[], pytorch: readonly Measurement[]): BenchRow[] {
  const torchOf = (m: Measurement) => pytorch.find((p) => p.name === m.name && p.base === m.base && p.device === m.device) ?? null
  const rows = tilelab.map((m): BenchRow => {
    const p = torchOf(m)
    const role = m.name === 'train.step' ? 'training' : m.engine.startsWith('onnxruntime') ? 'inference' : 'fallback'
    const target = role === 'training' ? 3 : role === 'inference' ? 1 : null
    const ratio = p ? round(m.ms / p.ms, 3) : null
    const row: BenchRow = {
      name: m.name,
      base: m.base,
      engine: m.engine,
      device: m.device,
      unit: ROW_UNITS[m.name],
      role,
      tilelabMs: round(m.ms, 1),
      pytorchMs: p ? round(p.ms, 1) : null,
      ratio,
      target,
      meetsTarget: target === null || ratio === null ? null : ratio <= target,
      gflops: round(m.gflop / (m.ms / 1000), 1),
      pytorchGflops: p ? round(p.gflop / (p.ms / 1000), 1) : null,
      threads: m.threads,
      peakRssMb: m.peakRssMb,
      pytorchPeakRssMb: p?.peakRssMb ?? null,
      samplesMs: m.samplesMs.map((s) => round(s, 1)),
      pytorchSamplesMs: p ? p.samplesMs.map((s) => round(s, 1)) : null,
      load1: m.load1,
    }
    if (m.name === 'train.step') {
      row.imagesPerSecond = round((m.batch ?? 8) / (m.ms / 1000), 2)
      row.pytorchImagesPerSecond = p ? round((p.batch ?? 8) / (p.ms / 1000), 2) : null
    }
    if (m.name === 'inference.tiled') {
      const full = tilelab.find((f) => f.name === 'inference.full' && f.base === m.base && f.engine === m.engine)
      row.tiledOverFull = full ? round(m.ms / full.ms, 3) : null
    }
    return row
  })
  const order = (r: BenchRow) => ROW_NAMES.indexOf(r.name)
  return rows.sort((a, b) => b.base - a.base || a.device.localeCompare(b.device) || order(a) - order(b) || a.engine.localeCompare(b.engine))
}

/** Tiled/full per engine and base (TileLab's and PyTorch's), next to the FLOP ratio. */
export function tiledOverFullRows(all: readonly Measurement[]): TiledOverFull[] {
  const keys = [...new Set(all.map((m) => `${m.engine}|${m.base}`))]
  const out: TiledOverFull[] = []
  for (const key of keys) {
    const [engine, baseText] = key.split('|')
    const base = Number(baseText)
    const get = (name: RowName) => all.find((m) => m.engine === engine && m.base === base && m.name === name)
    const [full, tiled, studyFull, studyTiled] = [get('inference.full'), get('inference.tiled'), get('study.full'), get('study.tiled')]
    if (!(full && tiled) && !(studyFull && studyTiled)) continue
    const flopRatio = round(tiledFlopRatio(base), 3)
    const ratio = full && tiled ? round(tiled.ms / full.ms, 3) : null
    out.push({
      engine,
      base,
      device: (full ?? studyFull)!.device,
      tiledOverFull: ratio,
      studyTiledOverFull: studyFull && studyTiled ? round(studyTiled.ms / studyFull.ms, 3) : null,
      flopRatio,
      withinTenPercent: ratio === null ? null : Math.abs(ratio / flopRatio - 1) <= 0.1,
    })
  }
  return out
}

/**
 * The human table: one aligned line per row (TileLab vs PyTorch, ratio against its target, GFLOP/s, RSS), then
 * tiled/full against the FLOP ratio.
 */
export function formatTable(rows: readonly BenchRow[], tiled: readonly TiledOverFull[]): string {
  const head = ['row', 'base', 'engine', 'unit', 'TileLab', 'PyTorch', 'ratio', 'target', 'GFLOP/s TL', 'GFLOP/s PT', 'RSS MB TL/PT', 'note']
  const fmt = (x: number | null | undefined, d = 1) => (x === null || x === undefined ? '-' : x.toFixed(d))
  const body = rows.map((r) => [
    r.name,
    String(r.base),
    r.engine,
    r.unit,
    fmt(r.tilelabMs),
    fmt(r.pytorchMs),
    r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`,
    r.target === null ? '(fallback)' : `<=${r.target.toFixed(1)}x ${r.meetsTarget === null ? '?' : r.meetsTarget ? 'ok' : 'MISS'}`,
    fmt(r.gflops),
    fmt(r.pytorchGflops),
    `${fmt(r.peakRssMb, 0)}/${fmt(r.pytorchPeakRssMb, 0)}`,
    r.name === 'train.step'
      ? `${fmt(r.imagesPerSecond)} vs ${fmt(r.pytorchImagesPerSecond)} img/s`
      : r.tiledOverFull != null
        ? `tiled/full ${r.tiledOverFull.toFixed(2)}`
        : '',
  ])
  const numeric = new Set([1, 4, 5, 6, 8, 9, 10])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)))
  const line = (cells: string[]) => cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd()
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)]
  if (tiled.length) {
    out.push('', 'tiled/full (ms per slice; study in brackets) vs FLOP ratio:')
    for (const t of tiled)
      out.push(
        `  ${t.engine.padEnd(18)} base ${String(t.base).padStart(2)}  ${fmt(t.tiledOverFull, 2)} [${fmt(t.studyTiledOverFull, 2)}]  FLOP ratio ${t.flopRatio.toFixed(2)}  ${t.withinTenPercent === null ? '' : t.withinTenPercent ? 'within 10%' : 'OFF by more than 10%'}`,
      )
  }
  return out.join('\n')
}

function round(x: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

function maxOf(xs: readonly (number | undefined)[]): number | undefined {
  const vals = xs.filter((x): x is number => typeof x === 'number')
  return vals.length ? Math.max(...vals) : undefined
}
