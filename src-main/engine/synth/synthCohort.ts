/**
 * Writes a synthetic BraTS-like cohort in the BraTS 2017-2021 layout, one case at a time (memory stays at one
 * case): `<outDir>/<case>/<case>_flair.nii.gz` (int16) and `<case>_seg.nii.gz` (uint8, labels {0, 1, 2, 4}), plus
 * `<outDir>/cohort.json` (generator version, seed, grid, per-case lesion parameters and label volumes).
 *
 * Case i depends only on (seed, i): writing cases 0..N−1 in one run, or in several runs with `firstCase`, gives
 * the same bytes; cohort.json then lists every case written so far with this seed and version.
 *
 * @source BraTS 2017-2021 file layout (Bakas et al., arXiv:1811.02629); NIfTI-1 via niftiWrite.ts.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { CancellationToken } from '../../common/cancellation'
import { throwIfCancelled } from '../../common/cancellation'
import { EngineError } from '../../common/errors'
import type { Dims3 } from '../../common/types'
import { writeFileAtomic, writeJsonAtomic } from '../io/atomicWrite'
import { encodeNifti } from '../io/niftiWrite'
import { renderSynthCase } from './renderSynthCase'
import { writePreviewPng } from './previewMontage'
import { sampleCaseParams } from './sampleCaseParams'
import { BRATS_DIMS, SYNTH_VERSION, type LesionParams, type SynthCaseParams } from './synthParams'

export interface SynthCohortOptions {
  outDir: string
  /** Number of cases to write (≥ 1). */
  cases: number
  /** Cohort seed, integer in [0, 2^32). Default 1. */
  seed?: number
  /** Index of the first case (case ids continue from it: firstCase 2 → SYNTH_0003). Default 0. */
  firstCase?: number
  /** Grid; default BraTS 240×240×155 (1 mm). Smaller grids sample the same anatomy more coarsely. */
  dims?: Dims3
  /** Keep skull and scalp (default false: skull-stripped, as BraTS). */
  skull?: boolean
  /** Also write a quick-look PNG montage of each case to `<previewDir>/<case>.png`. */
  previewDir?: string
  token?: CancellationToken
  onProgress?: (event: SynthProgress) => void
}

/** Progress of a cohort: per slice while rendering, then once per written case. */
export interface SynthProgress {
  phase: 'render' | 'write' | 'case'
  caseId: string
  /** Cases finished so far, of `total`. */
  done: number
  total: number
  /** Slices rendered of the current case (phase 'render'). */
  slice: number
  slices: number
  elapsedMs: number
  /** Phase 'case': the finished case. */
  summary?: SynthCaseSummary
}

export interface SynthCaseSummary {
  caseId: string
  caseIndex: number
  dir: string
  flairPath: string
  segPath: string
  flairBytes: number
  segBytes: number
  /** Voxel counts of labels 1 (necrotic / non-enhancing core), 2 (oedema), 4 (enhancing). */
  labelVoxels: { '1': number; '2': number; '4': number }
  /** Whole tumour volume (labels > 0) in mL. */
  wholeTumourMl: number
  lesions: LesionParams[]
  renderMs: number
  writeMs: number
}

export interface SynthCohortSummary {
  outDir: string
  seed: number
  version: number
  dims: Dims3
  cases: SynthCaseSummary[]
  elapsedMs: number
}

/**
 * Generates and writes `cases` cases.
 *
 * @returns What was written, per case (sizes, label volumes, timings).
 * @throws EngineError E_ARGS for a bad count, seed or first case; E_IO when a write fails; E_CANCELLED when the
 *   token fires (between slices; the cases already written stay).
 */
export async function writeSynthCohort(options: SynthCohortOptions): Promise<SynthCohortSummary> {
  const seed = options.seed ?? 1
  const first = options.firstCase ?? 0
  const dims = options.dims ?? BRATS_DIMS
  if (!Number.isInteger(options.cases) || options.cases < 1 || options.cases > 100000)
    throw new EngineError('E_ARGS', `synthCohort.ts: cases must be an integer in [1, 100000], got ${options.cases}`)
  if (!Number.isInteger(first) || first < 0 || first + options.cases > 9999)
    throw new EngineError('E_ARGS', `synthCohort.ts: case indices must stay in [0, 9999), got first ${first}, cases ${options.cases}`)
  const started = performance.now()
  const summaries: SynthCaseSummary[] = []
  for (let n = 0; n < options.cases; n++) {
    throwIfCancelled(options.token, 'synthetic cohort')
    const params = sampleCaseParams(seed, first + n)
    const summary = await writeSynthCase(params, options.outDir, {
      dims,
      skull: options.skull,
      previewPath: options.previewDir ? join(options.previewDir, `${params.caseId}.png`) : undefined,
      token: options.token,
      onSlice: (k, nz) =>
        options.onProgress?.({
          phase: 'render', caseId: params.caseId, done: n, total: options.cases, slice: k + 1, slices: nz,
          elapsedMs: performance.now() - started,
        }),
    })
    summaries.push(summary)
    await updateCohortJson(options.outDir, seed, dims, options.skull ?? false, summaries)
    options.onProgress?.({
      phase: 'case', caseId: params.caseId, done: n + 1, total: options.cases, slice: dims[2], slices: dims[2],
      elapsedMs: performance.now() - started, summary,
    })
  }
  return { outDir: options.outDir, seed, version: SYNTH_VERSION, dims, cases: summaries, elapsedMs: performance.now() - started }
}

/**
 * Renders one case and writes its two NIfTI files under `<outDir>/<caseId>/`.
 * @throws EngineError E_IO when a write fails; E_CANCELLED as renderSynthCase.
 */
export async function writeSynthCase(
  params: SynthCaseParams,
  outDir: string,
  options: {
    dims?: Dims3
    skull?: boolean
    /** Where to write a PNG montage of the case (none by default). */
    previewPath?: string
    token?: CancellationToken
    onSlice?: (k: number, nz: number) => void
  } = {},
): Promise<SynthCaseSummary> {
  const t0 = performance.now()
  const r = renderSynthCase(params, { dims: options.dims, skull: options.skull, token: options.token, onSlice: options.onSlice })
  const t1 = performance.now()
  const dir = join(outDir, params.caseId)
  const flairPath = join(dir, `${params.caseId}_flair.nii.gz`)
  const segPath = join(dir, `${params.caseId}_seg.nii.gz`)
  // scl_slope 1, scl_inter 0 as in BraTS 2021 headers
  const common = { dims: r.dims, spacingMm: r.spacingMm, affine: r.affine, gzip: true, gzipLevel: 4 as const, sclSlope: 1, sclInter: 0 }
  const description = `TileLab synthetic v${SYNTH_VERSION} seed ${params.seed} case ${params.caseIndex}`
  const flairBytes = encodeNifti(r.flair, { ...common, datatype: 'int16', description })
  await writeFileAtomic(flairPath, flairBytes)
  const segBytes = encodeNifti(r.seg, { ...common, datatype: 'uint8', description: `${description} labels` })
  await writeFileAtomic(segPath, segBytes)
  if (options.previewPath) await writePreviewPng(options.previewPath, r)
  const labelVoxels = { '1': 0, '2': 0, '4': 0 }
  for (let n = 0; n < r.seg.length; n++) {
    const v = r.seg[n]
    if (v === 1 || v === 2 || v === 4) labelVoxels[v]++
  }
  const voxelMl = (r.spacingMm[0] * r.spacingMm[1] * r.spacingMm[2]) / 1000
  return {
    caseId: params.caseId,
    caseIndex: params.caseIndex,
    dir,
    flairPath,
    segPath,
    flairBytes: flairBytes.length,
    segBytes: segBytes.length,
    labelVoxels,
    wholeTumourMl: round((labelVoxels['1'] + labelVoxels['2'] + labelVoxels['4']) * voxelMl, 3),
    lesions: params.lesions,
    renderMs: Math.round(t1 - t0),
    writeMs: Math.round(performance.now() - t1),
  }
}

interface CohortJsonCase {
  caseId: string
  caseIndex: number
  labelVoxels: SynthCaseSummary['labelVoxels']
  wholeTumourMl: number
  lesions: LesionParams[]
}

/** Writes cohort.json, keeping the cases of an earlier run with the same seed, version, grid and skull option. */
async function updateCohortJson(
  outDir: string, seed: number, dims: Dims3, skull: boolean, summaries: SynthCaseSummary[],
): Promise<void> {
  const path = join(outDir, 'cohort.json')
  const header = { generator: 'tilelab synth', version: SYNTH_VERSION, seed, dims, skullStripped: !skull }
  let cases = new Map<string, CohortJsonCase>()
  try {
    const old = JSON.parse(await readFile(path, 'utf8')) as typeof header & { cases?: CohortJsonCase[] }
    const same = old.version === header.version && old.seed === seed && JSON.stringify(old.dims) === JSON.stringify(dims) &&
      old.skullStripped === header.skullStripped
    if (same && Array.isArray(old.cases)) cases = new Map(old.cases.map((c) => [c.caseId, c]))
  } catch {
    // no usable cohort.json yet
  }
  for (const s of summaries)
    cases.set(s.caseId, { caseId: s.caseId, caseIndex: s.caseIndex, labelVoxels: s.labelVoxels, wholeTumourMl: s.wholeTumourMl, lesions: s.lesions })
  const sorted = [...cases.values()].sort((a, b) => a.caseIndex - b.caseIndex)
  await writeJsonAtomic(path, { ...header, labels: { '1': 'necrotic / non-enhancing core', '2': 'oedema', '4': 'enhancing tumour' }, cases: sorted })
}

function round(v: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(v * f) / f
}
