import { describe, expect, it } from 'vitest'
import { devServerOrigin, isAllowedRequestUrl, isAppUrl, isTrustedSenderUrl } from './requestPolicy'

const dev = { devServerOrigin: 'http://localhost:5173' }

describe('requests the app lets its pages make', () => {
  it('packaged: only tilelab://app, its blobs and data: URLs', () => {
    for (const url of ['tilelab://app/index.html', 'tilelab://app/res/study/1/image.nii', 'blob:tilelab://app/6f1c', 'data:image/png;base64,AA=='])
      expect(isAllowedRequestUrl(url), url).toBe(true)
    for (const url of [
      'https://example.org/x.js',
      'http://localhost:5173/',
      'http://127.0.0.1:8080/api',
      'ws://localhost:5173/',
      'file:///etc/passwd',
      'tilelab://other/index.html',
      'devtools://devtools/bundled/inspector.html',
      'blob:https://example.org/6f1c',
      'chrome://gpu',
      'not a url',
    ])
      expect(isAllowedRequestUrl(url), url).toBe(false)
  })

  it('development: the dev server (page and HMR socket) and devtools too, nothing else', () => {
    for (const url of ['http://localhost:5173/src/main.ts', 'ws://localhost:5173/', 'blob:http://localhost:5173/ab', 'devtools://devtools/x'])
      expect(isAllowedRequestUrl(url, dev), url).toBe(true)
    for (const url of ['http://localhost:5174/', 'http://127.0.0.1:5173/', 'https://localhost:5173/', 'https://cdn.example.org/a.js'])
      expect(isAllowedRequestUrl(url, dev), url).toBe(false)
  })
})

describe('IPC sender check', () => {
  it('trusts only the app page (and the dev server page in development)', () => {
    expect(isTrustedSenderUrl('tilelab://app/index.html')).toBe(true)
    expect(isTrustedSenderUrl('tilelab://app/index.html#study=%2Fdata')).toBe(true)
    expect(isTrustedSenderUrl('tilelab://evil/index.html')).toBe(false)
    expect(isTrustedSenderUrl('https://example.org/')).toBe(false)
    expect(isTrustedSenderUrl('file:///work/out/renderer/index.html')).toBe(false)
    expect(isTrustedSenderUrl('http://localhost:5173/')).toBe(false)
    expect(isTrustedSenderUrl('http://localhost:5173/', dev)).toBe(true)
    expect(isTrustedSenderUrl('ws://localhost:5173/', dev)).toBe(false)
    expect(isTrustedSenderUrl(undefined)).toBe(false)
    expect(isTrustedSenderUrl('')).toBe(false)
    expect(isAppUrl('tilelab://app/')).toBe(true)
  })

  it('takes the dev server from ELECTRON_RENDERER_URL only unpackaged and only on loopback', () => {
    expect(devServerOrigin({ ELECTRON_RENDERER_URL: 'http://localhost:5173' }, false)).toBe('http://localhost:5173')
    expect(devServerOrigin({ ELECTRON_RENDERER_URL: 'http://localhost:5173' }, true)).toBeNull()
    expect(devServerOrigin({ ELECTRON_RENDERER_URL: 'http://evil.example.org:5173' }, false)).toBeNull()
    expect(devServerOrigin({ ELECTRON_RENDERER_URL: 'file:///tmp/x' }, false)).toBeNull()
    expect(devServerOrigin({}, false)).toBeNull()
  })
})
