/**
 * The engine service in process (EngineService, the implementation behind `tilelab serve` and the desktop app), on
 * small synthetic studies with a tiny untrained U-Net: the contract the viewer relies on, checked in seconds
 * (the browser end-to-end tests check it again through HTTP, slower).
 * - predictions stream current slice first, then outward, each slice fetchable at its URL with its metrics;
 * - a new request for the same study and mode (a new tiling) cancels the running job;
 * - closing a study cancels only that study's predictions;
 * - with read roots (the web host), a study whose files lead outside them cannot be opened or listed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { JobEnd, JobProgress } from '../../src-main/common/api'
import type { PredictionEvent } from '../../src-main/common/events'
import { EngineService } from '../../src-main/engine/service/engineService'
import { writeSyntheticStudy } from '../e2e/syntheticStudy'
import { saveTinyUnet } from '../helpers/tinyModel'

const DIMS: [number, number, number] = [64, 64, 24]
/** A slow tiling (169 tiles of 16 px per slice): its job is still running when the next request comes. */
const SLOW = { tile: 16, overlap: 0.75, blend: 'mean' } as const

let tmp: string
let service: EngineService
const progress: JobProgress[] = []
const ends: JobEnd[] = []

const slices = (jobId: string) =>
  progress.filter((p) => p.jobId === jobId && p.event?.type === 'slice').map((p) => p.event as PredictionEvent)
const endOf = async (jobId: string, timeoutMs = 60_000): Promise<JobEnd> => {
  const until = Date.now() + timeoutMs
  for (;;) {
    const e = ends.find((x) => x.jobId === jobId)
    if (e) return e
    if (Date.now() > until) throw new Error(`job ${jobId} did not end within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

beforeAll(async () => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'tilelab-service-')))
  const data = path.join(tmp, 'data')
  await writeSyntheticStudy(data, 'Case_001', DIMS)
  await writeSyntheticStudy(data, 'Case_002', DIMS)
  const outside = await writeSyntheticStudy(path.join(tmp, 'outside'), 'Secret_001', DIMS)
  mkdirSync(path.join(data, 'Linked_001'))
  symlinkSync(outside.flairPath, path.join(data, 'Linked_001', 'Linked_001_flair.nii.gz'))
  await saveTinyUnet(path.join(tmp, 'home', 'models', 'tiny'), { baseFilters: 2, depth: 2 }, 3)
  service = new EngineService({
    host: 'cli',
    version: 'test',
    dataRoot: data,
    bundledModelDirs: [],
    workDir: path.join(tmp, 'home'),
    sampleStudy: null,
    engine: 'tfjs',
    readRoots: [data],
  })
  service.on('onDidJobProgress', (p) => progress.push(p))
  service.on('onDidJobEnd', (e) => ends.push(e))
})

afterAll(async () => {
  await service?.dispose()
  rmSync(tmp, { recursive: true, force: true })
})

describe('EngineService predictions', () => {
  it('streams every slice, the requested one first then outward, each fetchable with its metrics', async () => {
    const study = await service.openStudy({ path: path.join(tmp, 'data', 'Case_001') })
    const { jobId, predictionId } = await service.startPrediction({ studyId: study.studyId, modelId: 'tiny', mode: 'full', firstSlice: 5 })
    expect((await endOf(jobId)).outcome).toBe('ok')
    const events = slices(jobId)
    expect(events.slice(0, 7).map((e) => e.z)).toEqual([5, 6, 4, 7, 3, 8, 2])
    expect(events.map((e) => e.z).sort((x, y) => x - y)).toEqual([...Array(DIMS[2]).keys()])
    for (const e of events) {
      expect(e).toMatchObject({ predictionId, mode: 'full', forwardPasses: 1, url: `res/prediction/${predictionId}/${e.z}.f32` })
      expect(e.metrics!.tumorPixels).toBe(study.tumorPixelsPerSlice[e.z])
      const { bytes, contentType } = await service.readResource(e.url)
      expect(contentType).toBe('application/octet-stream')
      expect(bytes.byteLength).toBe(DIMS[0] * DIMS[1] * 4)
    }
    // Asked again: replayed at once from the kept result, the same prediction id.
    const again = await service.startPrediction({ studyId: study.studyId, modelId: 'tiny', mode: 'full', firstSlice: 5 })
    expect(again.predictionId).toBe(predictionId)
    expect((await endOf(again.jobId)).outcome).toBe('ok')
    expect(slices(again.jobId)).toHaveLength(DIMS[2])
  })

  it('a new tiling for the same study cancels the running tiled job', async () => {
    const study = await service.openStudy({ path: path.join(tmp, 'data', 'Case_001') })
    const first = await service.startPrediction({
      studyId: study.studyId, modelId: 'tiny', mode: 'tiled', tiling: SLOW,
    })
    const second = await service.startPrediction({
      studyId: study.studyId, modelId: 'tiny', mode: 'tiled', tiling: { tile: 32, overlap: 0.5, blend: 'gaussian' },
    })
    expect(second.predictionId).not.toBe(first.predictionId)
    expect((await endOf(first.jobId)).outcome).toBe('cancelled')
    expect(slices(first.jobId).length).toBeLessThan(DIMS[2])
    expect((await endOf(second.jobId)).outcome).toBe('ok')
    expect(slices(second.jobId).map((e) => e.forwardPasses)).toEqual(new Array(DIMS[2]).fill(9))
  })

  it('closing a study cancels its predictions only', async () => {
    const a = await service.openStudy({ path: path.join(tmp, 'data', 'Case_001') })
    const b = await service.openStudy({ path: path.join(tmp, 'data', 'Case_002') })
    const jobA = await service.startPrediction({ studyId: a.studyId, modelId: 'tiny', mode: 'tiled', tiling: SLOW })
    const jobB = await service.startPrediction({ studyId: b.studyId, modelId: 'tiny', mode: 'tiled', tiling: { tile: 16, overlap: 0.25, blend: 'mean' } })
    await service.closeStudy({ studyId: a.studyId })
    expect((await endOf(jobA.jobId)).outcome).toBe('cancelled')
    expect((await endOf(jobB.jobId)).outcome).toBe('ok')
    await expect(service.startPrediction({ studyId: a.studyId, modelId: 'tiny', mode: 'full' })).rejects.toMatchObject({ code: 'E_ARGS' })
  })
})

describe('EngineService read roots', () => {
  it('refuses a study whose FLAIR is a symlink out of the roots, and leaves it out of the listing', async () => {
    await expect(service.openStudy({ path: path.join(tmp, 'data', 'Linked_001') })).rejects.toMatchObject({ code: 'E_ACCESS' })
    expect((await service.listStudies({})).map((s) => s.name)).toEqual(['Case_001', 'Case_002'])
    const inspected = await service.inspectCohort({ path: path.join(tmp, 'data') })
    expect(inspected.failed.map((f) => path.basename(f.study))).toEqual(['Linked_001'])
  })
})
