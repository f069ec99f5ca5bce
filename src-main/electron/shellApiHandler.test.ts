import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { AppInfo, ModelSummary, StudyInfo, TileLabService } from '../common/api'
import { EngineError } from '../common/errors'
import { createAccessGrants, type AccessGrants } from './accessGrants'
import { isTrustedSenderUrl } from './requestPolicy'
import { openSettingsStore, type SettingsStore } from './settingsStore'
import { createPickAndGrant, createShellApiHandler, type ShellApiHandler } from './shellApiHandler'

const APP = 'tilelab://app/index.html'
let tmp: string
let study: string
let other: string
let sample: string
let outDir: string

const model = (id: string): ModelSummary =>
  ({ id, name: id, dir: `/m/${id}`, bundled: false, hasOnnx: false, card: {} as ModelSummary['card'] }) as ModelSummary

/** A fake service: records what reaches it (after validation and the guard), answers minimal values. */
function fakeService() {
  const calls: { method: string; request: unknown }[] = []
  const record = (method: string) => async (request: unknown) => {
    calls.push({ method, request })
    if (method === 'getAppInfo') return { host: 'electron', defaultModelId: 'default', sampleStudy: sample } as AppInfo
    if (method === 'listModels') return [model('default'), model('mine')]
    if (method === 'openStudy') return { studyId: 's1', path: (request as { path: string }).path } as StudyInfo
    if (method === 'startPrediction') return { jobId: 'j1', predictionId: 'p1' }
    if (method === 'closeStudy') throw new EngineError('E_ARGS', 'closeStudy: unknown study s9')
    return null
  }
  const service = new Proxy({} as TileLabService, {
    get: (_t, prop) => (prop === 'on' ? () => () => undefined : record(String(prop))),
  })
  return { service, calls }
}

beforeAll(() => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'tilelab-shellapi-')))
  study = path.join(tmp, 'BraTS_001')
  other = path.join(tmp, 'other')
  sample = path.join(tmp, 'sample')
  outDir = path.join(tmp, 'out')
  for (const d of [study, other, sample, outDir]) mkdirSync(d)
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

async function setup(dialogAnswer: string | null = study) {
  const grants: AccessGrants = await createAccessGrants({ readOnlyRoots: [sample] })
  const settings: SettingsStore = await openSettingsStore(path.join(tmp, `settings-${Math.random()}.json`))
  const fake = fakeService()
  const dialogs: string[] = []
  let rebuilt = 0
  const handle: ShellApiHandler = createShellApiHandler({
    engine: Promise.resolve({ service: fake.service }),
    grants,
    settings,
    pickAndGrant: createPickAndGrant(async (kind, title) => {
      dialogs.push(`${kind}:${title ?? ''}`)
      return dialogAnswer
    }, grants),
    isTrustedSender: (url) => isTrustedSenderUrl(url),
    onRecentChanged: () => rebuilt++,
  })
  return { handle, grants, settings, fake, dialogs, rebuilt: () => rebuilt }
}

describe('the tilelab:api handler of the desktop app', () => {
  it('refuses calls from any page but the app (E_ACCESS) before anything reaches the service', async () => {
    const s = await setup()
    for (const url of ['https://example.org/', 'file:///x/index.html', undefined]) {
      const reply = await s.handle(url, 'getAppInfo', {})
      expect(reply).toMatchObject({ ok: false, error: { code: 'E_ACCESS' } })
    }
    expect(s.fake.calls).toEqual([])
  })

  it('validates with the zod schemas: unknown methods and bad requests are E_ARGS', async () => {
    const s = await setup()
    expect(await s.handle(APP, 'readFile', { path: '/etc/passwd' })).toMatchObject({ ok: false, error: { code: 'E_ARGS' } })
    expect(await s.handle(APP, 'openStudy', { path: study, extra: 1 })).toMatchObject({ ok: false, error: { code: 'E_ARGS' } })
    expect(await s.handle(APP, 'pickPath', { kind: 'anything' })).toMatchObject({ ok: false, error: { code: 'E_ARGS' } })
    expect(await s.handle(APP, '__proto__', {})).toMatchObject({ ok: false, error: { code: 'E_ARGS' } })
    expect(s.fake.calls).toEqual([])
  })

  it('refuses paths the user did not pick (E_ACCESS) and allows them once picked with pickPath', async () => {
    const s = await setup()
    expect(await s.handle(APP, 'openStudy', { path: study })).toMatchObject({ ok: false, error: { code: 'E_ACCESS' } })
    expect(await s.handle(APP, 'pickPath', { kind: 'study', title: 'Open study' })).toEqual({ ok: true, value: study })
    expect(s.dialogs).toEqual(['study:Open study'])
    expect(await s.handle(APP, 'openStudy', { path: study })).toMatchObject({ ok: true, value: { studyId: 's1' } })
    expect(await s.handle(APP, 'openStudy', { path: other })).toMatchObject({ ok: false, error: { code: 'E_ACCESS' } })
    expect(s.fake.calls.map((c) => c.method)).toEqual(['openStudy'])
  })

  it('a cancelled dialog answers null and grants nothing', async () => {
    const s = await setup(null)
    expect(await s.handle(APP, 'pickPath', { kind: 'folder' })).toEqual({ ok: true, value: null })
    expect(s.grants.list().filter((g) => g.source === 'picked')).toEqual([])
  })

  it('a folder picked for output may be written; a study picked may not', async () => {
    const s = await setup(outDir)
    await s.handle(APP, 'pickPath', { kind: 'folder' })
    await s.grants.grant(study, 'read')
    const ok = await s.handle(APP, 'startEvaluation', { data: study, modelId: 'default', out: path.join(outDir, 'e1') })
    expect(ok.ok).toBe(true)
    const bad = await s.handle(APP, 'startEvaluation', { data: study, modelId: 'default', out: path.join(study, 'e1') })
    expect(bad).toMatchObject({ ok: false, error: { code: 'E_ACCESS' } })
  })

  it('an opened study joins the recent list (not the bundled sample), and the menu is rebuilt once', async () => {
    const s = await setup()
    await s.handle(APP, 'pickPath', { kind: 'study' })
    await s.handle(APP, 'openStudy', { path: study })
    await s.handle(APP, 'openStudy', { path: study })
    await s.handle(APP, 'openStudy', { path: sample })
    expect(s.settings.get().recentStudies).toEqual([study])
    expect(s.rebuilt()).toBe(1)
  })

  it('remembers the model of the last prediction and offers it as the default while the service lists it', async () => {
    const s = await setup()
    expect(await s.handle(APP, 'getAppInfo', {})).toMatchObject({ ok: true, value: { defaultModelId: 'default' } })
    await s.handle(APP, 'startPrediction', { studyId: 's1', modelId: 'mine', mode: 'full', firstSlice: 70 })
    expect(s.settings.get().lastModelId).toBe('mine')
    expect(await s.handle(APP, 'getAppInfo', {})).toMatchObject({ ok: true, value: { defaultModelId: 'mine' } })
    await s.settings.update((c) => ({ ...c, lastModelId: 'deleted-model' }))
    expect(await s.handle(APP, 'getAppInfo', {})).toMatchObject({ ok: true, value: { defaultModelId: 'default' } })
  })

  it("passes the service's EngineError codes through; without a service every call is E_WORKER", async () => {
    const s = await setup()
    expect(await s.handle(APP, 'closeStudy', { studyId: 's9' })).toEqual({
      ok: false,
      error: { name: 'EngineError', code: 'E_ARGS', message: 'closeStudy: unknown study s9' },
    })
    const none = createShellApiHandler({
      engine: { service: null, error: 'worker crashed' },
      grants: s.grants,
      settings: s.settings,
      pickAndGrant: async () => null,
      isTrustedSender: () => true,
    })
    expect(await none(APP, 'getAppInfo', {})).toEqual({
      ok: false,
      error: { name: 'EngineError', code: 'E_WORKER', message: 'the engine did not start: worker crashed' },
    })
    // The native dialog needs no engine.
    expect(await none(APP, 'pickPath', { kind: 'folder' })).toEqual({ ok: true, value: null })
  })
})
