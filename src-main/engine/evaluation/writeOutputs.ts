/**
 * Turns a finished run folder (run.json + one part per study, runFolder.ts) into slices.csv, summary.json and
 * report.html. Used at the end of `tilelab evaluate`, after `--resume`, and by `tilelab merge`; the three outputs
 * depend only on the settings and the parts, so a resumed run, a merged set of shards and one uninterrupted run
 * write the same slices.csv byte for byte and the same summary numbers (only seconds differ).
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { EngineError } from '../../common/errors'
import { writeFileAtomic, writeJsonAtomic } from '../io/atomicWrite'
import { compareWorst } from './evaluateStudy'
import { buildReportHtml, type ReportPanel } from './reportHtml'
import { PANELS_DIR, readManifest, readPart, type PanelInfo, type RunManifest, type StudyPart } from './runFolder'
import { compareRecords, formatSliceCsv, type SliceRecord } from './sliceTable'
import { summarize, type EvaluationSummary } from './summary'

export const SLICES_CSV = 'slices.csv'
export const SUMMARY_JSON = 'summary.json'
export const REPORT_HTML = 'report.html'

/** Studies of a run whose part is not on disk yet. */
export async function missingStudies(out: string, manifest: RunManifest): Promise<string[]> {
  const missing: string[] = []
  for (const study of manifest.studies) if (!(await readPart(out, study))) missing.push(study)
  return missing
}

/**
 * Writes slices.csv, summary.json and report.html of a complete run folder.
 *
 * @param out    The run folder.
 * @param options `report: false` skips report.html; `generatedAt` is printed in the report's footer.
 * @returns The summary written.
 * @throws EngineError E_IO when run.json is missing, a part is corrupt, or studies are not finished yet (named,
 *   with the hint to resume).
 */
export async function writeEvaluationOutputs(
  out: string,
  options: { report?: boolean; generatedAt?: string } = {},
): Promise<EvaluationSummary> {
  const manifest = await readManifest(out)
  if (!manifest) throw new EngineError('E_IO', `${out}: no run.json; not a tilelab evaluate folder`)
  const parts: StudyPart[] = []
  const missing: string[] = []
  for (const study of manifest.studies) {
    const part = await readPart(out, study)
    if (part) parts.push(part)
    else missing.push(study)
  }
  if (missing.length > 0)
    throw new EngineError(
      'E_IO',
      `${out}: ${missing.length} of ${manifest.studies.length} studies not evaluated yet (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}); run again with --resume`,
    )
  const records: SliceRecord[] = []
  const studySeconds: Record<string, number> = {}
  for (const p of parts) {
    studySeconds[p.study] = p.seconds
    if (p.status === 'ok') records.push(...p.records)
  }
  records.sort(compareRecords)
  const st = manifest.settings
  const summary = summarize(records, {
    data: st.data,
    model: st.model,
    backend: st.engine,
    tile: st.tile,
    overlap: st.overlap,
    blend: st.blend,
    sliceSelection: st.slices,
    normalization: st.normalization,
    shard: st.shard,
    bootstrapSeed: st.bootstrapSeed,
    bootstrapResamples: st.bootstrapResamples,
    failed: parts.flatMap((p) => (p.status === 'failed' ? [{ study: p.study, error: p.error }] : [])),
    skipped: parts.flatMap((p) => (p.status === 'skipped' ? [{ study: p.study, reason: p.reason }] : [])),
    studySeconds,
  })
  await writeFileAtomic(join(out, SLICES_CSV), formatSliceCsv(records))
  await writeJsonAtomic(join(out, SUMMARY_JSON), summary)
  if (options.report !== false) {
    const panels = await worstPanels(out, records, parts, st.panels)
    const html = await buildReportHtml({ summary, records, panels, generatedAt: options.generatedAt })
    await writeFileAtomic(join(out, REPORT_HTML), html)
  }
  return summary
}

/**
 * The `count` worst slices for tiling among those pictured in panels/: worst first, at most one per study while
 * other studies have pictured slices left, then the next worst of any study. Depends only on the parts.
 */
export function pickReportSlices(records: readonly SliceRecord[], pictured: ReadonlySet<string>, count: number): SliceRecord[] {
  const candidates = records.filter((r) => pictured.has(`${r.study}\u0000${r.slice}`)).sort(compareWorst)
  const chosen: SliceRecord[] = []
  const studies = new Set<string>()
  for (const r of candidates)
    if (chosen.length < count && !studies.has(r.study)) {
      chosen.push(r)
      studies.add(r.study)
    }
  for (const r of candidates) if (chosen.length < count && !chosen.includes(r)) chosen.push(r)
  return chosen.sort(compareWorst)
}

async function worstPanels(out: string, records: SliceRecord[], parts: StudyPart[], count: number): Promise<ReportPanel[]> {
  const pictured = new Map<string, PanelInfo>()
  for (const p of parts) if (p.status === 'ok') for (const info of p.panels) pictured.set(`${p.study}\u0000${info.slice}`, info)
  const panels: ReportPanel[] = []
  for (const record of pickReportSlices(records, new Set(pictured.keys()), count)) {
    const info = pictured.get(`${record.study}\u0000${record.slice}`) as PanelInfo
    const png = await readFile(join(out, PANELS_DIR, info.file)).catch(() => null)
    if (png) panels.push({ record, png: new Uint8Array(png), width: info.width, height: info.height })
  }
  return panels
}
