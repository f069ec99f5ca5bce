/**
 * Acceptance (issue 5) on a real BraTS study (../shared/data/real, read in place, never copied), against the REAL
 * `tilelab serve --data ../shared/data/real`: the page is opened on BraTS2021_00006 (int16 FLAIR, labels {0,1,2,4})
 * through the URL hash, the time from page load to the first frame and to both predictions complete is measured
 * (ONNX Runtime, a tiny untrained U-Net: base 4, depth 4), then the shared acceptance tests run (acceptance.ts).
 * Skipped, with the reason printed, when the real data are absent.
 * Screenshots: test/e2e/screenshots/viewer-real/.
 */
import { describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { ACCEPTANCE_TEST_MS, acceptanceTests, shot, useServedViewer } from './acceptance'
import { e2eUnavailable, REPO_ROOT, waitForPredictions, waitForReady } from './harness'

const REAL = path.resolve(REPO_ROOT, '../shared/data/real')
const CASE = path.join(REAL, 'brats2021', 'BraTS2021_00006')
const skip = e2eUnavailable() ?? (existsSync(CASE) ? null : `${CASE} not found (the real BraTS data are absent)`)
if (skip) console.warn(`real-data acceptance e2e skipped: ${skip}`)

describe.skipIf(skip)('viewer on a real BraTS study (real tilelab serve, ONNX Runtime)', () => {
  const get = useServedViewer({
    spec: 'viewer-real',
    data: REAL,
    models: { 'tiny-a': [4, 4, 3] },
    studyPath: CASE,
  })

  it('page load → first frame → both predictions complete (timings printed)', async () => {
    const v = get()
    await waitForReady(v.h.page)
    await waitForPredictions(v.h.page, 600_000)
    const marks = await v.h.page.evaluate(() =>
      Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, Math.round(m.startTime)])),
    )
    expect(marks['tilelab:first-render']).toBeGreaterThan(0)
    expect(marks['tilelab:all-slices']).toBeGreaterThan(marks['tilelab:first-slice'])
    const study = await v.study()
    console.info(
      `${study.name} (${study.dims.join('×')}), ${v.info.inferenceEngine}, model ${v.info.defaultModelId}: ` +
        `page load → study opened ${marks['tilelab:study-opened']} ms, → first frame ${marks['tilelab:first-render']} ms, ` +
        `→ first predicted slice received ${marks['tilelab:first-slice']} ms, ` +
        `→ both predictions complete (2 × ${study.dims[2]} slices) ${marks['tilelab:all-slices']} ms`,
    )
    await shot(v, '00-predictions-complete')
  }, ACCEPTANCE_TEST_MS)

  acceptanceTests(get)
})
