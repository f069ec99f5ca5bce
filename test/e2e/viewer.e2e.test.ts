/**
 * End-to-end, pure UI behaviour: the built renderer in headless Chromium (software WebGL) against the web host with
 * the TEST DOUBLE service (testDoubleService.ts), which serves a synthetic study written with the engine's NIfTI
 * writer and fake probabilities at once, without running a model. Covers what does not depend on the engine:
 * slice navigation (slider, keys, wheel, Max tumour) with both panes following, zoom/pan and window/level kept in
 * sync between the side-by-side panes, the Dice plot's click-to-slice, and recovery from a lost WebGL context.
 *
 * Everything issue 5 accepts on (Dice readout = `tilelab predict`, overlays changing the pixels inside the ground
 * truth, opacity, tiling, model choice, a study without ground truth) runs against the REAL `tilelab serve`:
 * viewerSample.e2e.test.ts, viewerRealData.e2e.test.ts (shared tests in acceptance.ts), serveSecurity.e2e.test.ts.
 * Screenshots: test/e2e/screenshots/viewer/ (gitignored).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PNG } from 'pngjs'
import { fmtValue } from '../../src-renderer/src/format'
import { e2eUnavailable, openViewer, screenshot, settle, tempDir, waitForPredictions, waitForReady, type Harness } from './harness'
import { writeSyntheticStudy, type SyntheticStudy } from './syntheticStudy'
import { createTestDoubleService, preloadStudyFiles } from './testDoubleService'

const SPEC = 'viewer'
/** expect.poll with a timeout that fits software WebGL (a frame can take a second on a busy machine). */
const poll = <T>(fn: () => T | Promise<T>, timeout = 30_000) => expect.poll(fn, { timeout, interval: 100 })
const skip = e2eUnavailable()
if (skip) console.warn(`viewer e2e skipped: ${skip}`)

let tmp: ReturnType<typeof tempDir>
let study: SyntheticStudy
let service: ReturnType<typeof createTestDoubleService>
let h: Harness
let maxK = 0

async function shot(name: string): Promise<PNG> {
  await settle(h.page, 400)
  return (await screenshot(h.page, SPEC, name)).png
}

async function sliceShown(): Promise<number> {
  return Number((await h.page.locator('[data-testid="slice-number"]').textContent())!.split('/')[0].trim())
}

describe.skipIf(skip)('viewer in the browser (web host + test double service)', () => {
  beforeAll(async () => {
    tmp = tempDir('tilelab-e2e-')
    study = await writeSyntheticStudy(tmp.dir, 'Synthetic_001')
    preloadStudyFiles([study.flairPath, study.labelPath])
    service = createTestDoubleService({ dataRoot: tmp.dir, sampleStudy: study.dir })
    // No hash: the app must open AppInfo.sampleStudy by itself.
    h = await openViewer({ service, dataRoot: tmp.dir })
    await waitForReady(h.page)
    await waitForPredictions(h.page)
    // The slice with the most whole-tumour voxels (StudyInfo.maxTumorSlice's rule).
    const [nx, ny, nz] = study.dims
    const perSlice = Array.from({ length: nz }, (_, k) => study.label.subarray(k * nx * ny, (k + 1) * nx * ny).reduce((a, v) => a + (v > 0 ? 1 : 0), 0))
    maxK = perSlice.indexOf(Math.max(...perSlice))
  })

  afterAll(async () => {
    await h?.close()
    tmp?.remove()
  })

  it('moves the slice with the slider, the keys and the Max tumour button; both panes follow', async () => {
    const slider = h.page.locator('[data-testid="slice-slider"]')
    await slider.fill('70')
    await poll(sliceShown).toBe(70)
    await poll(() => h.page.evaluate(() => (globalThis as any).__tilelab.paneSlices())).toEqual({ main: 70, side: 70 })
    await h.page.locator('body').press('ArrowUp')
    await poll(sliceShown).toBe(71)
    await h.page.locator('body').press('PageDown')
    await poll(sliceShown).toBe(61)
    await poll(() => h.page.evaluate(() => (globalThis as any).__tilelab.paneSlices())).toEqual({ main: 61, side: 61 })
    expect(await h.page.locator('[data-testid="slice-readout-side"]').textContent()).toBe(`Slice 61 / ${study.dims[2] - 1}`)
    await h.page.locator('body').press('Home')
    await poll(sliceShown).toBe(0)
    // Wheel over the main pane scrolls one slice per notch.
    const box = (await h.page.locator('[data-testid="pane-main"]').boundingBox())!
    await h.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    await h.page.mouse.wheel(0, -120)
    await poll(sliceShown).not.toBe(0)
    await h.page.locator('body').press('m')
    await poll(sliceShown).toBe(maxK)
    await poll(() => h.page.evaluate(() => (globalThis as any).__tilelab.paneSlices())).toEqual({ main: maxK, side: maxK })
  })

  it('keeps the side-by-side viewports in sync through zoom and pan', async () => {
    const transform = (pane: string) =>
      h.page.locator(`[data-testid="pane-${pane}"] .overlay-layer g.slice-space`).getAttribute('transform')
    const before = await transform('main')
    const box = (await h.page.locator('[data-testid="pane-main"]').boundingBox())!
    const cx = box.x + box.width / 2
    const cy = box.y + box.height / 2
    await h.page.mouse.move(cx, cy)
    await h.page.mouse.down({ button: 'right' })
    await h.page.mouse.move(cx, cy - 80, { steps: 6 })
    await h.page.mouse.up({ button: 'right' })
    await h.page.mouse.down({ button: 'middle' })
    await h.page.mouse.move(cx + 40, cy + 30, { steps: 6 })
    await h.page.mouse.up({ button: 'middle' })
    await settle(h.page, 600)
    const main = await transform('main')
    expect(main).not.toBe(before)
    await poll(() => transform('side')).toBe(main)
    await shot('01-zoomed-synced')
    await h.page.locator('body').press('r')
    await settle(h.page, 600)
    await poll(() => transform('side')).toBe(await transform('main'))
  })

  it('window/level: a left drag changes the window of both panes; the presets set it back', async () => {
    const voi = () => h.page.evaluate(() => (globalThis as any).__tilelab.paneVoi()) as Promise<Record<string, number[]>>
    const before = await voi()
    expect(before.main).toEqual(before.side)
    const box = (await h.page.locator('[data-testid="pane-main"]').boundingBox())!
    await h.page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.8)
    await h.page.mouse.down()
    await h.page.mouse.move(box.x + box.width * 0.3 + 120, box.y + box.height * 0.8 - 40, { steps: 8 })
    await h.page.mouse.up()
    await poll(async () => (await voi()).main).not.toEqual(before.main)
    const after = await voi()
    expect(after.side).toEqual(after.main)
    const [lower, upper] = after.main
    const text = await h.page.locator('[data-testid="wl-side"]').textContent()
    expect(text).toContain(`W ${fmtValue(upper - lower)}`)
    await h.page.locator('[data-testid="preset-auto"]').click()
    await poll(async () => (await voi()).side).toEqual(before.side)
  })

  it('jumps to a slice clicked in the Dice plot', async () => {
    const target = maxK - 10
    // The plot's invisible hit layer has one rect per slice, in slice order (vega SVG renderer: one path each).
    const hit = h.page.locator('[data-testid="dice-plot"] g.mark-rect.role-mark path')
    await poll(() => hit.count()).toBe(study.dims[2])
    const box = (await hit.nth(target).boundingBox())!
    await h.page.mouse.click(box.x + box.width / 2, box.y + box.height / 2)
    await poll(sliceShown).toBe(target)
  })

  it('survives a lost WebGL context by re-mounting the viewer', async () => {
    await h.page.locator('[data-testid="max-tumour"]').click()
    await poll(sliceShown).toBe(maxK)
    const lost = await h.page.evaluate(() => (globalThis as any).__tilelab.loseContext())
    expect(lost).toBe(true)
    await poll(() => h.page.locator(`[data-testid="notice"]`).textContent(), 60_000)
      .toContain('restored')
    await waitForReady(h.page)
    await poll(sliceShown).toBe(maxK)
    await poll(() => h.page.evaluate(() => (globalThis as any).__tilelab.paneSlices())).toEqual({ main: maxK, side: maxK })
    await shot('05-after-context-loss')
    expect(h.errors.filter((e) => !/context/i.test(e))).toEqual([])
  })
})

