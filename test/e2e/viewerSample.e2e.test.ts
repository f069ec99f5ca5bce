/**
 * Acceptance (issue 5) on the bundled sample study, against the REAL `tilelab serve` process: the app opens the
 * sample study by itself (AppInfo.sampleStudy) with the default model (AppInfo.defaultModelId) on ONNX Runtime;
 * then the shared acceptance tests (acceptance.ts); then choosing another model re-predicts both overlays with it,
 * and a study without ground truth (a folder holding only a FLAIR, listed by the host) still shows both predictions.
 *
 * Models: two tiny untrained U-Nets (base 4, depth 4) in an isolated TILELAB_HOME; their probabilities mean nothing,
 * the tests compare what the viewer shows with what `tilelab predict` computes from the same weights.
 * Screenshots: test/e2e/screenshots/viewer-sample/.
 */
import { describe, expect, it } from 'vitest'
import { copyFileSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { discoverStudy } from '../../src-main/engine/io/discovery'
import { ensureSampleStudy } from '../../src-main/engine/synth/sampleStudy'
import { workDir } from '../../src-main/engine/service/workDir'
import {
  ACCEPTANCE_TEST_MS, acceptanceTests, expectReadout, gtRegion, OTHER_TILING, poll, predictSlice, shot, sliceEvents,
  sliceShown, spread, useServedViewer,
} from './acceptance'
import { e2eUnavailable, meanDifference, voxelsToPage, waitForReady } from './harness'

const skip = e2eUnavailable()
if (skip) console.warn(`sample-study acceptance e2e skipped: ${skip}`)

describe.skipIf(skip)('viewer on the bundled sample study (real tilelab serve, ONNX Runtime)', () => {
  const get = useServedViewer({
    spec: 'viewer-sample',
    models: { 'tiny-a': [4, 4, 3], 'tiny-b': [4, 4, 29] },
    // --data: a folder with one study that has no ground truth (the sample's FLAIR alone).
    data: async (home) => {
      const sample = await discoverStudy(await ensureSampleStudy(workDir(home.home).cache))
      const noGt = path.join(home.home, 'data', 'NoGT_0001')
      mkdirSync(noGt, { recursive: true })
      copyFileSync(sample.imagePath, path.join(noGt, 'NoGT_0001_flair.nii.gz'))
      return path.join(home.home, 'data')
    },
  })

  it('opens the sample study by itself, at the slice with the most tumour', async () => {
    const v = get()
    await waitForReady(v.h.page)
    expect(v.info.sampleStudy).not.toBeNull()
    const study = await v.study()
    expect(study.path).toBe(v.info.sampleStudy)
    expect(await sliceShown(v.h)).toBe(study.maxTumorSlice)
    // Both predictions started on their own, the slice on screen first.
    for (const mode of ['full', 'tiled'] as const)
      await poll(() => sliceEvents(v, mode)[0]?.event.z).toBe(study.maxTumorSlice)
  }, ACCEPTANCE_TEST_MS)

  const accepted = acceptanceTests(get)

  it('choosing another model re-predicts both overlays with it', async () => {
    const v = get()
    const { study, maxK, model } = accepted()
    const other = v.models.find((m) => m.id !== model.id)!
    await v.h.page.locator('[data-testid="model-select"]').selectOption(other.id)
    await poll(() => v.h.page.locator('[data-testid="model-name"]').textContent()).toContain(other.name)
    expect(await sliceShown(v.h)).toBe(maxK)
    const predicted = await predictSlice(v, study, other, maxK, OTHER_TILING)
    await expectReadout(v.h, 'full', predicted.slice)
    await expectReadout(v.h, 'tiled', predicted.slice)
    await shot(v, '13-other-model')
  }, ACCEPTANCE_TEST_MS)

  it('a study without ground truth still shows both predictions', async () => {
    const v = get()
    const { h } = v
    await h.page.locator('[data-testid="open-button"]').click()
    await h.page.locator('[data-testid="study-list"] button', { hasText: 'NoGT_0001' }).click()
    await poll(() => h.page.locator('[data-testid="study-name"] .name').textContent()).toBe('NoGT_0001')
    await waitForReady(h.page)
    const study = await v.study()
    expect(study.labelUrl).toBeNull()
    expect(study.maxTumorSlice).toBeNull()
    const k = await sliceShown(h)
    expect(k).toBe(Math.floor(study.dims[2] / 2))
    await expect(h.page.locator('[data-testid="metrics-no-gt"]').isVisible()).resolves.toBe(true)
    expect(await h.page.locator('[data-testid="toggle-gt"]').isDisabled()).toBe(true)
    // The model and the tiling chosen before stay chosen.
    const current = v.models.find((m) => m.id !== accepted().model.id)!
    const predicted = await predictSlice(v, study, current, k, OTHER_TILING)
    expect(predicted.slice.diceFull).toBeNull()
    for (const mode of ['full', 'tiled'] as const) {
      await poll(() => h.page.locator(`[data-testid="job-${mode}"]`).getAttribute('data-state')).not.toBe('idle')
      await poll(() => h.page.locator(`[data-testid="metric-soft-${mode}"]`).textContent()).toBe('—')
    }
    // Both heatmaps show where the model is confident (no ground truth to judge against: the whole slice).
    const [nx, ny] = study.dims
    const confident = (p: Float32Array) => spread(gtRegion(Uint8Array.from(p, (x) => (x >= 0.5 ? 1 : 0)), nx, ny).interior)
    const fullPts = confident(predicted.full)
    const tiledPts = confident(predicted.tiled)
    expect(fullPts.length).toBeGreaterThan(10)
    expect(tiledPts.length).toBeGreaterThan(10)
    // Wait until slice k of both predictions is on screen (the contour of each appears once its slice is in).
    await h.page.locator('body').press('Shift+F')
    await h.page.locator('body').press('Shift+T')
    await poll(() => h.page.locator('[data-testid="pane-main"] path[data-contour="full"]').getAttribute('d')).toMatch(/^M/)
    await poll(() => h.page.locator('[data-testid="pane-side"] path[data-contour="tiled"]').getAttribute('d')).toMatch(/^M/)
    await h.page.locator('body').press('Shift+F')
    await h.page.locator('body').press('Shift+T')
    const on = await shot(v, '14-no-ground-truth')
    await h.page.locator('body').press('f')
    await h.page.locator('body').press('t')
    const off = await shot(v, '15-no-ground-truth-heat-off')
    expect(meanDifference(on, off, await voxelsToPage(h.page, 'main', fullPts))).toBeGreaterThan(15)
    expect(meanDifference(on, off, await voxelsToPage(h.page, 'side', tiledPts))).toBeGreaterThan(15)
    await h.page.locator('body').press('f')
    await h.page.locator('body').press('t')
    expect(h.errors).toEqual([])
  }, ACCEPTANCE_TEST_MS)
})
