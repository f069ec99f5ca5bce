/**
 * Train/validation split by patient: every study of a patient lands on the same side, so no patient's slices are
 * seen in training and scored in validation.
 *
 * The paper split its 285 BraTS 2018 patients at random (seed 816, ~85 % train) in os.walk order, which cannot be
 * reproduced on another file system (paper-spec §1, §6.11). TileLab sorts the patient ids first, so the split
 * depends only on the ids, the fraction and the seed.
 *
 * @source paper-spec §1 (split by patient).
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { EngineError } from '../../common/errors'
import { rngFor, shuffled } from './random'

/** A study as the split sees it. */
export interface SplitItem {
  /** Unique study key (e.g. its path relative to the cohort). */
  key: string
  /** Patient id; studies with the same id stay together. */
  patientId: string
}

/** The two sides of a split, each sorted by key. */
export interface PatientSplit {
  train: string[]
  val: string[]
  trainPatients: string[]
  valPatients: string[]
}

/**
 * The patient id of a study folder: the `Subject_id:` line of a `subject_id.txt` in the folder (the layout of
 * the BraTS 2018 cases in ../shared/data/real), else the study name.
 *
 * @param studyPath Study folder (a file path gives the name).
 * @param name      Study name from discovery (BraTS case id or folder name).
 */
export async function patientIdOf(studyPath: string, name: string): Promise<string> {
  const text = await readFile(join(studyPath, 'subject_id.txt'), 'utf8').catch(() => null)
  const m = text?.match(/^\s*Subject_id\s*:\s*(\S+)\s*$/im)
  return m ? m[1] : name
}

/**
 * Splits studies by patient.
 *
 * Patient ids are sorted (code-point order) and shuffled with the seed; the first
 * `max(1, round(valFraction · patients))` go to validation when valFraction > 0, none when it is 0.
 *
 * @param items       Studies with their patient ids; keys must be unique.
 * @param valFraction Share of patients held out, in [0, 1).
 * @param seed        Non-negative integer.
 * @returns Study keys and patient ids of each side, sorted; deterministic in (patient ids, valFraction, seed).
 * @throws EngineError E_ARGS for a fraction outside [0, 1), duplicate keys, or a split that would leave no
 *   training patient (naming the patient count).
 */
export function splitByPatient(items: readonly SplitItem[], valFraction: number, seed: number): PatientSplit {
  if (!(valFraction >= 0 && valFraction < 1))
    throw new EngineError('E_ARGS', `split: --val-fraction must be in [0, 1), received ${valFraction}`)
  const keys = new Set<string>()
  const byPatient = new Map<string, string[]>()
  for (const it of items) {
    if (keys.has(it.key)) throw new EngineError('E_ARGS', `split: study ${it.key} is listed twice`)
    keys.add(it.key)
    byPatient.set(it.patientId, [...(byPatient.get(it.patientId) ?? []), it.key])
  }
  const patients = [...byPatient.keys()].sort(byCodePoint)
  const nVal = valFraction > 0 ? Math.max(1, Math.round(valFraction * patients.length)) : 0
  if (patients.length - nVal < 1)
    throw new EngineError(
      'E_ARGS',
      `split: ${patients.length} patient(s) cannot give ${nVal} validation patient(s) and at least one for training; ` +
        `lower --val-fraction (0 for no validation) or add studies`,
    )
  const order = shuffled(rngFor(seed, 'split'), patients)
  const valPatients = order.slice(0, nVal).sort(byCodePoint)
  const trainPatients = order.slice(nVal).sort(byCodePoint)
  const collect = (ps: string[]): string[] => ps.flatMap((p) => byPatient.get(p) ?? []).sort(byCodePoint)
  return { train: collect(trainPatients), val: collect(valPatients), trainPatients, valPatients }
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
