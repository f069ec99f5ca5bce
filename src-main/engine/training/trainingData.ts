/**
 * The data side of a training run: find the cohort's labelled studies, split them by patient, open the slice
 * cache, and index the training slices (all axial slices of the training studies, and those with tumour).
 *
 * @source paper-spec §1 (all 155 axial slices of every training patient, tumour or not; split by patient).
 */
import { relative, resolve, sep } from 'node:path'
import type { CancellationToken } from '../../common/cancellation'
import { EngineError } from '../../common/errors'
import type { Normalization } from '../../common/types'
import { findStudies } from '../io/cohort'
import type { StudyFiles } from '../io/discovery'
import type { Study } from '../io/study'
import type { SliceRef } from './sampler'
import { openSliceCache, type SliceStore } from './sliceCache'
import { patientIdOf, splitByPatient, type PatientSplit } from './split'

/** The cohort's studies by key (path relative to the cohort root, '/'-separated). */
export interface CohortStudies {
  root: string
  byKey: Map<string, StudyFiles>
  patientOf: Map<string, string>
  /** Studies skipped (no label, or discovery failed), with the reason. */
  skipped: { path: string; reason: string }[]
}

/** Everything the loop needs from the data. */
export interface TrainingData {
  split: PatientSplit
  store: SliceStore
  /** Store indices of the training and validation studies. */
  trainStudies: number[]
  valStudies: number[]
  /** All axial slices of the training studies. */
  trainSlices: SliceRef[]
}

/**
 * Finds the labelled studies of a cohort and their patient ids.
 * @throws EngineError E_IO / E_STUDY from findStudies; E_STUDY when no study has a tumour label.
 */
export async function readCohort(dataPath: string): Promise<CohortStudies> {
  const cohort = await findStudies(dataPath)
  const byKey = new Map<string, StudyFiles>()
  const patientOf = new Map<string, string>()
  const skipped = cohort.failures.map((f) => ({ path: f.path, reason: f.error.message }))
  for (const s of cohort.studies) {
    if (!s.labelPath) {
      skipped.push({ path: s.path, reason: 'no tumour label' })
      continue
    }
    const key = relative(cohort.root, s.path).split(sep).join('/') || s.name
    byKey.set(key, s)
    patientOf.set(key, await patientIdOf(s.path, s.name))
  }
  if (byKey.size === 0)
    throw new EngineError('E_STUDY', `${resolve(dataPath)}: no study with a tumour label to train on`)
  return { root: cohort.root, byKey, patientOf, skipped }
}

export interface PrepareOptions {
  valFraction: number
  seed: number
  normalization: Normalization
  cacheDir: string | null
  cacheMb: number
  /** A split to reuse (resume); its keys must all be in the cohort. */
  split?: PatientSplit
  token?: CancellationToken
  onStudy?: (done: number, total: number, name: string, decoded: boolean) => void
  loadStudy?: (files: StudyFiles) => Promise<Study>
}

/**
 * Splits the cohort by patient (or reuses a split), caches the slices of both sides and indexes the training
 * slices.
 * @throws EngineError E_STUDY when a reused split names a study the cohort no longer has; errors of
 *   splitByPatient and openSliceCache.
 */
export async function prepareTrainingData(cohort: CohortStudies, o: PrepareOptions): Promise<TrainingData> {
  const split =
    o.split ??
    splitByPatient(
      [...cohort.byKey.keys()].map((key) => ({ key, patientId: cohort.patientOf.get(key)! })),
      o.valFraction,
      o.seed,
    )
  const keys = [...split.train, ...split.val]
  const missing = keys.filter((k) => !cohort.byKey.has(k))
  if (missing.length > 0)
    throw new EngineError('E_STUDY', `${cohort.root}: the run's split names studies no longer there: ${missing.join(', ')}`)
  const store = await openSliceCache(
    keys.map((key) => ({ key, files: cohort.byKey.get(key)! })),
    {
      cacheDir: o.cacheDir,
      cacheMb: o.cacheMb,
      normalization: o.normalization,
      token: o.token,
      onStudy: o.onStudy,
      loadStudy: o.loadStudy,
    },
  )
  const trainStudies = split.train.map((_, i) => i)
  const valStudies = split.val.map((_, i) => split.train.length + i)
  const trainSlices = trainStudies.flatMap((s) =>
    Array.from({ length: store.studies[s].dims[2] }, (_, z): SliceRef => ({ study: s, z })),
  )
  return { split, store, trainStudies, valStudies, trainSlices }
}
