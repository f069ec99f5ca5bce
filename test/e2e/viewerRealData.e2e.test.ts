/**
 * End-to-end on a real BraTS study (../shared/data/real, read in place, never copied): the FLAIR and the expert
 * mask are real; the probabilities still come from the TEST DOUBLE (testDoubleService.ts), so this spec checks
 * what the viewer shows on real geometry and intensities, not the model.
 *
 * RE-POINT to the real service (issue 5 acceptance): replace createTestDoubleService with the engine service and
 * compare the readout with `tilelab predict --json` for the same slice; the readout-vs-events assertion below is
 * the same check against the double's events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, realpathSync } from 'node:fs'
import path from 'node:path'
import {
  e2eUnavailable, meanDifference, openViewer, REPO_ROOT, screenshot, settle, voxelsToPage, waitForPredictions,
  waitForReady, type Harness,
} from './harness'
import { createTestDoubleService } from './testDoubleService'

const SPEC = 'viewer-real'
const REAL = path.resolve(REPO_ROOT, '../shared/data/real')
const CASE = path.join(REAL, 'brats2021', 'BraTS2021_00006')
const skip = e2eUnavailable() ?? (existsSync(CASE) ? null : `${CASE} not found (real BraTS data absent)`)
if (skip) console.warn(`real-data viewer e2e skipped: ${skip}`)

const poll = <T>(fn: () => T | Promise<T>, timeout = 30_000) => expect.poll(fn, { timeout, interval: 100 })

let h: Harness
let service: ReturnType<typeof createTestDoubleService>

describe.skipIf(skip)('viewer on a real BraTS study (test double predictions)', () => {
  beforeAll(async () => {
    service = createTestDoubleService({ dataRoot: REAL, sampleStudy: null })
    h = await openViewer({ service, dataRoot: REAL, hash: `study=${encodeURIComponent(CASE)}` })
    await waitForReady(h.page)
    await waitForPredictions(h.page)
  })

  afterAll(async () => {
    await h?.close()
  })

  it('opens the study named in the URL at its slice with the most tumour and shows the events’ Dice', async () => {
    const opened = service.calls.find((c) => c.method === 'openStudy')!.request as { path: string }
    expect(opened.path).toBe(realpathSync(CASE)) // the web host hands the service canonical paths
    const k = Number((await h.page.locator('[data-testid="slice-number"]').textContent())!.split('/')[0])
    const fullEvent = service.emitted.filter((e) => e.mode === 'full' && e.z === k).at(-1)!
    expect(fullEvent.metrics!.tumorPixels).toBeGreaterThan(0)
    await poll(() => h.page.locator('[data-testid="metric-soft-full"]').textContent()).toBe(
      fullEvent.metrics!.softDice.toFixed(3),
    )
    expect(await h.page.locator('[data-testid="metric-tumor"]').textContent()).toBe(
      fullEvent.metrics!.tumorPixels.toLocaleString('en-US'),
    )
    await settle(h.page, 500)
    await screenshot(h.page, SPEC, '01-real-side-by-side')
    expect(h.errors).toEqual([])
  })

  it('draws the expert outline where the label is', async () => {
    // Sample along a horizontal line through the pane centre region: the outline toggle must change some pixels.
    const k = Number((await h.page.locator('[data-testid="slice-number"]').textContent())!.split('/')[0])
    const gtEvent = service.emitted.find((e) => e.mode === 'full' && e.z === k)!
    expect(gtEvent.metrics!.tumorPixels).toBeGreaterThan(100)
    const grid: [number, number][] = []
    for (let i = 0; i < 240; i += 2) for (let j = 0; j < 240; j += 2) grid.push([i, j])
    const pts = await voxelsToPage(h.page, 'main', grid)
    await settle(h.page, 400)
    const on = (await screenshot(h.page, SPEC, '02-gt-on')).png
    await h.page.locator('body').press('g')
    await settle(h.page, 800)
    const off = (await screenshot(h.page, SPEC, '03-gt-off')).png
    expect(meanDifference(on, off, pts)).toBeGreaterThan(0.2)
    await h.page.locator('body').press('g')
  })

  it('single view with the difference map, contours and the tile grid, zoomed on the tumour', async () => {
    for (const key of ['s', 'd', 'Shift+F', 'Shift+T', 'f', 't', 'b']) await h.page.locator('body').press(key)
    await poll(() => h.page.locator('[data-testid="pane-side"]').isVisible()).toBe(false)
    await settle(h.page, 800)
    await screenshot(h.page, SPEC, '04-real-single-diff-contours-grid')
    const box = (await h.page.locator('[data-testid="pane-main"]').boundingBox())!
    await h.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    await h.page.mouse.down({ button: 'right' })
    await h.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2 + 160, { steps: 8 })
    await h.page.mouse.up({ button: 'right' })
    await h.page.mouse.move(box.x + box.width * 0.45, box.y + box.height * 0.45)
    await settle(h.page, 800)
    await screenshot(h.page, SPEC, '05-real-zoomed-cursor')
    expect(await h.page.locator('[data-testid="cursor-main"]').textContent()).toMatch(/FLAIR \d/)
    expect(h.errors).toEqual([])
  })
})
