/**
 * `tilelab merge <dir>...`: joins the output folders of `tilelab evaluate --shard i/n` runs into one folder with
 * the same slices.csv (byte for byte), summary.json (same numbers; seconds are the sum) and report.html as one
 * unsharded run. The shards must come from the same settings (model fingerprint, tiling, cohort path, …), cover
 * every shard index 0 … n−1 exactly once, and be complete.
 * Unsharded folders of the same settings are accepted too as long as no study appears twice (one folder alone
 * re-makes its outputs elsewhere).
 */
import { copyFile, mkdir, readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { EngineError } from '../../common/errors'
import { writeFileAtomic } from '../io/atomicWrite'
import { PANELS_DIR, readManifest, readPart, settingsDifferences, writeManifest, writePart, type RunManifest } from './runFolder'
import { formatShard } from './shard'
import type { EvaluationSummary } from './summary'
import { missingStudies, writeEvaluationOutputs } from './writeOutputs'

export interface MergeOptions {
  /** Write report.html (default true). */
  report?: boolean
  generatedAt?: string
}

/**
 * Merges evaluation folders into `out`.
 *
 * @param dirs Shard output folders (two or more, or one to re-make its outputs elsewhere).
 * @param out  The merged folder; must not hold a run already (or be one of `dirs`).
 * @returns The merged summary.
 * @throws EngineError E_ARGS when a folder is not an evaluation, settings differ (named), shards are missing or
 *   repeated, the same study appears twice, or `out` already holds a run; E_IO when a shard is incomplete.
 */
export async function mergeEvaluations(dirs: readonly string[], out: string, options: MergeOptions = {}): Promise<EvaluationSummary> {
  if (dirs.length === 0) throw new EngineError('E_ARGS', 'merge: name at least one evaluation folder')
  const target = resolve(out)
  const sources = dirs.map((d) => resolve(d))
  if (sources.includes(target)) throw new EngineError('E_ARGS', `merge: --out ${target} is one of the inputs; choose a new folder`)
  if (await readManifest(target)) throw new EngineError('E_ARGS', `merge: ${target} already holds an evaluation (run.json); choose a new folder`)

  const manifests: RunManifest[] = []
  for (const dir of sources) {
    const m = await readManifest(dir)
    if (!m) throw new EngineError('E_ARGS', `merge: ${dir} has no run.json; not a tilelab evaluate folder`)
    const missing = await missingStudies(dir, m)
    if (missing.length > 0)
      throw new EngineError('E_IO', `merge: ${dir} is incomplete: ${missing.length} studies not evaluated (${missing.slice(0, 3).join(', ')}); finish it with --resume first`)
    manifests.push(m)
  }
  checkCompatible(sources, manifests)

  const owner = new Map<string, string>()
  for (const [i, m] of manifests.entries())
    for (const study of m.studies) {
      const other = owner.get(study)
      if (other) throw new EngineError('E_ARGS', `merge: study ${study} is in both ${other} and ${sources[i]}`)
      owner.set(study, sources[i])
    }

  await mkdir(join(target, PANELS_DIR), { recursive: true })
  for (const [study, dir] of owner) {
    const part = (await readPart(dir, study))!
    if (part.status === 'ok')
      for (const p of part.panels) await writeFileAtomic(join(target, PANELS_DIR, p.file), await readFile(join(dir, PANELS_DIR, p.file)))
    await writePart(target, part)
  }
  const studies = [...owner.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  await writeManifest(target, { tool: 'tilelab evaluate', version: 1, settings: { ...manifests[0].settings, shard: null }, studies })
  return writeEvaluationOutputs(target, options)
}

function checkCompatible(dirs: string[], manifests: RunManifest[]): void {
  const first = manifests[0].settings
  for (let i = 1; i < manifests.length; i++) {
    const diffs = settingsDifferences(first, manifests[i].settings, ['shard'], [`in ${dirs[0]}`, `in ${dirs[i]}`])
    if (diffs.length > 0) throw new EngineError('E_ARGS', `merge: the folders were made with different settings: ${diffs.join('; ')}`)
  }
  const shards = manifests.map((m) => m.settings.shard)
  if (shards.every((s) => s === null)) return
  if (shards.some((s) => s === null))
    throw new EngineError('E_ARGS', 'merge: some folders are shards (--shard) and some are not; merge shards of one run only')
  const count = shards[0]!.count
  const seen = new Map<number, string>()
  for (const [i, s] of shards.entries()) {
    if (s!.count !== count)
      throw new EngineError('E_ARGS', `merge: ${dirs[i]} is shard ${formatShard(s!)} but ${dirs[0]} is shard ${formatShard(shards[0]!)}: different shard counts`)
    if (seen.has(s!.index)) throw new EngineError('E_ARGS', `merge: shard ${formatShard(s!)} given twice (${seen.get(s!.index)} and ${dirs[i]})`)
    seen.set(s!.index, dirs[i])
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i))
  if (missing.length > 0)
    throw new EngineError('E_ARGS', `merge: shards ${missing.map((i) => `${i}/${count}`).join(', ')} are missing; merge needs all ${count}`)
}
