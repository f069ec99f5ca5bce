/**
 * report.html of `tilelab evaluate`: one self-contained page (inline CSS, inline SVG charts, base64 PNGs, no
 * script, no network) that answers "how much does tiling cost on this cohort?" the way the paper reports it:
 * headline numbers, the paper's table with the paper's values beside ours, the Fig. 6 histogram, a scatter of
 * whole vs tiled Dice, pictures of the worst slices for tiling (Figs. 4, 8-10), and a per-study table.
 *
 * @source Reina & Panchumarthy 2018 (Fig. 6, Figs. 8-10, §4 numbers); paper-spec §5-§6 (what the code computed).
 */
import { CONFIDENCE_COLORMAP, DIFFERENCE_COLORMAP, cssGradient } from '../../common/colormaps'
import { diceScatterSpec, differenceHistogramSpec } from '../../common/charts/evaluationCharts'
import { PANEL_TITLES } from '../render/slicePanels'
import { PAPER_NUMBERS } from '../../common/paperNumbers'
import { vegaLiteToSvg } from '../render/vegaSvg'
import type { SliceRecord } from './sliceTable'
import type { EvaluationSummary, StudySummary } from './summary'

/** A worst-slice picture ready to embed. */
export interface ReportPanel {
  record: SliceRecord
  /** PNG bytes of the five-panel picture (slicePanels.ts). */
  png: Uint8Array
  width: number
  height: number
}

export interface ReportInput {
  summary: EvaluationSummary
  records: readonly SliceRecord[]
  panels: readonly ReportPanel[]
  /** Shown in the footer, e.g. an ISO date; omitted when absent. */
  generatedAt?: string
}

/** The paper's numbers (moved to common/paperNumbers.ts so the app's results view shares them). */
export { PAPER_NUMBERS }

/** Builds the page. */
export async function buildReportHtml(input: ReportInput): Promise<string> {
  const { summary: s, records } = input
  const differences = records.map((r) => r.difference)
  const [histogram, tails, scatter] = records.length
    ? await Promise.all([
        vegaLiteToSvg(differenceHistogramSpec(differences, { width: 1100, height: 280 })),
        vegaLiteToSvg(differenceHistogramSpec(differences, { width: 1100, height: 150, yScale: 'sqrt' })),
        vegaLiteToSvg(diceScatterSpec(records)),
      ])
    : ['<p class="muted">No slices were evaluated.</p>', '', '']
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TileLab evaluation — ${esc(s.model.name)} on ${esc(baseName(s.data))}</title>
<style>${CSS}</style></head>
<body><main>
${header(s)}
${headline(s)}
<section><h2>Distribution of the per-slice difference <span class="muted">(paper Fig. 6)</span></h2>
<figure class="chart">${histogram}</figure>
<p class="note">${records.length.toLocaleString('en-US')} slices in 200 bins. Right of the dashed line the whole image
wins, left of it tiling does; the spike at 0 holds slices where both predictions score alike (often tumour-free slices
without false positives).</p>
${tails ? `<h3>The same histogram with square-root counts, to show the tails</h3><figure class="chart">${tails}</figure>` : ''}
</section>
<section class="grid2">
  <div><h2>The paper's comparison</h2>${paperTable(s)}</div>
  <div><h2>Whole image vs tiled, slice by slice</h2><figure class="chart">${scatter}</figure>
  <p class="note">Each dot is one axial slice. Above the diagonal the whole-image prediction scores higher.</p></div>
</section>
${panelsSection(input.panels, s)}
<section><h2>Per study</h2>${studyTable(s.perStudy)}</section>
<section class="grid2">
  <div><h2>Binary Dice at 0.5</h2>${binaryTable(s)}</div>
  <div><h2>Failed and skipped studies</h2>${problems(s)}</div>
</section>
${methods(s, input.generatedAt)}
</main></body></html>
`
}

function header(s: EvaluationSummary): string {
  const tiles = s.tilesPerSlice === null ? '' : ` · ${fmtNum(s.tilesPerSlice, 1)} tiles per slice`
  return `<header><p class="kicker">TileLab · does tiled inference hurt this model?</p>
<h1>${esc(s.model.name)} <span class="muted">on</span> ${esc(baseName(s.data))}</h1>
<p class="meta">${s.studies} studies · ${s.slices.toLocaleString('en-US')} axial slices (${s.sliceSelection === 'all' ? 'all slices, as the paper' : 'tumour slices only'})
· tiles ${s.tile} px, overlap ${fmtNum(s.overlap * 100, 0)}%, ${s.blend} blend${tiles} · engine ${esc(s.backend)}
· ${fmtNum(s.seconds, 1)} s of compute${s.shard ? ` · shard ${s.shard.index}/${s.shard.count}` : ''}</p></header>`
}

function headline(s: EvaluationSummary): string {
  const ci = s.differenceCI95 ? `95% CI ${fmt3(s.differenceCI95[0])} to ${fmt3(s.differenceCI95[1])}` : 'no interval'
  const verdict = verdictText(s)
  const card = (label: string, value: string, sub: string, cls = ''): string =>
    `<div class="card ${cls}"><div class="label">${label}</div><div class="value">${value}</div><div class="sub">${sub}</div></div>`
  return `<section><p class="verdict">${verdict}</p><div class="cards">
${card('Mean soft Dice, whole image', fmt3(s.meanDiceFull), 'paper 0.874', 'whole')}
${card('Mean soft Dice, tiled', fmt3(s.meanDiceTiled), 'paper 0.829', 'tiled')}
${card('Mean difference', signed3(s.meanDifference), ci)}
${card('Slices where the whole image wins', pct(s.fractionFullBetter), `${s.counts.fullBetter.toLocaleString('en-US')} of ${s.slices.toLocaleString('en-US')} · paper 86.99%`)}
${card('Wilcoxon signed-rank p', fmtP(s.wilcoxonP), s.wilcoxon ? `${s.wilcoxon.n.toLocaleString('en-US')} non-zero differences; z = ${fmtNum(s.wilcoxon.z, 2)}, ranks favour ${s.wilcoxon.z >= 0 ? 'the whole image' : 'tiling'}` : 'undefined')}
</div></section>`
}

/** One sentence: which prediction wins on average, whether the interval excludes 0, and whether it matters. */
export function verdictText(s: EvaluationSummary): string {
  const d = s.meanDifference
  const ci = s.differenceCI95
  if (d === null || !ci) return 'No slices were evaluated.'
  const size = signed3(d)
  if (ci[0] <= 0 && ci[1] >= 0) return `No clear average difference between whole-image and tiled prediction on this cohort (mean ${size}).`
  if (Math.abs(d) < 0.005)
    return `Whole-image and tiled predictions differ consistently but negligibly on this cohort (mean difference ${size} Dice).`
  return d > 0
    ? `Tiling costs Dice on this cohort: the whole image scores ${size} higher on average.`
    : `Tiling helps on this cohort: tiled prediction scores ${signed3(-d)} higher on average.`
}

function paperTable(s: EvaluationSummary): string {
  const P = PAPER_NUMBERS
  const rows: [string, string, string, string?][] = [
    ['Slices (studies)', `${s.slices.toLocaleString('en-US')} (${s.studies})`, `8,215 (53)`],
    ['Mean soft Dice, whole image', fmt3(s.meanDiceFull), fmt3(P.meanDiceFull)],
    ['Mean soft Dice, tiled', fmt3(s.meanDiceTiled), fmt3(P.meanDiceTiled)],
    ['Mean soft Dice, tiled thresholded', fmt3(s.meanDiceTiledThresholded), fmt3(P.meanDiceTiledThresholded), 'tiled probabilities below 0.5 set to 0, the rest kept soft'],
    ['Mean difference whole − tiled', signed3(s.meanDifference), '+0.045', s.differenceCI95 ? `95% CI ${fmt3(s.differenceCI95[0])} to ${fmt3(s.differenceCI95[1])} (slices); ${s.differenceCI95ByStudy ? `${fmt3(s.differenceCI95ByStudy[0])} to ${fmt3(s.differenceCI95ByStudy[1])} (studies)` : ''}` : undefined],
    ['Whole image strictly better', pct(s.fractionFullBetter), '86.99%', 'the code counts full − tiled > 0 (7,146 of 8,215)'],
    ['Whole image better or equal', pct(s.fractionFullBetterOrEqual), '87%*', 'paper text says "better or equal"; its code counts strictly better'],
    ['Whole image better by > 0.1', pct(s.fractionFullBetterBy0_1), '7.5%*', 'stated in the paper, not computed in its code'],
    ['Tiling better by > 0.1', pct(s.fractionTiledBetterBy0_1), '0.767%', 'the code: 63 of 8,215 (the paper text rounds to 0.7%)'],
    ['Wilcoxon signed-rank p', fmtP(s.wilcoxonP), '—', 'not reported in the paper'],
    ['Tiles', `${s.tile} px, ${fmtNum(s.overlap * 100, 0)}% overlap, ${s.blend}`, '128 px, 50%, mean', undefined],
  ]
  return `<table class="paper"><thead><tr><th></th><th>This run</th><th>Paper</th></tr></thead><tbody>
${rows.map(([k, a, b, note]) => `<tr><th>${k}${note ? `<div class="hint">${esc(note)}</div>` : ''}</th><td class="num">${a}</td><td class="num paperv">${b}</td></tr>`).join('\n')}
</tbody></table><p class="note">Paper: Reina &amp; Panchumarthy, BrainLes 2018, 240×240 BraTS 2018 FLAIR test slices;
values from the authors' notebook. * from the paper's text.</p>`
}

function panelsSection(panels: readonly ReportPanel[], s: EvaluationSummary): string {
  if (panels.length === 0) return ''
  const legend = `<div class="legends">
<div><span class="swatch gt"></span>ground truth outline</div>
<div class="bar"><span>p 0</span><i style="background:${cssGradient(CONFIDENCE_COLORMAP)}"></i><span>1</span> prediction (transparent below 0.05)</div>
<div class="bar"><span>tiled higher −1</span><i style="background:${cssGradient(DIFFERENCE_COLORMAP)}"></i><span>+1 whole higher</span> probability difference</div>
<div><span class="swatch grid"></span>tile borders (${s.tile} px)</div></div>`
  const items = panels
    .map((p) => {
      const r = p.record
      const titles = PANEL_TITLES.map((t) => `<span>${t}</span>`).join('')
      return `<figure class="panel"><div class="titles">${titles}</div>
<img alt="${esc(r.study)} slice ${r.slice}" width="${p.width}" height="${p.height}" src="data:image/png;base64,${Buffer.from(p.png).toString('base64')}">
<figcaption><b>${esc(r.study)}</b> · axial slice ${r.slice} · soft Dice whole <b class="w">${fmt3(r.diceFull)}</b> vs tiled
<b class="t">${fmt3(r.diceTiled)}</b> (difference ${signed3(r.difference)}) · ${r.tumorPixels.toLocaleString('en-US')} tumour pixels ·
false positives ${r.falsePositivesFull} whole / ${r.falsePositivesTiled} tiled</figcaption></figure>`
    })
    .join('\n')
  return `<section><h2>Where tiling hurts most <span class="muted">(paper Figs. 8-10)</span></h2>
<p class="note">The ${panels.length} slices with the largest whole − tiled difference (at most one per study while others are
left), cropped to the head, in radiological orientation (the patient's right on the left of the screen).</p>${legend}${items}</section>`
}

function studyTable(rows: readonly StudySummary[]): string {
  if (rows.length === 0) return '<p class="muted">No studies evaluated.</p>'
  const body = rows
    .map(
      (r) => `<tr><th>${esc(r.study)}</th><td class="num">${r.slices}</td><td class="num">${r.tumorSlices}</td>
<td class="num">${fmt3(r.meanDiceFull)}</td><td class="num">${fmt3(r.meanDiceTiled)}</td><td class="num">${fmt3(r.meanDiceTiledThresholded)}</td>
<td class="num diff" style="background:${diffColor(r.meanDifference)}">${signed3(r.meanDifference)}</td><td class="num">${pct(r.fractionFullBetter)}</td>
<td class="num">${fmt3(r.binaryMeanDiceFull)}</td><td class="num">${fmt3(r.binaryMeanDiceTiled)}</td><td class="num muted">${fmtNum(r.seconds, 1)}</td></tr>`,
    )
    .join('\n')
  return `<table class="studies"><thead><tr><th>Study</th><th>Slices</th><th>Tumour slices</th><th>Soft Dice whole</th><th>tiled</th>
<th>tiled thr.</th><th>Difference</th><th>Whole better</th><th>Binary whole</th><th>Binary tiled</th><th>Seconds</th></tr></thead>
<tbody>${body}</tbody></table>`
}

function binaryTable(s: EvaluationSummary): string {
  const b = s.binary
  const t = s.tumorSlices
  return `<table class="paper"><tbody>
<tr><th>Mean binary Dice, whole image</th><td class="num">${fmt3(b.meanDiceFull)}</td></tr>
<tr><th>Mean binary Dice, tiled</th><td class="num">${fmt3(b.meanDiceTiled)}</td></tr>
<tr><th>Mean difference (slices where both are defined)</th><td class="num">${signed3(b.meanDifference)}</td></tr>
<tr><th>Slices left out (ground truth and prediction empty)<div class="hint">whole ${b.excludedEmptyFull}, tiled ${b.excludedEmptyTiled}, either ${b.excludedEmpty}</div></th><td class="num">${b.excludedEmpty}</td></tr>
<tr><th>Soft Dice on tumour slices only (${t.slices})</th><td class="num">${fmt3(t.meanDiceFull)} vs ${fmt3(t.meanDiceTiled)}</td></tr>
</tbody></table>`
}

function problems(s: EvaluationSummary): string {
  if (s.failed.length === 0 && s.skipped.length === 0) return '<p class="muted">None: every study was evaluated.</p>'
  const li = [
    ...s.failed.map((f) => `<li><b>${esc(f.study)}</b> failed to load: <code>${esc(f.error)}</code></li>`),
    ...s.skipped.map((f) => `<li><b>${esc(f.study)}</b> skipped: ${esc(f.reason)}</li>`),
  ]
  return `<ul class="problems">${li.join('\n')}</ul>`
}

function methods(s: EvaluationSummary, generatedAt?: string): string {
  return `<section class="methods"><h2>How these numbers were made</h2><ul>
<li>Per axial slice, the paper's soft Dice (2Σyp + 1)/(Σy + Σp + 1) on probabilities, for the whole-image prediction and for
${s.tile}×${s.tile} tiles at ${fmtNum(s.overlap * 100, 0)}% overlap blended by ${s.blend === 'mean' ? 'the mean of overlapping probabilities (the paper)' : 'Gaussian weights'}.
FLAIR z-scored per ${s.normalization === 'slice' ? 'slice' : 'volume'}.</li>
<li>Means are over ${s.sliceSelection === 'all' ? 'all slices, tumour-free ones included (as the paper)' : 'slices with ground-truth tumour'};
a tumour-free slice scores 1/(Σp + 1).</li>
<li>Confidence intervals: percentile bootstrap of the mean difference, ${s.bootstrap.resamples} resamples, seed ${s.bootstrap.seed}
(slices, and whole studies). Wilcoxon: two-sided signed-rank test of the per-slice differences, zeros dropped, normal
approximation with continuity correction (@stdlib/stats-wilcoxon). Slices of a patient are not independent: read p with the per-study table.</li>
<li>Every number here is recomputable from <code>slices.csv</code>; <code>summary.json</code> holds them with stable keys.</li>
<li>Model <code>${esc(s.model.name)}</code>${s.model.dir ? ` from <code>${esc(s.model.dir)}</code>` : ''}${s.model.fingerprint ? ` (sha256 ${esc(s.model.fingerprint.slice(0, 12))}…)` : ''};
cohort <code>${esc(s.data)}</code>.${generatedAt ? ` Generated ${esc(generatedAt)}.` : ''}</li>
</ul></section>`
}

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string)
const fmt3 = (x: number | null): string => (x === null ? '—' : small(x) ? x.toExponential(1) : x.toFixed(3))
const signed3 = (x: number | null): string =>
  x === null ? '—' : `${x > 0 ? '+' : x < 0 ? '−' : ''}${small(x) ? Math.abs(x).toExponential(1) : Math.abs(x).toFixed(3)}`
/** Non-zero but below what three decimals show. */
const small = (x: number): boolean => x !== 0 && Math.abs(x) < 0.0005
const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(2)}%`)
const fmtNum = (x: number, digits: number): string => x.toFixed(digits)
const baseName = (p: string): string => p.split(/[\\/]/).filter(Boolean).pop() ?? p

function fmtP(p: number | null): string {
  if (p === null) return '—'
  if (p === 0) return '&lt; 1e-16'
  if (p < 1e-3) return p.toExponential(1).replace('e-', '×10<sup>−') + '</sup>'
  return p.toFixed(3)
}

/** Cell tint for a mean difference: warm when the whole image wins, cool when tiling does. */
function diffColor(d: number | null): string {
  if (d === null || d === 0) return 'transparent'
  const a = Math.min(1, Math.abs(d) / 0.15) * 0.45
  return d > 0 ? `rgba(194,65,12,${a.toFixed(3)})` : `rgba(29,78,216,${a.toFixed(3)})`
}

const CSS = `
:root{--ink:#111827;--muted:#6b7280;--line:#e5e7eb;--whole:#c2410c;--tiled:#1d4ed8;--bg:#f8fafc}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1240px;margin:0 auto;padding:28px 32px 48px}
header h1{font-size:26px;margin:2px 0 6px}.kicker{margin:0;color:var(--muted);text-transform:uppercase;letter-spacing:.06em;font-size:12px}
.meta{color:#374151;margin:0}.muted{color:var(--muted);font-weight:400}
section{background:#fff;border:1px solid var(--line);border-radius:10px;padding:18px 22px;margin:18px 0}
section.grid2{display:grid;grid-template-columns:minmax(0,1.1fr) minmax(0,1fr);gap:28px;background:none;border:0;padding:0}
section.grid2>div{background:#fff;border:1px solid var(--line);border-radius:10px;padding:18px 22px}
h2{font-size:16px;margin:0 0 12px}h3{font-size:13px;font-weight:600;color:#374151;margin:16px 0 4px}.verdict{font-size:17px;font-weight:600;margin:0 0 14px}
.cards{display:grid;grid-template-columns:repeat(5,minmax(0,1fr));gap:12px}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 12px}.card .label{color:var(--muted);font-size:12px}
.card .value{font-size:26px;font-weight:650;font-variant-numeric:tabular-nums}.card .sub{color:var(--muted);font-size:12px}
.card.whole .value{color:var(--whole)}.card.tiled .value{color:var(--tiled)}
table{border-collapse:collapse;width:100%}th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{font-size:12px;color:var(--muted);font-weight:600;border-bottom:2px solid var(--line)}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap;width:1%}td.paperv{color:#4b5563}
table.paper th{font-weight:500}table.paper tbody th{width:58%}.hint{color:var(--muted);font-size:11.5px;font-weight:400}
table.studies th{font-weight:500;white-space:nowrap}table.studies td.diff{font-weight:600}
.note{color:#4b5563;font-size:12.5px;margin:8px 0 0}figure{margin:0}figure.chart svg{max-width:100%;height:auto}
.panel{margin:14px 0 22px}.panel img{display:block;width:100%;height:auto;image-rendering:pixelated;border-radius:4px}
.panel .titles{display:grid;grid-template-columns:repeat(5,1fr);gap:4px;font-size:12px;font-weight:600;color:#374151;margin-bottom:4px}
.panel figcaption{font-size:13px;margin-top:6px}.panel b.w{color:var(--whole)}.panel b.t{color:var(--tiled)}
.legends{display:flex;flex-wrap:wrap;gap:18px;align-items:center;font-size:12px;color:#374151;margin:10px 0 4px}
.legends .bar{display:flex;align-items:center;gap:6px}.legends .bar i{display:inline-block;width:140px;height:10px;border-radius:2px}
.swatch{display:inline-block;width:18px;height:10px;margin-right:6px;vertical-align:middle;border-radius:2px}
.swatch.gt{border:2px solid rgb(64,255,96);background:#111}.swatch.grid{border:2px dashed #bbb;background:#111}
ul.problems{margin:0;padding-left:18px}code{font-size:12px;background:#f3f4f6;padding:1px 4px;border-radius:3px}
.methods ul{margin:0;padding-left:18px;color:#374151}.methods li{margin:4px 0}
@media (max-width:900px){section.grid2{grid-template-columns:1fr}.cards{grid-template-columns:repeat(2,1fr)}}
`
