/**
 * The bundled sample study: case 0 of the synthetic cohort with a fixed seed, generated on first use into a
 * cache folder and reused afterwards. A stamp (sample.json) records the generator version; a stale or partial
 * sample is regenerated. Generation writes into a temporary sibling folder and renames it into place, so two
 * processes starting at once never see a half-written study.
 */
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { EngineError } from '../../common/errors'
import { writeJsonAtomic } from '../io/atomicWrite'
import { sampleCaseParams } from './sampleCaseParams'
import { writeSynthCase } from './synthCohort'
import { SYNTH_VERSION, synthCaseId } from './synthParams'

/** Seed of the sample study (the year of the paper). */
export const SAMPLE_STUDY_SEED = 2018
/** Case index of the sample study within that cohort. */
export const SAMPLE_STUDY_CASE = 0
const FOLDER = 'synth-sample'

interface SampleStamp {
  version: number
  seed: number
  caseIndex: number
  caseId: string
}

/**
 * Path of the sample study folder (`<cacheDir>/synth-sample/SYNTH_0001`, BraTS layout: `SYNTH_0001_flair.nii.gz`
 * and `SYNTH_0001_seg.nii.gz`), generating it when absent or made by another generator version (~2-5 s).
 *
 * @param cacheDir A writable folder (created if missing), e.g. the app's userData cache.
 * @returns Absolute or relative path as `cacheDir` is given.
 * @throws EngineError E_IO when the cache folder cannot be written.
 */
export async function ensureSampleStudy(cacheDir: string): Promise<string> {
  const root = join(cacheDir, FOLDER)
  const caseId = synthCaseId(SAMPLE_STUDY_CASE)
  const studyDir = sampleStudyPath(cacheDir)
  if (await isSampleStudyCurrent(cacheDir)) return studyDir
  const tmp = join(cacheDir, `.${FOLDER}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    await mkdir(tmp, { recursive: true })
    await writeSynthCase(sampleCaseParams(SAMPLE_STUDY_SEED, SAMPLE_STUDY_CASE), tmp)
    const stamp: SampleStamp = { version: SYNTH_VERSION, seed: SAMPLE_STUDY_SEED, caseIndex: SAMPLE_STUDY_CASE, caseId }
    await writeJsonAtomic(join(tmp, 'sample.json'), stamp)
    if (await isSampleStudyCurrent(cacheDir)) return studyDir // another process finished first
    await rm(root, { recursive: true, force: true })
    try {
      await rename(tmp, root)
    } catch (err) {
      if (!(await isSampleStudyCurrent(cacheDir))) throw err
    }
    return studyDir
  } catch (err) {
    if (err instanceof EngineError) throw err
    throw new EngineError('E_IO', `${root}: cannot write the sample study: ${(err as Error).message}`, { cause: err })
  } finally {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined)
  }
}

/** Where ensureSampleStudy(cacheDir) puts the sample study, without generating it (for access grants). */
export function sampleStudyPath(cacheDir: string): string {
  return join(cacheDir, FOLDER, synthCaseId(SAMPLE_STUDY_CASE))
}

/**
 * Whether `cacheDir` holds a complete sample study made by this generator version (stamp and both files).
 * Never throws: anything unreadable counts as absent.
 */
export async function isSampleStudyCurrent(cacheDir: string): Promise<boolean> {
  const root = join(cacheDir, FOLDER)
  const caseId = synthCaseId(SAMPLE_STUDY_CASE)
  try {
    const stamp = JSON.parse(await readFile(join(root, 'sample.json'), 'utf8')) as SampleStamp
    if (stamp.version !== SYNTH_VERSION || stamp.seed !== SAMPLE_STUDY_SEED || stamp.caseId !== caseId) return false
    for (const kind of ['flair', 'seg']) {
      const s = await stat(join(root, caseId, `${caseId}_${kind}.nii.gz`))
      if (!s.isFile() || s.size < 348) return false
    }
    return true
  } catch {
    return false
  }
}
