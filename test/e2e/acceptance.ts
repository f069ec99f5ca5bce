/**
 * The acceptance tests of issue 5 ("Done when"), shared by the specs that run them on a study: against the REAL
 * `tilelab serve` (serveProcess.ts) in headless Chromium, open a study, scroll to the slice with the most tumour,
 * toggle each overlay, change opacity and tiling, and assert on what is shown:
 * - the Dice readout (full and tiled, soft and binary, FP/FN) equals what `tilelab predict --slice k --json` gives
 *   for that slice with the same model, tiling and engine (ONNX Runtime);
 * - the screenshot's pixels inside the ground-truth region differ between an overlay on and off.
 * Screenshots are saved under test/e2e/screenshots/<spec>/ (gitignored).
 *
 * A spec calls `useServedViewer` inside its describe (beforeAll/afterAll), then `acceptanceTests`, then its own
 * extra tests on the same page.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import path from 'node:path'
import type { PNG } from 'pngjs'
import type { AppInfo, JobEnd, ModelSummary, StudyInfo } from '../../src-main/common/api'
import type { PredictionEvent } from '../../src-main/common/events'
import type { Tiling } from '../../src-main/common/types'
import { readNifti } from '../../src-main/engine/io/niftiRead'
import { fmtDice, fmtInt } from '../../src-renderer/src/format'
import {
  ensureRendererBuild, meanDifference, openViewerAt, screenshot, settle, voxelsToPage, waitForPredictions, waitForReady,
  type Harness,
} from './harness'
import {
  listenToEvents, makeServeHome, runPredictCli, startServeProcess, type HostEvent, type PredictedSliceJson,
  type PredictJson, type ServeHome, type ServeProcess,
} from './serveProcess'

/** Time limit of one acceptance test: a CLI prediction plus a model and software WebGL sharing two busy cores. */
export const ACCEPTANCE_TEST_MS = 600_000

/** expect.poll with a timeout that fits software WebGL and a model running on two shared cores. */
export const poll = <T>(fn: () => T | Promise<T>, timeout = 120_000) => expect.poll(fn, { timeout, interval: 150 })

export interface ServedViewer {
  spec: string
  home: ServeHome
  serve: ServeProcess
  h: Harness
  /** Every job event the host sent since before the page opened. */
  events: HostEvent[]
  info: AppInfo
  models: ModelSummary[]
  /** The study on screen (what the host's openStudy answered to the page), read back from the host. */
  study: () => Promise<StudyInfo>
}

export interface ServedViewerOptions {
  spec: string
  /** `--data` of `tilelab serve`, or a function that lays it out in the work folder before the host starts. */
  data: string | ((home: ServeHome) => Promise<string>)
  /** Tiny untrained U-Nets put in the work folder: name → [baseFilters, depth, seed]. */
  models: Record<string, [number, number, number]>
  /** `#study=...` (a study path as the host names it); none: the app opens the sample study itself. */
  studyPath?: string
}

/**
 * Starts `tilelab serve` and the browser in beforeAll, stops both in afterAll.
 * @returns A getter of the running viewer (valid inside tests).
 */
export function useServedViewer(options: ServedViewerOptions): () => ServedViewer {
  let viewer: ServedViewer | null = null
  // What was started so far, stopped in afterAll even when beforeAll failed half-way.
  const started: { home?: ServeHome; serve?: ServeProcess; h?: Harness; closeEvents?: () => void } = {}
  beforeAll(async () => {
    await ensureRendererBuild()
    const home = (started.home = await makeServeHome(options.models))
    const data = typeof options.data === 'string' ? options.data : await options.data(home)
    const serve = (started.serve = await startServeProcess(['--data', data], home.env))
    const listener = await listenToEvents(serve)
    started.closeEvents = listener.close
    const [info, models] = await Promise.all([serve.call('getAppInfo', {}), serve.call('listModels', {})])
    const hash = options.studyPath ? `study=${encodeURIComponent(options.studyPath)}` : undefined
    const h = (started.h = await openViewerAt(serve.url, { hash }))
    viewer = {
      spec: options.spec,
      home,
      serve,
      h,
      events: listener.events,
      info,
      models,
      // The page's own StudyInfo (what the host's openStudy answered it), through the page's debug hook.
      study: () => h.page.evaluate(() => (globalThis as unknown as { __tilelab: { study(): StudyInfo } }).__tilelab.study()),
    }
  })
  afterAll(async () => {
    started.closeEvents?.()
    await started.h?.close()
    await started.serve?.stop()
    started.home?.remove()
  })
  return () => {
    if (!viewer) throw new Error('the served viewer did not start (see beforeAll)')
    return viewer
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Reading what is shown

/** The slice events of one mode the host sent, in order, with their job ids. */
export function sliceEvents(v: ServedViewer, mode: 'full' | 'tiled'): { jobId: string; event: PredictionEvent }[] {
  const out: { jobId: string; event: PredictionEvent }[] = []
  for (const e of v.events)
    if (e.name === 'onDidJobProgress' && e.payload.event?.type === 'slice' && (e.payload.event as PredictionEvent).mode === mode)
      out.push({ jobId: e.payload.jobId, event: e.payload.event as PredictionEvent })
  return out
}

/** The end of a job, once the host sent it. */
export function jobEnd(v: ServedViewer, jobId: string): JobEnd | undefined {
  for (const e of v.events) if (e.name === 'onDidJobEnd' && e.payload.jobId === jobId) return e.payload
  return undefined
}

export async function sliceShown(h: Harness): Promise<number> {
  return Number((await h.page.locator('[data-testid="slice-number"]').textContent())!.split('/')[0].trim())
}

export async function shot(v: ServedViewer, name: string): Promise<PNG> {
  await settle(v.h.page, 500)
  return (await screenshot(v.h.page, v.spec, name)).png
}

/** Waits until the readout of (mode) for the slice on screen equals the CLI's values, then checks every cell. */
export async function expectReadout(h: Harness, mode: 'full' | 'tiled', s: PredictedSliceJson): Promise<void> {
  const cell = (id: string) => h.page.locator(`[data-testid="metric-${id}-${mode}"]`)
  const soft = mode === 'full' ? s.diceFull : s.diceTiled
  const binary = mode === 'full' ? s.binaryDiceFull : s.binaryDiceTiled
  const fp = mode === 'full' ? s.falsePositivesFull : s.falsePositivesTiled
  const fn = mode === 'full' ? s.falseNegativesFull : s.falseNegativesTiled
  // Same model, engine and tiling; the service predicts slices in batches, the CLI one slice: float sums may differ
  // in the last bits, never in the displayed digits.
  await poll(async () => Math.abs(Number(await cell('soft').getAttribute('data-value')) - soft!)).toBeLessThan(1e-6)
  expect(await cell('soft').textContent()).toBe(fmtDice(soft))
  expect(await cell('binary').textContent()).toBe(fmtDice(binary))
  if (binary !== null) expect(Math.abs(Number(await cell('binary').getAttribute('data-value')) - binary)).toBeLessThan(1e-6)
  expect(await cell('fp').textContent()).toBe(fmtInt(fp))
  expect(await cell('fn').textContent()).toBe(fmtInt(fn))
}

// ---------------------------------------------------------------------------------------------------------------
// Pixels of a slice

export type Voxel = [number, number]

/** Whole-tumour voxels of a slice `[ny, nx]` (i fastest) on the border and at least `depth` voxels inside. */
export function gtRegion(mask: Uint8Array, nx: number, ny: number, depth = 3): { border: Voxel[]; interior: Voxel[] } {
  const at = (i: number, j: number) => i >= 0 && j >= 0 && i < nx && j < ny && mask[i + nx * j] > 0
  const border: Voxel[] = []
  const interior: Voxel[] = []
  for (let j = 0; j < ny; j++)
    for (let i = 0; i < nx; i++) {
      if (!at(i, j)) continue
      if (!at(i - 1, j) || !at(i + 1, j) || !at(i, j - 1) || !at(i, j + 1)) border.push([i, j])
      else {
        let deep = true
        for (let d = -depth; d <= depth && deep; d++) deep = at(i + d, j) && at(i, j + d)
        if (deep) interior.push([i, j])
      }
    }
  return { border, interior }
}

/** At most `max` evenly spread voxels of a list. */
export function spread(voxels: Voxel[], max = 80): Voxel[] {
  const step = Math.max(1, Math.floor(voxels.length / max))
  return voxels.filter((_, n) => n % step === 0)
}

/** Slice k of a probability map `tilelab predict` wrote (`[ny, nx]`, i fastest). */
export async function probSlice(file: string, k: number): Promise<Float32Array> {
  const vol = await readNifti(file)
  const [nx, ny] = vol.dims
  return vol.data.slice(k * nx * ny, (k + 1) * nx * ny)
}

/** The whole-tumour mask of slice k of a study's label file. */
export async function gtSlice(labelFile: string, k: number): Promise<{ mask: Uint8Array; nx: number; ny: number; perSlice: number[] }> {
  const vol = await readNifti(labelFile)
  const [nx, ny, nz] = vol.dims
  const perSlice = new Array<number>(nz).fill(0)
  for (let n = 0; n < vol.data.length; n++) if (vol.data[n] > 0) perSlice[Math.floor(n / (nx * ny))]++
  const mask = new Uint8Array(nx * ny)
  for (let n = 0; n < mask.length; n++) mask[n] = vol.data[k * nx * ny + n] > 0 ? 1 : 0
  return { mask, nx, ny, perSlice }
}

/** The predict report and slice-k probability maps for the study on screen. */
export async function predictSlice(v: ServedViewer, study: StudyInfo, model: ModelSummary, k: number, tiling: Tiling): Promise<{
  report: PredictJson
  slice: PredictedSliceJson
  full: Float32Array
  tiled: Float32Array
}> {
  const { report, out } = await runPredictCli({ study: study.path, model: model.dir, slice: k, engine: 'onnx', tiling, env: v.home.env })
  expect(report.model.engine).toBe('onnxruntime-cpu')
  expect(report.slices.map((s) => s.slice)).toEqual([k])
  const [full, tiled] = await Promise.all([
    probSlice(path.join(out, report.outputs.full), k),
    probSlice(path.join(out, report.outputs.tiled), k),
  ])
  return { report, slice: report.slices[0], full, tiled }
}

// ---------------------------------------------------------------------------------------------------------------
// The shared acceptance tests

export const PAPER: Tiling = { tile: 128, overlap: 0.5, blend: 'mean' }
/** The tiling the tests switch to: a different tile, overlap and blend than the paper's. */
export const OTHER_TILING: Tiling = { tile: 96, overlap: 0.25, blend: 'gaussian' }

export interface AcceptanceState {
  study: StudyInfo
  model: ModelSummary
  maxK: number
  gt: { mask: Uint8Array; nx: number; ny: number }
  predicted: Awaited<ReturnType<typeof predictSlice>>
}

/**
 * Registers the acceptance tests on the served viewer (which must show a study with a label when they start).
 * @returns A getter of what they established (for the spec's own tests that follow).
 */
export function acceptanceTests(get: () => ServedViewer): () => AcceptanceState {
  let state: AcceptanceState | null = null
  const s = () => state!

  it('shows the study with the default model on ONNX Runtime', async () => {
    const v = get()
    await waitForReady(v.h.page)
    const study = await v.study()
    expect(study.labelUrl).not.toBeNull()
    expect(v.info.inferenceEngine).toBe('onnxruntime-cpu')
    expect(v.info.defaultModelId).not.toBeNull()
    const model = v.models.find((m) => m.id === v.info.defaultModelId)!
    await poll(() => v.h.page.locator('[data-testid="model-name"]').textContent()).toContain(model.name)
    expect(await v.h.page.locator('[data-testid="engine"]').textContent()).toContain('onnxruntime-cpu')
    expect(await v.h.page.locator('[data-testid="study-name"] .name').textContent()).toBe(study.name)
    const label = study.label!
    const maxK = study.maxTumorSlice!
    const gt = await gtSlice(label, maxK)
    // The slice with the most tumour, counted here from the label file (not taken from the host).
    expect(gt.perSlice.indexOf(Math.max(...gt.perSlice))).toBe(maxK)
    const predicted = await predictSlice(v, study, model, maxK, PAPER)
    state = { study, model, maxK, gt, predicted }
  }, ACCEPTANCE_TEST_MS)

  it('scrolls to the slice with the most tumour (slider, wheel, Max tumour)', async () => {
    const { h } = get()
    const { maxK } = s()
    await h.page.locator('[data-testid="slice-slider"]').fill(String(maxK - 12))
    await poll(() => sliceShown(h)).toBe(maxK - 12)
    const box = (await h.page.locator('[data-testid="pane-main"]').boundingBox())!
    await h.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    for (let n = 0; n < 3; n++) await h.page.mouse.wheel(0, -120)
    await poll(async () => Math.abs((await sliceShown(h)) - (maxK - 12))).toBe(3)
    await h.page.locator('[data-testid="max-tumour"]').click()
    await poll(() => sliceShown(h)).toBe(maxK)
    await poll(() => h.page.evaluate(() => (globalThis as any).__tilelab.paneSlices())).toEqual({ main: maxK, side: maxK })
  }, ACCEPTANCE_TEST_MS)

  it('shows the Dice `tilelab predict --json` gives for that slice (paper tiling)', async () => {
    const v = get()
    const { predicted } = s()
    expect(predicted.slice.tumorPixels).toBeGreaterThan(0)
    await expectReadout(v.h, 'full', predicted.slice)
    await expectReadout(v.h, 'tiled', predicted.slice)
    await shot(v, '01-max-tumour-side-by-side')
  }, ACCEPTANCE_TEST_MS)

  it('each overlay toggled off changes the pixels inside the ground truth, and back on restores them', async () => {
    const v = get()
    const { h } = v
    const { gt, predicted } = s()
    const { border, interior } = gtRegion(gt.mask, gt.nx, gt.ny)
    expect(border.length).toBeGreaterThan(10)
    const confident = (p: Float32Array) => spread(interior.filter(([i, j]) => p[i + gt.nx * j] >= 0.5))
    const fullPts = confident(predicted.full)
    const tiledPts = confident(predicted.tiled)
    expect(fullPts.length, 'GT voxels with full-image p ≥ 0.5').toBeGreaterThan(10)
    expect(tiledPts.length, 'GT voxels with tiled p ≥ 0.5').toBeGreaterThan(10)
    const toggle = async (key: string, testid: string, on: boolean) => {
      await h.page.locator('body').press(key)
      await poll(() => h.page.locator(`[data-testid="${testid}"]`).getAttribute('data-on')).toBe(String(on))
    }

    // Pixel comparisons once every slice is in: while a prediction still streams, each texture upload of another
    // slice re-renders the pane and the heat of the slice on screen can shift by a few grey levels.
    await waitForPredictions(h.page, 600_000)
    const opacity = Number(await h.page.locator('[data-testid="opacity-slider"]').inputValue())
    const base = await shot(v, '02-overlays-on')
    // Ground truth outline (G): on its border in both panes, not inside.
    await toggle('g', 'toggle-gt', false)
    const gtOff = await shot(v, '03-gt-off')
    for (const pane of ['main', 'side'] as const) {
      expect(meanDifference(base, gtOff, await voxelsToPage(h.page, pane, spread(border))), `GT border, ${pane}`).toBeGreaterThan(20)
      expect(meanDifference(base, gtOff, await voxelsToPage(h.page, pane, spread(interior))), `GT interior, ${pane}`).toBeLessThan(3)
    }
    await toggle('g', 'toggle-gt', true)
    // Full-image heatmap (F): the main pane, where p ≥ 0.5 inside the ground truth.
    await toggle('f', 'toggle-full', false)
    const fullOff = await shot(v, '04-full-heat-off')
    expect(meanDifference(base, fullOff, await voxelsToPage(h.page, 'main', fullPts))).toBeGreaterThan(15)
    await toggle('f', 'toggle-full', true)
    // Tiled heatmap (T): the side pane.
    await toggle('t', 'toggle-tiled', false)
    const tiledOff = await shot(v, '05-tiled-heat-off')
    expect(meanDifference(base, tiledOff, await voxelsToPage(h.page, 'side', tiledPts))).toBeGreaterThan(15)
    await toggle('t', 'toggle-tiled', true)
    const back = await shot(v, '06-overlays-on-again')
    expect(meanDifference(base, back, await voxelsToPage(h.page, 'main', fullPts))).toBeLessThan(3)

    // 0.5 contours (Shift+F, Shift+T) and the tile grid (B) are vector overlays.
    await h.page.locator('body').press('Shift+F')
    await h.page.locator('body').press('Shift+T')
    await poll(() => h.page.locator('[data-testid="pane-main"] path[data-contour="full"]').getAttribute('d')).toMatch(/^M/)
    await poll(() => h.page.locator('[data-testid="pane-side"] path[data-contour="tiled"]').getAttribute('d')).toMatch(/^M/)
    await h.page.locator('body').press('b')
    await poll(() => h.page.locator('[data-testid="pane-side"] [data-testid="tile-grid"] rect').count())
      .toBe(predicted.report.tiling.tilesPerSlice)
    await shot(v, '07-contours-grid')
    for (const key of ['Shift+F', 'Shift+T', 'b']) await h.page.locator('body').press(key)
    await poll(() => h.page.locator('[data-testid="pane-side"] [data-testid="tile-grid"] rect').count()).toBe(0)

    // Difference map (D, single view, opacity 100 %): where |full − tiled| is largest, with both heatmaps off.
    // Untrained tiny models differ little between full and tiled (|d| of a few tenths at most): judge the voxels
    // with the largest |d|, inside the ground truth when enough of them differ there, else anywhere on the slice.
    const absDiff = ([i, j]: Voxel) => Math.abs(predicted.full[i + gt.nx * j] - predicted.tiled[i + gt.nx * j])
    const largest = (vox: Voxel[]) => vox.filter((x) => absDiff(x) >= 0.05).sort((a, b) => absDiff(b) - absDiff(a)).slice(0, 40)
    let diffPts = largest([...border, ...interior])
    if (diffPts.length < 10) {
      const all: Voxel[] = []
      for (let j = 0; j < gt.ny; j++) for (let i = 0; i < gt.nx; i++) all.push([i, j])
      diffPts = largest(all)
      console.info(`${v.spec}: full and tiled agree inside the ground truth; difference map checked where they differ most`)
    }
    expect(diffPts.length, 'voxels with |full − tiled| ≥ 0.05').toBeGreaterThan(10)
    await h.page.locator('body').press('s')
    await poll(() => h.page.locator('[data-testid="pane-side"]').isVisible()).toBe(false)
    await toggle('f', 'toggle-full', false)
    await toggle('t', 'toggle-tiled', false)
    await h.page.locator('[data-testid="opacity-slider"]').fill('1')
    const diffOff = await shot(v, '08-single-heat-off')
    await toggle('d', 'toggle-diff', true)
    const diffOn = await shot(v, '09-single-difference')
    expect(meanDifference(diffOff, diffOn, await voxelsToPage(h.page, 'main', diffPts))).toBeGreaterThan(4)
    await toggle('d', 'toggle-diff', false)
    await toggle('f', 'toggle-full', true)
    await toggle('t', 'toggle-tiled', true)
    await h.page.locator('[data-testid="opacity-slider"]').fill(String(opacity))
    await h.page.locator('body').press('s')
    await poll(() => h.page.locator('[data-testid="pane-side"]').isVisible()).toBe(true)
    expect(v.h.errors).toEqual([])
  }, ACCEPTANCE_TEST_MS)

  it('the opacity slider changes how strongly the heatmap covers the tumour', async () => {
    const v = get()
    const { gt, predicted } = s()
    const pts = spread(gtRegion(gt.mask, gt.nx, gt.ny).interior.filter(([i, j]) => predicted.full[i + gt.nx * j] >= 0.5))
    const slider = v.h.page.locator('[data-testid="opacity-slider"]')
    await slider.fill('1')
    const strong = await shot(v, '10-opacity-100')
    await slider.fill('0.2')
    const weak = await shot(v, '11-opacity-20')
    expect(meanDifference(strong, weak, await voxelsToPage(v.h.page, 'main', pts))).toBeGreaterThan(15)
    await slider.fill('0.8')
  }, ACCEPTANCE_TEST_MS)

  it('a new tiling cancels the running tiled job; the readout then equals `tilelab predict` with that tiling', async () => {
    const v = get()
    const { h } = v
    const { study, model, maxK } = s()
    const seen = new Set(sliceEvents(v, 'tiled').map((e) => e.event.predictionId))
    const fresh = () => sliceEvents(v, 'tiled').find((e) => !seen.has(e.event.predictionId))
    const choose = async (t: Tiling) => {
      await h.page.locator('[data-testid="tile-size"]').selectOption(String(t.tile))
      await h.page.locator('[data-testid="tile-overlap"]').selectOption(String(t.overlap))
      await h.page.locator('[data-testid="tile-blend"]').selectOption(t.blend)
      await h.page.locator('[data-testid="tiling-apply"]').click()
    }
    // A first new tiling: wait until its job streams slices (it has a whole volume ahead of it)...
    await choose({ tile: 64, overlap: 0.5, blend: 'mean' })
    await poll(fresh).toBeDefined()
    const first = fresh()!
    seen.add(first.event.predictionId)
    // ...then another one: the first job must end cancelled.
    await choose(OTHER_TILING)
    await poll(() => jobEnd(v, first.jobId)?.outcome).toBe('cancelled')
    const predicted = await predictSlice(v, study, model, maxK, OTHER_TILING)
    await expectReadout(h, 'tiled', predicted.slice)
    await expectReadout(h, 'full', predicted.slice)
    const latest = sliceEvents(v, 'tiled').filter((e) => e.event.z === maxK).at(-1)!
    expect(latest.event.predictionId).not.toBe(first.event.predictionId)
    expect(latest.event.forwardPasses).toBe(predicted.slice.forwardPassesTiled)
    await h.page.locator('body').press('b')
    await poll(() => h.page.locator('[data-testid="pane-side"] [data-testid="tile-grid"] rect').count())
      .toBe(predicted.report.tiling.tilesPerSlice)
    await shot(v, '12-other-tiling-grid')
    await h.page.locator('body').press('b')
    state = { ...s(), predicted }
    expect(v.h.errors).toEqual([])
  }, ACCEPTANCE_TEST_MS)

  return s
}
