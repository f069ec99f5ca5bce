/**
 * Files of `tilelab sweep`: sweep.csv (one row per setting, whole image first), sweep.json (the rows with the
 * run's provenance) and sweep.html (self-contained: Dice against model FLOPs and against measured time, and the
 * table). Written atomically.
 */
import { join } from 'node:path'
import { stringify } from 'csv-stringify/sync'
import { sweepCostSpec } from '../../common/charts/sweepCharts'
import { writeFileAtomic, writeJsonAtomic } from '../io/atomicWrite'
import { unetFlopsPerPixel } from '../model/unetFlops'
import { vegaLiteToSvg } from '../render/vegaSvg'
import type { SweepResult, SweepRow } from './runSweep'

export const SWEEP_COLUMNS = [
  'tile',
  'overlap',
  'stride',
  'effectiveOverlap',
  'slices',
  'meanDice',
  'meanDiceThresholded',
  'meanDifference',
  'fractionFullBetter',
  'forwardPassesPerSlice',
  'relativeFlops',
  'gflopsPerSlice',
  'seconds',
  'msPerSlice',
] as const satisfies readonly (keyof SweepRow)[]

/** sweep.csv text: header + rows; null → empty cell (the whole-image row has no tile/overlap). */
export function formatSweepCsv(rows: readonly SweepRow[]): string {
  return stringify(
    rows.map((r) => SWEEP_COLUMNS.map((c) => r[c])),
    { header: true, columns: [...SWEEP_COLUMNS], record_delimiter: '\n', cast: { number: (v) => String(v) } },
  )
}

/** Writes sweep.csv, sweep.json and (unless `html` is false) sweep.html into `out`. */
export async function writeSweepOutputs(out: string, result: SweepResult, options: { html?: boolean; generatedAt?: string } = {}): Promise<void> {
  await writeFileAtomic(join(out, 'sweep.csv'), formatSweepCsv(result.rows))
  await writeJsonAtomic(join(out, 'sweep.json'), {
    ...result,
    flops: {
      formula: 'conv FLOPs = 2·k²·C_in·C_out·H·W per layer (multiply + add), proportional to the padded input area',
      flopsPerPixel: result.architecture ? unetFlopsPerPixel(result.architecture) : null,
    },
  })
  if (options.html !== false) await writeFileAtomic(join(out, 'sweep.html'), await sweepHtml(result, options.generatedAt))
}

async function sweepHtml(r: SweepResult, generatedAt?: string): Promise<string> {
  const [byFlops, byTime] = await Promise.all([vegaLiteToSvg(sweepCostSpec(r.rows, 'relativeFlops')), vegaLiteToSvg(sweepCostSpec(r.rows, 'msPerSlice'))])
  const f = (x: number | null, d: number): string => (x === null ? '—' : x.toFixed(d))
  const full = r.rows.find((x) => x.tile === null)
  const rows = r.rows
    .map(
      (x) => `<tr${x.tile === null ? ' class="full"' : ''}><th>${x.tile === null ? 'whole image' : `${x.tile} px`}</th>
<td>${x.overlap === null ? '—' : `${Math.round(x.overlap * 100)}%${x.effectiveOverlap !== null && Math.abs(x.effectiveOverlap - x.overlap) > 1e-9 ? ` <span class="muted">(${(x.effectiveOverlap * 100).toFixed(1)}%)</span>` : ''}`}</td>
<td>${x.stride ?? '—'}</td><td>${f(x.meanDice, 4)}</td><td>${x.tile === null ? '—' : f(x.meanDifference === null ? null : -x.meanDifference, 4)}</td>
<td>${f(x.meanDiceThresholded, 4)}</td><td>${x.fractionFullBetter === null || x.tile === null ? '—' : `${(x.fractionFullBetter * 100).toFixed(1)}%`}</td>
<td>${f(x.forwardPassesPerSlice, 1)}</td><td>${f(x.relativeFlops, 2)}×</td><td>${f(x.gflopsPerSlice, 2)}</td><td>${f(x.msPerSlice, 1)}</td></tr>`,
    )
    .join('\n')
  const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string)
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>TileLab sweep — ${esc(r.model.name)}</title>
<style>
body{margin:0;background:#f8fafc;color:#111827;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1240px;margin:0 auto;padding:28px 32px}h1{font-size:24px;margin:0 0 4px}h2{font-size:16px;margin:0 0 10px}
section{background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:18px 22px;margin:18px 0}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:18px}.grid2>section{margin:0}.muted{color:#6b7280}
table{border-collapse:collapse;width:100%}th,td{padding:6px 8px;border-bottom:1px solid #e5e7eb;text-align:right;font-variant-numeric:tabular-nums}
th:first-child{text-align:left}thead th{font-size:12px;color:#6b7280}tr.full{background:#fff7ed;font-weight:600}
svg{max-width:100%;height:auto}.note{color:#4b5563;font-size:12.5px}
</style></head><body><main>
<p class="muted" style="margin:0;text-transform:uppercase;letter-spacing:.06em;font-size:12px">TileLab · tile size and overlap sweep (paper Fig. 5, measured)</p>
<h1>${esc(r.model.name)} <span class="muted">on</span> ${esc(r.data.split(/[\\/]/).filter(Boolean).pop() ?? r.data)}</h1>
<p style="margin:0">${r.studies} studies · ${r.slices} axial slices (${r.sliceSelection === 'all' ? 'all' : 'tumour only'}) · ${r.blend} blend · engine ${esc(r.backend)}
${full ? ` · whole-image mean soft Dice <b>${f(full.meanDice, 4)}</b>` : ''}</p>
<div class="grid2"><section><h2>Dice against model FLOPs</h2>${byFlops}</section><section><h2>Dice against measured time</h2>${byTime}</section></div>
<section><h2>All settings</h2><table><thead><tr><th>Tile</th><th>Overlap</th><th>Stride</th><th>Mean soft Dice</th><th>vs whole</th>
<th>Thresholded</th><th>Whole better</th><th>Passes / slice</th><th>FLOPs</th><th>GFLOP / slice</th><th>ms / slice</th></tr></thead>
<tbody>${rows}</tbody></table>
<p class="note">FLOPs: the U-Net is fully convolutional, so a forward pass costs a constant number of FLOPs per input pixel
(2·k²·C<sub>in</sub>·C<sub>out</sub> per conv layer, summed over the levels${r.architecture ? `: ${(unetFlopsPerPixel(r.architecture) / 1e3).toFixed(1)} kFLOP per pixel for this model` : ''}); a slice costs that times the area of its model
inputs: the padded whole image, or tiles × P². The paper's model needs 24.46 GFLOP for a 240×240 slice and 6.96 GFLOP per 128×128 tile,
so its 9 tiles cost 2.56× the whole image. Time is wall time of inference on this machine (noisy on shared CPUs).
${r.failed.length + r.skipped.length ? ` Left out: ${[...r.failed.map((x) => `${esc(x.study)} (failed)`), ...r.skipped.map((x) => `${esc(x.study)} (${esc(x.reason)})`)].join(', ')}.` : ''}
${generatedAt ? ` Generated ${esc(generatedAt)}.` : ''}</p></section>
</main></body></html>
`
}
