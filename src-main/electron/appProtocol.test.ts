import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { APP_ENTRY_URL, createAppProtocolHandler, resolveRendererFile } from './appProtocol'
import { contentSecurityPolicy } from '../common/contentSecurityPolicy'
import { EngineError } from '../common/errors'
import type { ResourceBytes } from '../common/api'

let tmp: string
let root: string

beforeAll(() => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'tilelab-proto-')))
  root = path.join(tmp, 'out', 'renderer')
  mkdirSync(path.join(root, 'assets'), { recursive: true })
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>TileLab</title>')
  writeFileSync(path.join(root, 'assets', 'index-abc.js'), 'export {}')
  writeFileSync(path.join(root, 'assets', 'a b.css'), 'body{}')
  writeFileSync(path.join(tmp, 'out', 'secret.txt'), 'secret')
  symlinkSync(path.join(tmp, 'out', 'secret.txt'), path.join(root, 'assets', 'link.txt'))
})

afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('resolveRendererFile: no escape from out/renderer', () => {
  it('maps / to index.html and asset paths to files inside the build', async () => {
    expect(await resolveRendererFile(root, '/')).toBe(path.join(root, 'index.html'))
    expect(await resolveRendererFile(root, '/index.html')).toBe(path.join(root, 'index.html'))
    expect(await resolveRendererFile(root, '/assets/index-abc.js')).toBe(path.join(root, 'assets', 'index-abc.js'))
    expect(await resolveRendererFile(root, '/assets/a%20b.css')).toBe(path.join(root, 'assets', 'a b.css'))
  })

  it("refuses '..' (plain or percent-encoded), backslashes, NUL, symlinks out, folders and missing files", async () => {
    for (const p of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/%2E%2E%2F%2E%2E%2Fsecret.txt',
      '/..%5csecret.txt',
      '/assets\\..\\..\\secret.txt',
      '/index.html%00.js',
      '/assets/link.txt',
      '/assets',
      '/nope.js',
      '/%E0%A4%A',
    ])
      expect(await resolveRendererFile(root, p), p).toBeNull()
  })
})

describe('the tilelab:// handler', () => {
  const resources = new Map<string, ResourceBytes>([
    ['res/study/s1/image.nii', { bytes: new Uint8Array([1, 2, 3, 4]), contentType: 'application/octet-stream' }],
  ])
  const service = {
    readResource: async (url: string): Promise<ResourceBytes> => {
      const r = resources.get(url)
      if (!r) throw new EngineError('E_IO', `${url}: no such resource`)
      return r
    },
  }
  const handler = () => createAppProtocolHandler({ rendererDir: root, service })
  const get = (url: string, method = 'GET') => handler()(new Request(url, { method }))

  it('serves the page with the CSP header, nosniff and its MIME type', async () => {
    const res = await get(APP_ENTRY_URL)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(res.headers.get('content-security-policy')).toBe(contentSecurityPolicy({ electron: true }))
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await res.text()).toContain('<title>TileLab</title>')
    const js = await get('tilelab://app/assets/index-abc.js')
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
  })

  it('serves resource bytes raw: octet-stream, no Content-Encoding, no-store, with the CSP', async () => {
    const res = await get('tilelab://app/res/study/s1/image.nii')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/octet-stream')
    expect(res.headers.get('content-encoding')).toBeNull()
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('content-security-policy')).toBe(contentSecurityPolicy({ electron: true }))
    expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([1, 2, 3, 4])
    const head = await get('tilelab://app/res/study/s1/image.nii', 'HEAD')
    expect(head.headers.get('content-length')).toBe('4')
  })

  it('answers 404 with the error for an unknown resource, 403 for another host, 405 for POST, 404 outside the build', async () => {
    const missing = await get('tilelab://app/res/study/nope')
    expect(missing.status).toBe(404)
    expect(await missing.json()).toEqual({ name: 'EngineError', code: 'E_IO', message: 'res/study/nope: no such resource' })
    expect((await get('tilelab://evil/index.html')).status).toBe(403)
    expect((await get('tilelab://app/index.html', 'POST')).status).toBe(405)
    expect((await get('tilelab://app/%2e%2e/secret.txt')).status).toBe(404)
    // The URL parser already drops '..' segments (plain or %2e%2e); an encoded slash still cannot smuggle one.
    expect((await get('tilelab://app/res/%2e%2e/x')).status).toBe(404)
    expect((await get('tilelab://app/res/a%2F..%2F..%2Fb')).status).toBe(403)
    expect(missing.headers.get('content-security-policy')).toBeTruthy()
  })

  it('resource requests made while the engine starts wait for it', async () => {
    let up: (s: typeof service) => void = () => undefined
    const h = createAppProtocolHandler({ rendererDir: root, service: new Promise((r) => (up = r)) })
    const pending = h(new Request('tilelab://app/res/study/s1/image.nii'))
    expect((await h(new Request(APP_ENTRY_URL))).status).toBe(200) // the page does not wait
    up(service)
    expect([...new Uint8Array(await (await pending).arrayBuffer())]).toEqual([1, 2, 3, 4])
  })

  it('answers 503 for resources while the engine is not running, and still serves the page', async () => {
    const h = createAppProtocolHandler({ rendererDir: root, service: null })
    expect((await h(new Request('tilelab://app/res/x'))).status).toBe(503)
    expect((await h(new Request(APP_ENTRY_URL))).status).toBe(200)
  })
})
