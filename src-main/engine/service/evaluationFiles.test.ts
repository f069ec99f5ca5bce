import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { EngineError } from '../../common/errors'
import { EvaluationFiles } from './evaluationFiles'

let tmp: string

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'tilelab-evalfiles-'))
  writeFileSync(path.join(tmp, 'summary.json'), '{"slices":3}')
  writeFileSync(path.join(tmp, 'report.html'), '<!doctype html><p>report</p>')
  writeFileSync(path.join(tmp, 'secret.txt'), 'not served')
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

async function code(p: Promise<unknown>): Promise<string | null> {
  return p.then(
    () => null,
    (e: unknown) => (e instanceof EngineError ? e.code : 'not an EngineError'),
  )
}

describe('EvaluationFiles', () => {
  it('lists the output files that exist, with resource URLs that read back their bytes and type', async () => {
    const files = new EvaluationFiles()
    const list = await files.list(tmp)
    expect(list.map((f) => [f.name, f.bytes])).toEqual([
      ['report.html', 28],
      ['summary.json', 12],
    ])
    expect(list[0].path).toBe(path.join(tmp, 'report.html'))
    expect(list[0].url).toMatch(/^res\/evaluation\/[0-9a-f]{16}\/report\.html$/)
    expect(files.handles(list[0].url)).toBe(true)
    const { bytes, contentType } = await files.read(list[1].url)
    expect(new TextDecoder().decode(bytes)).toBe('{"slices":3}')
    expect(contentType).toBe('application/json; charset=utf-8')
    expect((await files.read(list[0].url)).contentType).toBe('text/html; charset=utf-8')
  })

  it('serves only the fixed names of folders that were read', async () => {
    const files = new EvaluationFiles()
    const [first] = await files.list(tmp)
    const id = first.url.split('/')[2]
    expect(await code(files.read(`res/evaluation/${id}/secret.txt`))).toBe('E_IO')
    expect(await code(files.read(`res/evaluation/${id}/constructor`))).toBe('E_IO')
    expect(await code(files.read(`res/evaluation/${id}/slices.csv`))).toBe('E_IO') // listed name, missing file
    expect(await code(files.read(`res/evaluation/${id}/report.html/x`))).toBe('E_IO')
    expect(await code(new EvaluationFiles().read(first.url))).toBe('E_IO') // another registry never read the folder
  })
})
