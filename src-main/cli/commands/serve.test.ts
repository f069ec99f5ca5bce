import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { TileLabService } from '../../common/api'
import type { WebHost } from '../../web/webHost'
import { startServe } from './serve'

let tmp: string
let host: WebHost
const lines: string[] = []
const opened: unknown[] = []

beforeAll(async () => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'tilelab-serve-')))
  for (const d of ['data', 'sample', 'other', 'build']) mkdirSync(path.join(tmp, d))
  writeFileSync(path.join(tmp, 'build', 'index.html'), '<!doctype html>')
  // A small in-test service: only what `serve` and these requests touch.
  const service = {
    getAppInfo: async () => ({ sampleStudy: path.join(tmp, 'sample'), dataRoot: path.join(tmp, 'data') }),
    openStudy: async (r: unknown) => (opened.push(r), { studyId: 's' }),
    on: () => () => undefined,
  } as unknown as TileLabService
  host = await startServe(service, { dataRoot: path.join(tmp, 'data'), staticDir: path.join(tmp, 'build') }, (l) =>
    lines.push(l),
  )
})

afterAll(async () => {
  await host?.close()
  rmSync(tmp, { recursive: true, force: true })
})

describe('tilelab serve', () => {
  it('prints the full URL with the token as its first line', () => {
    expect(lines[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}\n$/)
    expect(lines[0]).toBe(`${host.url}\n`)
  })

  it('lets the sample study be opened from outside --data, and nothing else outside', async () => {
    const call = (p: string) =>
      fetch(`${host.origin}/api/openStudy`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-tilelab-token': host.token },
        body: JSON.stringify({ path: p }),
      })
    expect((await call(path.join(tmp, 'sample'))).status).toBe(200)
    expect((await call(path.join(tmp, 'other'))).status).toBe(403)
    expect(opened).toEqual([{ path: path.join(tmp, 'sample') }])
  })
})
