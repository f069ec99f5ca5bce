import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createPathGuard, type PathGuard } from './pathGuard'
import { isInside } from '../engine/io/canonicalPath'
import { EngineError } from '../common/errors'

let tmp: string
let data: string
let outside: string
let sample: string
let guard: PathGuard

async function refused(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(EngineError)
  expect((err as EngineError).code).toBe('E_ACCESS')
  return (err as EngineError).message
}

beforeAll(async () => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'tilelab-guard-')))
  data = path.join(tmp, 'data')
  outside = path.join(tmp, 'outside')
  sample = path.join(tmp, 'sample')
  for (const d of [data, outside, sample, path.join(data, 'case1'), path.join(tmp, 'data2')]) mkdirSync(d)
  writeFileSync(path.join(data, 'case1', 'flair.nii'), 'x')
  writeFileSync(path.join(outside, 'secret.nii'), 'secret')
  writeFileSync(path.join(tmp, 'data2', 'x.nii'), 'x')
  symlinkSync(path.join(outside, 'secret.nii'), path.join(data, 'link-to-secret.nii'))
  symlinkSync(outside, path.join(data, 'link-to-outside'))
  symlinkSync(path.join(data, 'case1'), path.join(data, 'link-to-case1'))
  symlinkSync(path.join(tmp, 'nowhere'), path.join(data, 'dangling'))
  guard = await createPathGuard(data, [sample])
})

afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('createPathGuard', () => {
  it('resolves a relative path against the data root', async () => {
    expect(await guard.resolveReadable('case1/flair.nii')).toBe(path.join(data, 'case1', 'flair.nii'))
    expect(await guard.resolveReadable(data)).toBe(data)
  })

  it("refuses any '..' segment, even one that stays inside", async () => {
    expect(await refused(guard.resolveReadable('../outside/secret.nii'))).toMatch(/'\.\.' is not allowed/)
    await refused(guard.resolveReadable('case1/../case1/flair.nii'))
    await refused(guard.resolveReadable(`${data}/../outside/secret.nii`))
    await refused(guard.resolveReadable('case1\\..\\..\\outside'))
  })

  it('refuses absolute paths outside the roots, including a sibling sharing the prefix', async () => {
    await refused(guard.resolveReadable(path.join(outside, 'secret.nii')))
    await refused(guard.resolveReadable('/etc/passwd'))
    await refused(guard.resolveReadable(path.join(tmp, 'data2', 'x.nii')))
  })

  it('refuses symlinks inside the root that point outside it', async () => {
    await refused(guard.resolveReadable('link-to-secret.nii'))
    await refused(guard.resolveReadable('link-to-outside/secret.nii'))
    await refused(guard.resolveReadable('link-to-outside'))
    await refused(guard.resolveReadable('dangling'))
  })

  it('follows symlinks that stay inside and returns the canonical path', async () => {
    expect(await guard.resolveReadable('link-to-case1/flair.nii')).toBe(path.join(data, 'case1', 'flair.nii'))
  })

  it('refuses NUL bytes', async () => {
    await refused(guard.resolveReadable('case1/flair.nii\0.png'))
  })

  it('allows a path that does not exist yet under the data root (an output folder)', async () => {
    expect(await guard.resolveWritable('results/run1')).toBe(path.join(data, 'results', 'run1'))
  })

  it('lets read-only roots be read but not written', async () => {
    expect(await guard.resolveReadable(sample)).toBe(sample)
    await refused(guard.resolveWritable(path.join(sample, 'out')))
  })

  it('without a data root refuses relative paths and allows only the read-only roots', async () => {
    const g = await createPathGuard(null, [sample])
    await refused(g.resolveReadable('case1'))
    await refused(g.resolveReadable(path.join(data, 'case1')))
    expect(await g.resolveReadable(sample)).toBe(sample)
  })

  it('guards every path field of a request and joins study-relative overrides', async () => {
    const req = await guard.guardRequest('openStudy', { path: 'case1', image: 'flair.nii' })
    expect(req).toEqual({ path: path.join(data, 'case1'), image: path.join(data, 'case1', 'flair.nii') })
    await refused(guard.guardRequest('openStudy', { path: 'case1', label: '../../outside/secret.nii' }))
    await refused(guard.guardRequest('startEvaluation', { data: 'case1', modelId: 'm', out: sample }))
    await refused(guard.guardRequest('browse', { path: outside }))
  })

  it('lets the host add writable roots of its own (evaluation runs), beside the data root', async () => {
    const runs = path.join(tmp, 'runs')
    mkdirSync(runs)
    const g = await createPathGuard(data, [sample], [runs, path.join(tmp, 'missing-runs')])
    expect(g.writableRoots).toEqual([runs])
    expect(await g.resolveWritable(path.join(runs, 'evaluation-1'))).toBe(path.join(runs, 'evaluation-1'))
    expect(await g.resolveReadable(path.join(runs, 'evaluation-1'))).toBe(path.join(runs, 'evaluation-1'))
    const req = await g.guardRequest('startEvaluation', { data: 'case1', modelId: 'm', out: path.join(runs, 'e2'), resume: true })
    expect(req.out).toBe(path.join(runs, 'e2'))
    // Read-only roots stay read-only; outside stays out.
    await refused(g.resolveWritable(sample))
    await refused(g.resolveWritable(path.join(outside, 'x')))
    await refused(g.resolveWritable(path.join(runs, '..', 'outside')))
  })

  it('rejects a missing data root', async () => {
    await expect(createPathGuard(path.join(tmp, 'missing'))).rejects.toThrow(/no such folder/)
  })
})

describe('isInside', () => {
  it('compares whole path segments', () => {
    expect(isInside('/a/b', '/a/b')).toBe(true)
    expect(isInside('/a/b', '/a/b/c')).toBe(true)
    expect(isInside('/a/b', '/a/bc')).toBe(false)
    expect(isInside('/a/b', '/a')).toBe(false)
    expect(isInside('/a/b', '/a/b/..c')).toBe(true)
  })
})
