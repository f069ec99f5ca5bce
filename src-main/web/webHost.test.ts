import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import type { ApiEvents, JobProgress, TileLabService } from '../common/api'
import { EngineError } from '../common/errors'
import { startWebHost, type WebHost } from './webHost'

/** A small in-test service: records the requests it receives; knows one resource and one study. */
function createInTestService() {
  const calls: { method: string; request: unknown }[] = []
  const listeners = new Map<string, Set<(p: unknown) => void>>()
  const niftiBytes = new Uint8Array(352 + 8).fill(7)
  const methods: Record<string, (r: unknown) => Promise<unknown>> = {
    getAppInfo: async () => ({ version: 'test', host: 'web' }),
    openStudy: async (r) => ({ studyId: 's1', path: (r as { path: string }).path }),
    listStudies: async () => {
      throw new EngineError('E_STUDY', 'no studies under the folder')
    },
  }
  const service = new Proxy({} as TileLabService, {
    get(_t, prop) {
      if (prop === 'on')
        return (event: string, l: (p: unknown) => void) => {
          const set = listeners.get(event) ?? new Set()
          set.add(l)
          listeners.set(event, set)
          return () => set.delete(l)
        }
      if (prop === 'readResource')
        return async (url: string) => {
          if (url === 'res/studies/s1/image.nii') return { bytes: niftiBytes, contentType: 'application/octet-stream' }
          throw new EngineError('E_IO', `${url}: no such resource`)
        }
      if (typeof prop !== 'string') return undefined
      return async (request: unknown) => {
        calls.push({ method: prop, request })
        const fn = methods[prop]
        return fn ? fn(request) : null
      }
    },
  })
  const emit = <E extends keyof ApiEvents>(event: E, payload: ApiEvents[E]) =>
    listeners.get(event)?.forEach((l) => l(payload))
  return { service, calls, emit, niftiBytes }
}

let tmp: string
let data: string
let outside: string
let host: WebHost
let fake: ReturnType<typeof createInTestService>

const api = (method: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${host.origin}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tilelab-token': host.token, ...headers },
    body: JSON.stringify(body),
  })

const errorOf = async (r: Response) => (await r.json()) as { name: string; code: string; message: string }

beforeAll(async () => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'tilelab-web-')))
  data = path.join(tmp, 'data')
  outside = path.join(tmp, 'outside')
  const build = path.join(tmp, 'build')
  for (const d of [data, outside, build, path.join(build, 'assets'), path.join(data, 'case1')]) mkdirSync(d)
  writeFileSync(path.join(build, 'index.html'), '<!doctype html><title>TileLab</title>')
  writeFileSync(path.join(build, 'assets', 'app.js'), 'console.log(1)')
  writeFileSync(path.join(outside, 'secret.txt'), 'secret')
  symlinkSync(outside, path.join(data, 'escape'))
  symlinkSync(path.join(outside, 'secret.txt'), path.join(build, 'assets', 'leak.js'))
  fake = createInTestService()
  host = await startWebHost({ service: fake.service, staticDir: build, dataRoot: data })
})

afterAll(async () => {
  await host?.close()
  rmSync(tmp, { recursive: true, force: true })
})

describe('startWebHost: token', () => {
  it('binds 127.0.0.1 and prints the full URL with the token', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/)
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`)
  })

  it('refuses every route without the token (401) and with a wrong one (403)', async () => {
    for (const p of ['/', '/assets/app.js', '/res/studies/s1/image.nii', '/api/events']) {
      const r = await fetch(host.origin + p)
      expect(r.status, p).toBe(401)
      expect((await errorOf(r)).code).toBe('E_ACCESS')
    }
    expect((await fetch(`${host.origin}/api/getAppInfo`, { method: 'POST' })).status).toBe(401)
    expect((await fetch(`${host.origin}/?token=nope`)).status).toBe(403)
    expect((await api('getAppInfo', {}, { 'x-tilelab-token': 'x'.repeat(43) })).status).toBe(403)
    const cookie = `tilelab_token_${host.port}=${'y'.repeat(43)}`
    expect((await fetch(`${host.origin}/`, { headers: { cookie } })).status).toBe(403)
  })

  it('trades the token in the page URL for an HttpOnly SameSite cookie, then serves the page with a CSP', async () => {
    const r = await fetch(host.url, { redirect: 'manual' })
    expect(r.status).toBe(303)
    expect(r.headers.get('location')).toBe('/')
    const setCookie = r.headers.get('set-cookie') ?? ''
    expect(setCookie).toMatch(new RegExp(`^tilelab_token_${host.port}=${host.token};`))
    expect(setCookie).toMatch(/HttpOnly/)
    expect(setCookie).toMatch(/SameSite=Strict/)
    const cookie = setCookie.split(';')[0]
    const page = await fetch(`${host.origin}/`, { headers: { cookie } })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<title>TileLab</title>')
    const csp = page.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toContain('unsafe-eval')
    expect((await fetch(`${host.origin}/assets/app.js`, { headers: { cookie } })).status).toBe(200)
  })

  it('refuses a foreign Host header (DNS rebinding) and a foreign Origin on API calls', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: host.port, path: '/', headers: { host: 'evil.example', 'x-tilelab-token': host.token } },
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        },
      )
      req.on('error', reject)
      req.end()
    })
    expect(status).toBe(421)
    expect((await api('getAppInfo', {}, { origin: 'http://evil.example' })).status).toBe(403)
  })
})

describe('startWebHost: API', () => {
  it('answers an allowlisted method with its JSON value', async () => {
    const r = await api('getAppInfo', {})
    expect(r.status).toBe(200)
    expect(await r.json()).toEqual({ version: 'test', host: 'web' })
  })

  it('answers unknown methods with 404 and {name, code, message}', async () => {
    const r = await api('readFileSync', { path: '/etc/passwd' })
    expect(r.status).toBe(404)
    expect(await r.json()).toEqual({ name: 'EngineError', code: 'E_ARGS', message: "unknown API method 'readFileSync'" })
  })

  it('validates requests with the method schema before the service sees them', async () => {
    const before = fake.calls.length
    const r1 = await api('openStudy', { path: 'case1', extra: 1 })
    expect(r1.status).toBe(400)
    expect((await errorOf(r1)).code).toBe('E_ARGS')
    const r2 = await api('startPrediction', { studyId: 's1', modelId: 'm', mode: 'sideways' })
    expect((await errorOf(r2)).message).toMatch(/startPrediction: invalid request: mode/)
    const r3 = await fetch(`${host.origin}/api/getAppInfo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tilelab-token': host.token },
      body: '{not json',
    })
    expect(r3.status).toBe(400)
    const r4 = await fetch(`${host.origin}/api/getAppInfo`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-tilelab-token': host.token },
      body: '{}',
    })
    expect(r4.status).toBe(415)
    expect(fake.calls.length).toBe(before)
  })

  it('reads only under --data: refuses .., absolute paths outside and symlinks out', async () => {
    const before = fake.calls.length
    for (const p of ['../outside', 'case1/../../outside', path.join(outside, 'secret.txt'), 'escape', 'escape/secret.txt']) {
      const r = await api('openStudy', { path: p })
      expect(r.status, p).toBe(403)
      expect((await errorOf(r)).code, p).toBe('E_ACCESS')
    }
    expect((await api('browse', { path: '/etc' })).status).toBe(403)
    expect(fake.calls.length).toBe(before)
    const ok = await api('openStudy', { path: 'case1' })
    expect(ok.status).toBe(200)
    expect(fake.calls.at(-1)).toEqual({ method: 'openStudy', request: { path: path.join(data, 'case1') } })
  })

  it('sends service errors as {name, code, message}', async () => {
    const r = await api('listStudies', {})
    expect(r.status).toBe(422)
    expect(await r.json()).toEqual({ name: 'EngineError', code: 'E_STUDY', message: 'no studies under the folder' })
  })

  it('answers pickPath with null (no native dialogs over HTTP)', async () => {
    expect(await (await api('pickPath', { kind: 'study' })).json()).toBeNull()
  })
})

describe('startWebHost: resources and static files', () => {
  it('serves resource bytes as octet-stream without Content-Encoding', async () => {
    const r = await fetch(`${host.origin}/res/studies/s1/image.nii`, { headers: { 'x-tilelab-token': host.token } })
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('application/octet-stream')
    expect(r.headers.get('content-encoding')).toBeNull()
    expect(new Uint8Array(await r.arrayBuffer())).toEqual(fake.niftiBytes)
    const missing = await fetch(`${host.origin}/res/studies/s2/image.nii`, { headers: { 'x-tilelab-token': host.token } })
    expect(missing.status).toBe(404)
  })

  it('does not serve files outside the build folder', async () => {
    const h = { 'x-tilelab-token': host.token }
    expect((await fetch(`${host.origin}/assets/leak.js`, { headers: h })).status).toBe(404)
    expect((await fetch(`${host.origin}/..%2f..%2foutside/secret.txt`, { headers: h })).status).toBe(404)
    expect((await fetch(`${host.origin}/res/..%2f..%2fsecret`, { headers: h })).status).toBe(403)
  })
})

describe('startWebHost: events', () => {
  it('streams job events as Server-Sent Events', async () => {
    const controller = new AbortController()
    const r = await fetch(`${host.origin}/api/events`, {
      headers: { 'x-tilelab-token': host.token },
      signal: controller.signal,
    })
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const reader = r.body!.getReader()
    const decoder = new TextDecoder()
    let text = ''
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read()
        if (done) break
        text += decoder.decode(value)
      }
    }
    await readUntil('event: hello')
    const progress: JobProgress = { jobId: 'j1', kind: 'prediction', phase: 'slices', done: 3, total: 10, elapsedMs: 5, etaMs: 12 }
    fake.emit('onDidJobProgress', progress)
    fake.emit('onDidJobEnd', { jobId: 'j1', kind: 'prediction', outcome: 'ok', elapsedMs: 20 })
    await readUntil('event: onDidJobEnd')
    const blocks = text.split('\n\n').filter((b) => b.startsWith('event: onDid'))
    expect(blocks[0]).toBe(`event: onDidJobProgress\ndata: ${JSON.stringify(progress)}`)
    expect(JSON.parse(blocks[1].split('data: ')[1])).toEqual({ jobId: 'j1', kind: 'prediction', outcome: 'ok', elapsedMs: 20 })
    controller.abort()
  })
})
