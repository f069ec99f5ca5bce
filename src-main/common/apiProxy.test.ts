import { describe, expect, it } from 'vitest'
import type { ApiEvents, JobEnd, TileLabService } from './api'
import { createInProcessChannel } from './apiDispatch'
import { createApiProxy, resolveResourceUrl } from './apiProxy'
import { EngineError } from './errors'

/** In-memory transport: the proxy and the dispatcher talk through createInProcessChannel. */
function fakeService() {
  const seen: unknown[] = []
  const listeners = new Set<(p: JobEnd) => void>()
  const service = {
    getAppInfo: async () => ({ version: '1', host: 'cli' }),
    openStudy: async (r: unknown) => {
      seen.push(r)
      throw new EngineError('E_NIFTI', 'flair.nii: truncated')
    },
    closeStudy: async () => undefined,
    on: (event: keyof ApiEvents, l: (p: JobEnd) => void) => {
      if (event === 'onDidJobEnd') listeners.add(l)
      return () => listeners.delete(l)
    },
    readResource: async () => ({ bytes: new Uint8Array(), contentType: 'application/octet-stream' }),
  } as unknown as TileLabService
  return { service, seen, listeners }
}

describe('createApiProxy over the in-process channel', () => {
  it('returns values and maps undefined to null', async () => {
    const { service } = fakeService()
    const api = createApiProxy(createInProcessChannel(service, 'http://127.0.0.1:1/'))
    expect(await api.getAppInfo({})).toEqual({ version: '1', host: 'cli' })
    expect(await api.closeStudy({ studyId: 's' })).toBeNull()
    expect(api.resourceBase).toBe('http://127.0.0.1:1/')
  })

  it('rethrows service errors as EngineError with their code', async () => {
    const { service } = fakeService()
    const api = createApiProxy(createInProcessChannel(service))
    const err = await api.openStudy({ path: '/x' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(EngineError)
    expect(err).toMatchObject({ code: 'E_NIFTI', message: 'flair.nii: truncated' })
  })

  it('refuses requests the schema rejects, before the service runs', async () => {
    const { service, seen } = fakeService()
    const api = createApiProxy(createInProcessChannel(service))
    const bad = { path: '/x', sneaky: true } as unknown as { path: string }
    await expect(api.openStudy(bad)).rejects.toMatchObject({ code: 'E_ARGS' })
    const unknown = (api as unknown as Record<string, (r: unknown) => Promise<unknown>>).deleteEverything
    await expect(unknown({})).rejects.toMatchObject({ code: 'E_ARGS', message: "unknown API method 'deleteEverything'" })
    expect(seen).toEqual([])
  })

  it('is not a thenable and forwards events', async () => {
    const { service, listeners } = fakeService()
    const api = createApiProxy(createInProcessChannel(service))
    expect((api as unknown as { then?: unknown }).then).toBeUndefined()
    const got: JobEnd[] = []
    const off = api.on('onDidJobEnd', (e) => got.push(e))
    listeners.forEach((l) => l({ jobId: 'j', kind: 'prediction', outcome: 'ok', elapsedMs: 1 }))
    off()
    listeners.forEach((l) => l({ jobId: 'k', kind: 'prediction', outcome: 'ok', elapsedMs: 1 }))
    expect(got.map((e) => e.jobId)).toEqual(['j'])
  })

  it('resolves resource URLs against the base and leaves absolute ones alone', () => {
    expect(resolveResourceUrl({ resourceBase: 'http://127.0.0.1:9/' }, 'res/s/image.nii')).toBe(
      'http://127.0.0.1:9/res/s/image.nii',
    )
    expect(resolveResourceUrl({ resourceBase: 'tilelab://app/' }, 'res/a')).toBe('tilelab://app/res/a')
    expect(resolveResourceUrl({ resourceBase: '' }, 'blob:abc')).toBe('blob:abc')
  })
})
