/**
 * The paper-style comparison as plain text, for the terminal (`tilelab evaluate`, `tilelab merge`, `npm run demo`):
 * this run's numbers beside the paper's.
 *
 * @source Reina & Panchumarthy 2018 §4 and the authors' notebook (paper-spec §5-§6).
 */
import { PAPER_NUMBERS } from './reportHtml'
import type { EvaluationSummary } from './summary'

/**
 * @returns A fixed-width table with a title line, ending in a newline.
 */
export function formatPaperTable(s: EvaluationSummary): string {
  const small = (x: number): boolean => x !== 0 && Math.abs(x) < 0.0005
  const f3 = (x: number | null): string => (x === null ? '—' : small(x) ? x.toExponential(1) : x.toFixed(3))
  const sg = (x: number | null): string =>
    x === null ? '—' : `${x >= 0 ? '+' : '−'}${small(x) ? Math.abs(x).toExponential(1) : Math.abs(x).toFixed(3)}`
  const pc = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(2)}%`)
  const p = (x: number | null): string => (x === null ? '—' : x === 0 ? '< 1e-16' : x < 1e-3 ? x.toExponential(1) : x.toFixed(3))
  const ci = s.differenceCI95 ? `  [95% CI ${sg(s.differenceCI95[0])}, ${sg(s.differenceCI95[1])}]` : ''
  const P = PAPER_NUMBERS
  const rows: [string, string, string][] = [
    ['slices (studies)', `${s.slices} (${s.studies})`, `${P.slices} (${P.studies})`],
    ['mean soft Dice, whole image', f3(s.meanDiceFull), f3(P.meanDiceFull)],
    ['mean soft Dice, tiled', f3(s.meanDiceTiled), f3(P.meanDiceTiled)],
    ['mean soft Dice, tiled thresholded', f3(s.meanDiceTiledThresholded), f3(P.meanDiceTiledThresholded)],
    ['mean difference whole − tiled', sg(s.meanDifference) + ci, sg(P.meanDifference)],
    ['whole image strictly better', pc(s.fractionFullBetter), pc(P.fractionFullBetter)],
    ['whole image better or equal', pc(s.fractionFullBetterOrEqual), '87% (text)'],
    ['whole image better by > 0.1', pc(s.fractionFullBetterBy0_1), '7.5% (text)'],
    ['tiling better by > 0.1', pc(s.fractionTiledBetterBy0_1), '0.767%'],
    ['Wilcoxon signed-rank p', p(s.wilcoxonP), '—'],
  ]
  // Soft Dice with smooth 1 scores a tumour-free slice 1/(Σp + 1): faint probabilities there pull the means down, so
  // when tumour-free slices are included the means over slices with tumour are shown too (not in the paper).
  const t = s.tumorSlices
  if (t.slices > 0 && t.slices < s.slices)
    rows.splice(3, 0,
      [`  on the ${t.slices} slices with tumour: whole`, f3(t.meanDiceFull), '—'],
      [`  on the ${t.slices} slices with tumour: tiled`, f3(t.meanDiceTiled), '—'])
  const w0 = Math.max(...rows.map((r) => r[0].length))
  const w1 = Math.max('this run'.length, ...rows.map((r) => r[1].length))
  const line = (a: string, b: string, c: string): string => `  ${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`
  const title =
    `Whole image vs tiled (${s.tile} px tiles, ${Math.round(s.overlap * 100)}% overlap, ${s.blend} blend) — ` +
    `${s.model.name}, ${s.slices} ${s.sliceSelection === 'all' ? 'slices' : 'tumour slices'} of ${s.studies} studies`
  const problems = s.failed.length + s.skipped.length > 0 ? `\n  (${s.failed.length} failed, ${s.skipped.length} skipped: see summary.json)` : ''
  return [title, line('', 'this run', 'paper'), ...rows.map(([a, b, c]) => line(a, b, c))].join('\n') + problems + '\n'
}
