import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createAccessGrants } from './accessGrants'
import { isInside, realpathAllowMissing } from '../engine/io/canonicalPath'
import { EngineError } from '../common/errors'

let tmp: string
let study: string // granted (read) study folder
let file: string // granted (read) single NIfTI file
let outDir: string // granted (write) folder
let other: string // never granted
let sample: string // bundled read-only root
let work: string // app-owned writable root

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'ok'
  } catch (err) {
    return err instanceof EngineError ? err.code : `not an EngineError: ${String(err)}`
  }
}

beforeAll(() => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'tilelab-grants-')))
  study = path.join(tmp, 'studies', 'BraTS_001')
  other = path.join(tmp, 'private')
  sample = path.join(tmp, 'app', 'sample-study')
  work = path.join(tmp, 'userData', 'work')
  outDir = path.join(tmp, 'outputs')
  for (const d of [study, other, sample, outDir]) mkdirSync(d, { recursive: true })
  writeFileSync(path.join(study, 'BraTS_001_flair.nii.gz'), 'x')
  writeFileSync(path.join(other, 'secret.nii.gz'), 'x')
  writeFileSync(path.join(sample, 'sample_flair.nii.gz'), 'x')
  file = path.join(tmp, 'studies', 'single_flair.nii.gz')
  writeFileSync(file, 'x')
  writeFileSync(path.join(tmp, 'studies', 'single_seg.nii.gz'), 'x')
  // A symlink inside the granted study that points outside it, and one that points inside.
  symlinkSync(other, path.join(study, 'escape'))
  symlinkSync(path.join(study, 'BraTS_001_flair.nii.gz'), path.join(study, 'alias.nii.gz'))
  symlinkSync(path.join(tmp, 'nowhere'), path.join(study, 'dangling'))
})

afterAll(() => rmSync(tmp, { recursive: true, force: true }))

async function grants() {
  const g = await createAccessGrants({ readOnlyRoots: [sample, path.join(tmp, 'missing-models')], writableRoots: [work] })
  await g.grant(study, 'read')
  await g.grant(file, 'read')
  await g.grant(outDir, 'write')
  return g
}

describe('access grants of the desktop app', () => {
  it('allows a granted folder, a child of it, and a granted file; returns canonical paths', async () => {
    const g = await grants()
    expect(await g.resolve(study, 'read')).toBe(study)
    expect(await g.resolve(path.join(study, 'BraTS_001_flair.nii.gz'), 'read')).toBe(path.join(study, 'BraTS_001_flair.nii.gz'))
    expect(await g.resolve(file, 'read')).toBe(file)
    // A symlink that stays inside the grant resolves to its target.
    expect(await g.resolve(path.join(study, 'alias.nii.gz'), 'read')).toBe(path.join(study, 'BraTS_001_flair.nii.gz'))
    // A path that does not exist yet under a granted folder (e.g. an output file).
    expect(await g.resolve(path.join(outDir, 'run1', 'summary.json'), 'write')).toBe(path.join(outDir, 'run1', 'summary.json'))
  })

  it('refuses ungranted paths, siblings of a granted file, and prefixes that only look like a grant', async () => {
    const g = await grants()
    expect(await code(g.resolve(other, 'read'))).toBe('E_ACCESS')
    expect(await code(g.resolve(path.join(other, 'secret.nii.gz'), 'read'))).toBe('E_ACCESS')
    expect(await code(g.resolve(path.join(tmp, 'studies', 'single_seg.nii.gz'), 'read'))).toBe('E_ACCESS')
    expect(await code(g.resolve(study + '-other', 'read'))).toBe('E_ACCESS')
    expect(await code(g.resolve('/etc/passwd', 'read'))).toBe('E_ACCESS')
  })

  it("refuses any '..' segment, even one that would stay inside, and relative paths and NUL bytes", async () => {
    const g = await grants()
    expect(await code(g.resolve(`${study}/../BraTS_001`, 'read'))).toBe('E_ACCESS')
    expect(await code(g.resolve(`${study}/../../private/secret.nii.gz`, 'read'))).toBe('E_ACCESS')
    expect(await code(g.resolve('studies/BraTS_001', 'read'))).toBe('E_ACCESS')
    expect(await code(g.resolve(`${study}/a\0b`, 'read'))).toBe('E_ACCESS')
    expect(await code(g.resolve('', 'read'))).toBe('E_ACCESS')
  })

  it('judges a symlink by where it points: a link out of a granted folder is refused', async () => {
    const g = await grants()
    expect(await code(g.resolve(path.join(study, 'escape'), 'read'))).toBe('E_ACCESS')
    expect(await code(g.resolve(path.join(study, 'escape', 'secret.nii.gz'), 'read'))).toBe('E_ACCESS')
    expect(await code(g.resolve(path.join(study, 'dangling'), 'read'))).toBe('E_ACCESS')
  })

  it('read grants do not allow writes; picked folders and the work folder do; bundled roots stay read-only', async () => {
    const g = await grants()
    expect(await code(g.resolve(path.join(study, 'out'), 'write'))).toBe('E_ACCESS')
    expect(await code(g.resolve(path.join(outDir, 'eval'), 'write'))).toBe('ok')
    expect(await code(g.resolve(path.join(work, 'eval-1'), 'write'))).toBe('ok')
    expect(await g.resolve(path.join(sample, 'sample_flair.nii.gz'), 'read')).toBe(path.join(sample, 'sample_flair.nii.gz'))
    expect(await code(g.resolve(path.join(sample, 'new'), 'write'))).toBe('E_ACCESS')
    // Picking the bundled sample with a folder dialog does not make it writable.
    await g.grant(sample, 'write')
    expect(await code(g.resolve(path.join(sample, 'new'), 'write'))).toBe('E_ACCESS')
    // A read grant upgrades to write when the same folder is picked as a folder.
    await g.grant(study, 'write')
    expect(await code(g.resolve(path.join(study, 'out'), 'write'))).toBe('ok')
  })

  it('grants canonical paths, refuses to grant what does not exist, and lists app roots that exist', async () => {
    const g = await grants()
    const viaLink = await g.grant(path.join(study, 'escape'), 'read')
    expect(viaLink).toBe(other) // the user picked the link: its target is what is granted
    expect(await code(g.grant(path.join(tmp, 'nope'), 'read'))).toBe('E_IO')
    expect(await code(g.grant('relative/path', 'read'))).toBe('E_ACCESS')
    const roots = g.list().filter((x) => x.source === 'app')
    expect(roots.map((r) => [r.path, r.mode])).toEqual([
      [work, 'write'],
      [sample, 'read'],
    ])
  })

  it('guardRequest rewrites every path field and refuses a request naming an ungranted path', async () => {
    const g = await grants()
    expect(await g.guardRequest('openStudy', { path: study })).toEqual({ path: study })
    // Overrides relative to the study are joined to it, then judged.
    expect(await g.guardRequest('openStudy', { path: study, image: 'alias.nii.gz' })).toEqual({
      path: study,
      image: path.join(study, 'BraTS_001_flair.nii.gz'),
    })
    expect(await code(g.guardRequest('openStudy', { path: file, label: 'single_seg.nii.gz' }))).toBe('E_ACCESS')
    expect(await code(g.guardRequest('openStudy', { path: other }))).toBe('E_ACCESS')
    expect(await code(g.guardRequest('startEvaluation', { data: study, modelId: 'm', out: path.join(study, 'o') }))).toBe('E_ACCESS')
    expect(await g.guardRequest('startEvaluation', { data: study, modelId: 'm', out: path.join(outDir, 'o') })).toEqual({
      data: study,
      modelId: 'm',
      out: path.join(outDir, 'o'),
    })
    expect(await code(g.guardRequest('browse', {}))).toBe('E_ACCESS')
    expect(await code(g.guardRequest('listStudies', {}))).toBe('ok') // no path: the service's own data root
    expect(await g.guardRequest('getAppInfo', {})).toEqual({})
  })
})

describe('path helpers', () => {
  it('isInside compares whole segments', () => {
    expect(isInside('/a/b', '/a/b')).toBe(true)
    expect(isInside('/a/b', '/a/b/c')).toBe(true)
    expect(isInside('/a/b', '/a/bc')).toBe(false)
    expect(isInside('/a/b', '/a')).toBe(false)
  })

  it('realpathAllowMissing resolves the existing part and keeps the missing rest', async () => {
    expect(await realpathAllowMissing(path.join(study, 'escape', 'x', 'y'))).toBe(path.join(other, 'x', 'y'))
  })
})
