/** Number formatting of the readouts (fixed decimals, tabular figures in CSS). */

/** Dice with 3 decimals; '—' for null/undefined (binary Dice of two empty masks is undefined). */
export function fmtDice(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(3)
}

/** Signed difference with 3 decimals. */
export function fmtDelta(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—'
  const s = x.toFixed(3)
  return x > 0 ? `+${s}` : s === '-0.000' ? '0.000' : s
}

export function fmtInt(x: number | null | undefined): string {
  return x === null || x === undefined ? '—' : Math.round(x).toLocaleString('en-US')
}

/** A value with up to 4 significant digits (intensities, mm). */
export function fmtValue(x: number): string {
  if (!Number.isFinite(x)) return '—'
  const a = Math.abs(x)
  return a >= 1000 ? x.toFixed(0) : a >= 100 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : x.toFixed(3)
}

export function fmtMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return ''
  const s = Math.round(ms / 1000)
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`
}
