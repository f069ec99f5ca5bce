/**
 * Study discovery: which file of a study folder is the FLAIR image and which is the tumour label map.
 *
 * Order of precedence: explicit `image` / `label` options, then a `study.json` in the folder
 * (`{"image": "...", "label": "..." | null}`, paths relative to the folder), then file names:
 * - FLAIR: BraTS 2017-2021 `<case>_flair`, BraTS 2023+ `<case>-t2f`, and any name containing `flair`
 *   (`FLAIR`, `Flair_subtrMeanDivStd`, `t2_flair`).
 * - Tumour label: BraTS `<case>_seg` / `<case>-seg`, `GT*`, `*label*`, `*mask*`, `*truth*`, and the BraTS 2013/2015
 *   observer-truth names (`OT*`, `*.OT.*`, e.g. `OTMultiClass`).
 * - Not a label: brain masks (`brainmask`, `brain_mask`, `*_mask_brain*`) and other modalities (`_t1`, `_t1ce`,
 *   `_t2`, `-t1n`, `-t1c`, `-t2w`).
 * Names are matched case-insensitively on `.nii` / `.nii.gz` files. Where the names leave a choice, discovery
 * refuses and lists the candidates. A path to a single NIfTI file is a study with that image and no label.
 *
 * @source BraTS file naming (2013/2015 `VSD.Brain*.OT`, 2017-2021 `<case>_<modality>`, 2023+ `<case>-<modality>`).
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { z } from 'zod'
import { EngineError } from '../../common/errors'

/** The files of one study. */
export interface StudyFiles {
  /** BraTS case id (e.g. 'BraTS2021_00006') when the FLAIR name carries one, else the folder (or file) name. */
  name: string
  /** The study folder, or the NIfTI file when the study was given as a file. Absolute. */
  path: string
  imagePath: string
  labelPath: string | null
  /** How the image and label were chosen. */
  source: 'names' | 'study.json' | 'options' | 'file'
}

/** Explicit choices; they win over study.json and names. Relative paths resolve against the working folder. */
export interface DiscoveryOptions {
  image?: string
  /** A label path, or null for "no label". */
  label?: string | null
}

/** What a file name says a NIfTI file is. */
export type NiftiRole = 'flair' | 'label' | 'brainmask' | 'modality' | 'other'

const NIFTI_NAME = /\.nii(\.gz)?$/i
const STUDY_JSON = 'study.json'
const StudyJson = z.object({ image: z.string().min(1).optional(), label: z.string().min(1).nullable().optional() }).strict()

/** True for `.nii` / `.nii.gz` names (case-insensitive). */
export function isNiftiName(name: string): boolean {
  return NIFTI_NAME.test(name)
}

/**
 * Classifies a NIfTI file by its name.
 * @param fileName Base name, e.g. 'BraTS2021_00006_seg.nii.gz'.
 * @returns 'flair', 'label' (tumour label map), 'brainmask', 'modality' (another MRI sequence) or 'other'.
 */
export function classifyNiftiName(fileName: string): NiftiRole {
  const stem = fileName.replace(NIFTI_NAME, '')
  const s = stem.toLowerCase()
  const tokens = s.split(/[^a-z0-9]+/).filter(Boolean)
  // BraTS suffixes first: the case id before them may contain anything ('gt', 'label', 'mask')
  if (/(^|[_-])(flair|t2f)$/.test(s)) return 'flair'
  if (/(^|[_-])seg$/.test(s)) return 'label'
  if (/[_-](t1|t1ce|t1c|t1n|t1gd|t1w|t2|t2w|pd|dwi|adc)$/.test(s)) return 'modality'
  if (/brain[_\-. ]?mask|mask[_\-. ]?brain/.test(s)) return 'brainmask'
  const label =
    tokens.includes('seg') ||
    tokens.includes('segmentation') ||
    s.startsWith('gt') ||
    s.includes('label') ||
    /mask(?!ed)/.test(s) ||
    s.includes('truth') ||
    tokens.includes('ot') ||
    /^OT(?![a-z])/.test(stem)
  if (label) return 'label'
  if (s.includes('flair') || tokens.includes('t2f')) return 'flair'
  return 'other'
}

/** BraTS case id from a FLAIR file name: `BraTS2021_00006_flair.nii.gz` → 'BraTS2021_00006'; else null. */
export function caseIdFromName(fileName: string): string | null {
  const m = /^(.+?)[_-](flair|t2f)$/i.exec(fileName.replace(NIFTI_NAME, ''))
  return m ? m[1] : null
}

/**
 * Finds the image and label of a study.
 *
 * @param path    A study folder, or a single NIfTI file.
 * @param options Explicit image/label (win over everything).
 * @returns The chosen files (absolute paths) and the study name.
 * @throws EngineError E_IO when the path or a named file does not exist; E_STUDY when no FLAIR is found, when
 *   several candidates fit (all listed), or when study.json is invalid.
 */
export async function discoverStudy(path: string, options: DiscoveryOptions = {}): Promise<StudyFiles> {
  const abs = resolve(path)
  const kind = await statKind(abs)
  const image = options.image !== undefined ? await existingFile(resolve(options.image), 'image') : undefined
  const label = options.label ? await existingFile(resolve(options.label), 'label') : options.label
  if (kind === 'file') {
    const imagePath = image ?? abs
    return { name: studyNameFromFile(imagePath), path: abs, imagePath, labelPath: label ?? null, source: 'file' }
  }
  const names = (await readdir(abs)).sort()
  const json = names.includes(STUDY_JSON) ? await readStudyJson(join(abs, STUDY_JSON), abs) : {}
  const niftis = names.filter(isNiftiName)
  const imagePath = image ?? json.image ?? pickImage(abs, niftis)
  const labelPath = label !== undefined ? label : json.label !== undefined ? json.label : pickLabel(abs, niftis)
  const source = image !== undefined || label !== undefined ? 'options' : json.image || json.label !== undefined ? 'study.json' : 'names'
  const name = caseIdFromName(basename(imagePath)) ?? basename(abs)
  return { name, path: abs, imagePath, labelPath: labelPath ?? null, source }
}

function pickImage(folder: string, niftis: string[]): string {
  if (niftis.length === 0) throw new EngineError('E_STUDY', `${folder}: no NIfTI files (.nii, .nii.gz) in the study folder`)
  const flair = niftis.filter((f) => classifyNiftiName(f) === 'flair')
  if (flair.length === 1) return join(folder, flair[0])
  if (flair.length > 1)
    throw new EngineError(
      'E_STUDY',
      `${folder}: several FLAIR candidates: ${flair.join(', ')}; name one with --image or a study.json`,
    )
  const other = niftis.filter((f) => classifyNiftiName(f) === 'other')
  if (other.length === 1) return join(folder, other[0])
  const why = other.length > 1 ? `unnamed candidates: ${other.join(', ')}` : `files: ${niftis.join(', ')}`
  throw new EngineError(
    'E_STUDY',
    `${folder}: no FLAIR image found (expected a name containing 'flair' or '-t2f'); ${why}; name one with --image or a study.json`,
  )
}

function pickLabel(folder: string, niftis: string[]): string | null {
  const labels = niftis.filter((f) => classifyNiftiName(f) === 'label')
  if (labels.length === 0) return null
  if (labels.length === 1) return join(folder, labels[0])
  throw new EngineError(
    'E_STUDY',
    `${folder}: several tumour label candidates: ${labels.join(', ')}; name one with --label or a study.json`,
  )
}

async function readStudyJson(file: string, folder: string): Promise<{ image?: string; label?: string | null }> {
  let parsed: z.infer<typeof StudyJson>
  try {
    parsed = StudyJson.parse(JSON.parse(await readFile(file, 'utf8')))
  } catch (err) {
    const msg = err instanceof z.ZodError ? err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') : (err as Error).message
    throw new EngineError('E_STUDY', `${file}: invalid study.json (expected {"image": "...", "label": "..."}): ${msg}`, { cause: err })
  }
  return {
    image: parsed.image !== undefined ? await existingFile(resolve(folder, parsed.image), 'image', file) : undefined,
    label: parsed.label ? await existingFile(resolve(folder, parsed.label), 'label', file) : parsed.label,
  }
}

async function statKind(path: string): Promise<'file' | 'folder'> {
  try {
    const s = await stat(path)
    return s.isDirectory() ? 'folder' : 'file'
  } catch {
    throw new EngineError('E_IO', `${path}: no such study folder or file`)
  }
}

async function existingFile(path: string, what: string, namedBy?: string): Promise<string> {
  const s = await stat(path).catch(() => null)
  if (!s || !s.isFile()) {
    const by = namedBy ? ` (named by ${namedBy})` : ''
    throw new EngineError('E_IO', `${path}: ${what} file${by} does not exist`)
  }
  return path
}

function studyNameFromFile(file: string): string {
  return caseIdFromName(basename(file)) ?? basename(file).replace(NIFTI_NAME, '')
}
