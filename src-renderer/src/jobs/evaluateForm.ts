/**
 * The File > Evaluate Folder... form: cohort folder, model, tiling (tile, overlap, blend), slices, output folder
 * and resume, checked with the API's zod schema (requestSchemas.startEvaluation) plus readable field messages.
 * DOM-free (unit-tested).
 */
import type { ApiRequest } from '../../../src-main/common/api'
import { requestSchemas } from '../../../src-main/common/api'
import { tileLayout } from '../../../src-main/common/tileLayout'
import { PAPER_TILING, type Blend } from '../../../src-main/common/types'

export interface EvaluateForm {
  /** One tiling ('evaluate', `tilelab evaluate`) or a grid of tile sizes × overlaps ('sweep', `tilelab sweep`). */
  mode: 'evaluate' | 'sweep'
  data: string
  modelId: string
  tile: string
  overlap: string
  blend: Blend
  slices: 'all' | 'tumor'
  /** Empty: a new folder in TileLab's runs folder. */
  out: string
  resume: boolean
  /** Sweep: tile sides and overlaps, comma-separated. */
  tiles: string
  overlaps: string
}

export type EvaluateErrors = Partial<Record<keyof EvaluateForm, string>>

export function defaultEvaluateForm(modelId: string | null): EvaluateForm {
  return {
    mode: 'evaluate',
    data: '',
    modelId: modelId ?? '',
    tile: String(PAPER_TILING.tile),
    overlap: String(PAPER_TILING.overlap),
    blend: PAPER_TILING.blend,
    slices: 'all',
    out: '',
    resume: false,
    tiles: '64, 96, 128',
    overlaps: '0, 0.25, 0.5',
  }
}

/** Tiles per slice of an nx × ny slice with this tiling (what the tiled prediction pays), or null when invalid. */
export function tilesPerSlice(form: Pick<EvaluateForm, 'tile' | 'overlap'>, nx = 240, ny = 240): number | null {
  const tile = Number(form.tile)
  const overlap = Number(form.overlap)
  if (!(Number.isInteger(tile) && tile >= 16 && overlap >= 0 && overlap < 1)) return null
  return tileLayout(nx, ny, { tile, overlap }).length
}

/** Checks the form; returns the startEvaluation request or a message per wrong field. */
export function validateEvaluateForm(
  form: EvaluateForm,
): { ok: true; request: ApiRequest<'startEvaluation'> } | { ok: false; errors: EvaluateErrors } {
  const errors: EvaluateErrors = {}
  const num = (field: 'tile' | 'overlap'): number => {
    const text = form[field].trim()
    const n = Number(text)
    if (text === '') errors[field] = 'required'
    else if (!Number.isFinite(n)) errors[field] = `not a number: '${text}'`
    return n
  }
  const tile = num('tile')
  const overlap = num('overlap')
  if (!form.data.trim()) errors.data = 'choose the folder to evaluate'
  if (!form.modelId) errors.modelId = 'choose a model (train one first if the list is empty)'
  if (form.resume && !form.out.trim()) errors.out = 'to resume, name the folder of the run to continue'
  const candidate = {
    data: form.data.trim(),
    modelId: form.modelId,
    tiling: { tile, overlap, blend: form.blend },
    slices: form.slices,
    ...(form.out.trim() ? { out: form.out.trim() } : {}),
    ...(form.resume ? { resume: true } : {}),
  }
  const parsed = requestSchemas.startEvaluation.safeParse(candidate)
  if (!parsed.success)
    for (const issue of parsed.error.issues) {
      const [first, second] = issue.path as (string | number)[]
      const field = (first === 'tiling' ? second : first) as keyof EvaluateForm
      if (field && !errors[field]) errors[field] = readable(issue.message, field)
    }
  if (Object.keys(errors).length > 0 || !parsed.success) return { ok: false, errors }
  return { ok: true, request: parsed.data }
}

/** Checks the sweep form; returns the startSweep request or a message per wrong field. */
export function validateSweepForm(
  form: EvaluateForm,
): { ok: true; request: ApiRequest<'startSweep'> } | { ok: false; errors: EvaluateErrors } {
  const errors: EvaluateErrors = {}
  const list = (field: 'tiles' | 'overlaps'): number[] => {
    const parts = form[field].split(/[\s,;]+/).filter(Boolean)
    if (parts.length === 0) errors[field] = 'give at least one value'
    const bad = parts.find((p) => !Number.isFinite(Number(p)))
    if (bad !== undefined) errors[field] = `not a number: '${bad}'`
    return [...new Set(parts.map(Number))]
  }
  const tiles = list('tiles')
  const overlaps = list('overlaps')
  if (!form.data.trim()) errors.data = 'choose the folder to evaluate'
  if (!form.modelId) errors.modelId = 'choose a model (train one first if the list is empty)'
  const candidate = {
    data: form.data.trim(),
    modelId: form.modelId,
    tiles,
    overlaps,
    slices: form.slices,
    ...(form.out.trim() ? { out: form.out.trim() } : {}),
  }
  const parsed = requestSchemas.startSweep.safeParse(candidate)
  if (!parsed.success)
    for (const issue of parsed.error.issues) {
      const field = issue.path[0] as keyof EvaluateForm
      if (field && !errors[field]) errors[field] = (issue.path.length > 1 ? 'each value ' : '') + readable(issue.message, field === 'tiles' ? 'tile' : field)
    }
  if (Object.keys(errors).length > 0 || !parsed.success) return { ok: false, errors }
  return { ok: true, request: parsed.data }
}

function readable(message: string, field: keyof EvaluateForm): string {
  if (field === 'tile' && /expected int\b|integer/i.test(message)) return 'must be a whole number of pixels'
  const m = /^Too (?:small|big): expected number to be (>=|<=|>|<)(.*)$/.exec(message)
  if (!m) return message
  const words = { '>=': 'at least', '<=': 'at most', '>': 'above', '<': 'below' } as const
  return `must be ${words[m[1] as keyof typeof words]} ${m[2].trim()}`
}
