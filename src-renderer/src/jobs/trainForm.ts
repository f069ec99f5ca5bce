/**
 * The Model > Train... form: its fields as the user types them (numbers as text, so a bad value can be named), the
 * preset values, the backend choices, and the check that turns the form into a startTraining request or into one
 * message per field. The request is validated with the API's own zod schema (requestSchemas.startTraining), the
 * one the host applies, plus the rules the trainer checks later (crop a multiple of 2^depth, a free model name), so
 * nothing the dialog lets through is refused after the job starts. DOM-free (unit-tested in Node).
 *
 * @source presets: engine/training/recipe.ts PRESETS and DEFAULT_RECIPE (trainForm.test.ts checks they agree).
 */
import type { ApiRequest, BackendStatus } from '../../../src-main/common/api'
import { requestSchemas } from '../../../src-main/common/api'

export type PresetName = 'paper' | 'cpu-small'
export type TrainBackend = 'auto' | 'tensorflow' | 'wasm' | 'cpu'

export interface TrainForm {
  data: string
  name: string
  preset: PresetName
  input: 'crops' | 'full'
  valFraction: string
  crop: string
  batchSize: string
  epochs: string
  /** Empty: the preset's (paper: training slices ÷ batch size). */
  stepsPerEpoch: string
  learningRate: string
  baseFilters: string
  depth: string
  tumorFraction: string
  seed: string
  flips: boolean
  rotations: boolean
  backend: TrainBackend
}

/** Field name → message, for the fields that are wrong. */
export type FormErrors = Partial<Record<keyof TrainForm, string>>

/** What each preset sets (the rest of the form keeps the recipe defaults). */
export const PRESET_VALUES: Record<PresetName, Pick<TrainForm, 'crop' | 'batchSize' | 'epochs' | 'stepsPerEpoch' | 'learningRate' | 'baseFilters' | 'depth' | 'tumorFraction'>> = {
  paper: { crop: '128', batchSize: '128', epochs: '15', stepsPerEpoch: '', learningRate: '1e-4', baseFilters: '32', depth: '4', tumorFraction: '0' },
  'cpu-small': { crop: '128', batchSize: '8', epochs: '3', stepsPerEpoch: '50', learningRate: '1e-4', baseFilters: '8', depth: '4', tumorFraction: '0.5' },
}

/** One-line description of each preset for the dialog. */
export const PRESET_NOTES: Record<PresetName, string> = {
  paper: 'the paper: 128 px crops, batch 128, 15 epochs, Adam 1e-4, 32 base filters (hours; a GPU helps)',
  'cpu-small': 'minutes on a laptop CPU: batch 8, 3 epochs × 50 steps, 8 base filters, half of each batch with tumour',
}

/** A fresh form: the detected backend, a dated model name, the CPU-small preset unless a GPU is there. */
export function defaultTrainForm(backends: readonly BackendStatus[], trainingBackend: string, now = new Date()): TrainForm {
  const gpu = backends.some((b) => b.name === 'tensorflow-gpu' && b.available)
  const preset: PresetName = gpu ? 'paper' : 'cpu-small'
  return {
    data: '',
    name: defaultModelName(now),
    preset,
    input: 'crops',
    valFraction: '0.15',
    seed: '816',
    flips: true,
    rotations: true,
    backend: detectedBackend(trainingBackend),
    ...PRESET_VALUES[preset],
  }
}

/** `unet-20260131-1542` (local time). */
export function defaultModelName(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `unet-${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}`
}

/** The backend choice matching AppInfo.trainingBackend ('tfjs-node-gpu', 'tfjs-node', 'tfjs-wasm', 'tfjs-cpu'). */
export function detectedBackend(trainingBackend: string): TrainBackend {
  if (/node/.test(trainingBackend) || trainingBackend.startsWith('tensorflow')) return 'tensorflow'
  if (/wasm/.test(trainingBackend)) return 'wasm'
  if (/cpu/.test(trainingBackend)) return 'cpu'
  return 'auto'
}

export interface BackendChoice {
  value: Exclude<TrainBackend, 'auto'>
  label: string
  available: boolean
  /** What it runs on, or why it cannot be used. */
  reason: string
}

/**
 * The tfjs backends training can use, from AppInfo.backends ('tensorflow' = tfjs-node-gpu or tfjs-node). The engine
 * probes in order and stops at the first that works; the ones after it ("not tried: X was chosen first") are
 * bundled with TileLab (WebAssembly, plain JavaScript) and offered as available.
 */
export function backendChoices(backends: readonly BackendStatus[]): BackendChoice[] {
  const by = (name: BackendStatus['name']): BackendStatus | undefined => {
    const b = backends.find((x) => x.name === name)
    if (b && !b.available && /^not tried\b/.test(b.reason) && (name === 'wasm' || name === 'cpu'))
      return { ...b, available: true, reason: `${b.reason.replace(/^not tried: /, 'not probed: ')}; bundled, should work` }
    return b
  }
  const gpu = by('tensorflow-gpu')
  const node = by('tensorflow')
  const tf = [gpu, node].filter((b): b is BackendStatus => !!b)
  const tfOk = tf.find((b) => b.available)
  const choice = (value: BackendChoice['value'], label: string, b: BackendStatus | undefined): BackendChoice => ({
    value,
    label,
    available: b?.available ?? false,
    reason: b?.reason ?? 'not reported by the engine',
  })
  return [
    {
      value: 'tensorflow',
      label: 'TensorFlow (tfjs-node)',
      available: !!tfOk,
      reason: tfOk ? tfOk.reason : tf.map((b) => b.reason).join('; ') || 'not reported by the engine',
    },
    choice('wasm', 'WebAssembly', by('wasm')),
    choice('cpu', 'Plain JavaScript (slow)', by('cpu')),
  ]
}

/** Applies a preset: its values replace the fields it sets. */
export function applyPreset(form: TrainForm, preset: PresetName): TrainForm {
  return { ...form, preset, ...PRESET_VALUES[preset] }
}

/**
 * Checks the form.
 * @param taken Model names that exist already (models and training runs): training into one is refused.
 * @param backends The backend choices, to refuse an unavailable one.
 * @returns The request, or the messages of the wrong fields.
 */
export function validateTrainForm(
  form: TrainForm,
  taken: readonly string[] = [],
  backends: readonly BackendChoice[] = [],
): { ok: true; request: ApiRequest<'startTraining'> } | { ok: false; errors: FormErrors } {
  const errors: FormErrors = {}
  const num = (field: keyof TrainForm, opts: { integer?: boolean; optional?: boolean } = {}): number | undefined => {
    const text = String(form[field]).trim()
    if (text === '') {
      if (!opts.optional) errors[field] = 'required'
      return undefined
    }
    const n = Number(text)
    if (!Number.isFinite(n)) errors[field] = `not a number: '${text}'`
    else if (opts.integer && !Number.isInteger(n)) errors[field] = `must be a whole number, received ${text}`
    else return n
    return undefined
  }
  const candidate = {
    data: form.data.trim(),
    name: form.name.trim(),
    preset: form.preset,
    input: form.input,
    crop: num('crop', { integer: true }),
    batchSize: num('batchSize', { integer: true }),
    epochs: num('epochs', { integer: true }),
    stepsPerEpoch: num('stepsPerEpoch', { integer: true, optional: true }),
    learningRate: num('learningRate'),
    valFraction: num('valFraction'),
    seed: num('seed', { integer: true }),
    flips: form.flips,
    rotations: form.rotations,
    baseFilters: num('baseFilters', { integer: true }),
    depth: num('depth', { integer: true }),
    tumorFraction: num('tumorFraction'),
    backend: form.backend,
  }
  if (!candidate.data) errors.data = 'choose the folder of training studies'
  const parsed = requestSchemas.startTraining.safeParse(candidate)
  if (!parsed.success)
    for (const issue of parsed.error.issues) {
      const field = issue.path[0] as keyof TrainForm | undefined
      if (field && !errors[field]) errors[field] = fieldMessage(field, issue.message)
    }
  const { crop, depth } = candidate
  if (crop !== undefined && depth !== undefined && !errors.crop && !errors.depth && crop % 2 ** depth !== 0)
    errors.crop = `must be a multiple of 2^depth = ${2 ** depth} (the U-Net halves it ${depth} times)`
  if (!errors.name && taken.includes(candidate.name))
    errors.name = `a model or run named '${candidate.name}' exists already: choose another name (or resume that run)`
  const backend = backends.find((b) => b.value === form.backend)
  if (backend && !backend.available) errors.backend = `${backend.label} is not available here: ${backend.reason}`
  if (Object.keys(errors).length > 0 || !parsed.success) return { ok: false, errors }
  return { ok: true, request: stripUndefined(parsed.data) }
}

/** zod's message, made readable for a form field. */
function fieldMessage(field: keyof TrainForm, message: string): string {
  if (field === 'name') return /letters/.test(message) ? 'letters, digits, . _ - only (at most 64)' : message
  const m = /^Too (?:small|big): expected number to be (>=|<=|>|<)(.*)$/.exec(message)
  if (!m) return message
  const words = { '>=': 'at least', '<=': 'at most', '>': 'above', '<': 'below' } as const
  return `must be ${words[m[1] as keyof typeof words]} ${m[2].trim()}`
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}
