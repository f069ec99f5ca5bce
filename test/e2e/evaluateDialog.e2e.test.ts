/**
 * End-to-end (issue 6): File > Evaluate Folder... through the real `tilelab serve` (serveHarness.ts) in headless
 * Chromium, on a folder of three `tilelab synth` studies and a tiny U-Net trained beforehand with `tilelab train`.
 *
 * - The dialog (folder, model, tiling, slices, output) starts the run; the dock shows progress per study and slice;
 *   Cancel stops it and Resume continues in the same folder (startEvaluation with resume and the same out).
 * - The results view: the paper table, the histogram and the scatter (the same Vega-Lite specs as report.html), the
 *   sortable slice table; its output files download (report.html as HTML through a res/evaluation URL).
 * - The worst slice of the table (whole image − tiled largest) opens in the viewer at that slice, with both
 *   predictions of the run's model and tiling on, and the viewer's Dice readout equals the table's numbers.
 * Screenshots: test/e2e/screenshots/evaluate/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { e2eUnavailable, screenshot, settle, tempDir, waitForReady } from './harness'
import { fill, openServedApp, runTilelab, sliceShown, type ServedApp } from './serveHarness'

const SPEC = 'evaluate'
const skip = e2eUnavailable()
if (skip) console.warn(`evaluate dialog e2e skipped: ${skip}`)
const poll = <T>(fn: () => T | Promise<T>, timeout = 60_000) => expect.poll(fn, { timeout, interval: 150 })

let tmp: ReturnType<typeof tempDir>
let data: string
let home: string
let app: ServedApp
let out = ''

async function evalStatus(): Promise<string | null> {
  return app.page.locator('[data-testid="evaluation-monitor"]').getAttribute('data-status')
}

describe.skipIf(skip)('File > Evaluate Folder... through tilelab serve', () => {
  beforeAll(async () => {
    tmp = tempDir('tilelab-eval-e2e-')
    data = path.join(tmp.dir, 'data')
    home = path.join(tmp.dir, 'home')
    const trainSet = path.join(tmp.dir, 'train-set')
    await Promise.all([
      runTilelab(['synth', '--out', path.join(data, 'three'), '--cases', '3', '--seed', '11', '--dims', '128,128,32'], tmp.dir),
      runTilelab(['synth', '--out', trainSet, '--cases', '3', '--seed', '12', '--dims', '128,128,32'], tmp.dir),
    ])
    // A tiny model (base 4, depth 2), trained as a user would from a terminal, into TileLab's models folder.
    await runTilelab(
      ['train', '--data', trainSet, '--out', path.join(home, 'models', 'tiny-eval'), '--epochs', '1', '--steps-per-epoch', '30',
        '--batch-size', '4', '--crop', '64', '--base-filters', '4', '--depth', '2', '--tumor-fraction', '1', '--lr', '0.003',
        '--val-max-slices', '4', '--json'],
      home,
    )
    app = await openServedApp({ data, home, hash: `study=${encodeURIComponent(path.join(data, 'three', 'SYNTH_0001'))}` })
    await waitForReady(app.page, 180_000)
  })

  afterAll(async () => {
    await app?.close()
    tmp?.remove()
  })

  it('starts from the dialog, shows progress per study and slice, cancels, and resumes in the same folder', async () => {
    const page = app.page
    await page.locator('[data-testid="menu-evaluate"]').click()
    await page.waitForSelector('[data-testid="evaluate-dialog"]')
    await fill(page, 'cohort-path', path.join(data, 'three'))
    await page.locator('[data-testid="evaluate-dialog"] button[type="submit"]').click()
    await poll(() => page.locator('[data-testid="cohort-summary"]').textContent()).toMatch(/3\s+studies found,\s+3\s+with ground truth/)
    await poll(() => page.locator('[data-testid="eval-model"]').inputValue()).toBe('tiny-eval')
    // Refused in the dialog: a tile under 16 px, an overlap of 1.
    await fill(page, 'eval-tile', '8')
    await poll(() => page.locator('[data-testid="evaluate-dialog"] .field.bad .field-err').textContent()).toBe('must be at least 16')
    await fill(page, 'eval-tile', '48')
    await fill(page, 'eval-overlap', '1')
    await poll(() => page.locator('[data-testid="evaluate-dialog"] .field.bad').count()).toBe(1)
    expect(await page.locator('[data-testid="evaluate-dialog"] .field.bad .field-err').textContent()).toBe('must be below 1')
    await fill(page, 'eval-tile', '64')
    await fill(page, 'eval-overlap', '0.5')
    await poll(() => page.locator('[data-testid="evaluate-dialog"] .field.bad').count()).toBe(0)
    await settle(page, 150)
    await screenshot(page, SPEC, '01-dialog')
    await page.locator('[data-testid="eval-start"]').click()
    await page.waitForSelector('[data-testid="evaluation-monitor"]')

    // Progress per study and slice, then Cancel during the first study.
    await poll(() => page.locator('[data-testid="evaluation-study"]').textContent(), 120_000).toMatch(/^1\/3: SYNTH_0001 · slice \d+\/32$/)
    await screenshot(page, SPEC, '02-running')
    await page.locator('[data-testid="evaluation-cancel"]').click()
    await poll(evalStatus, 120_000).toMatch(/cancelled|done/)
    const cancelled = (await evalStatus()) === 'cancelled'
    out = (await page.locator('[data-testid="evaluation-monitor"] .out').getAttribute('title'))!
    expect(out).toMatch(/runs\/evaluation-/)
    if (cancelled) {
      await screenshot(page, SPEC, '03-cancelled')
      await page.locator('[data-testid="evaluation-resume"]').click()
      await poll(() => page.locator('[data-testid="evaluation-status"]').textContent(), 60_000).toMatch(/Evaluating|Done/)
    } else console.warn('the evaluation ended before the cancel landed; resume not exercised')
    // Done: the results view opens by itself.
    await poll(evalStatus, 180_000).toBe('done')
    await page.waitForSelector('[data-testid="results-view"]')
    const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')) as { studies?: unknown }
    expect(run).toBeTruthy()
  }, 300_000)

  it('shows the paper table, the histogram, the scatter and a sortable slice table, with its files to download', async () => {
    const page = app.page
    await poll(() => page.locator('[data-testid="slice-row"]').count()).toBe(96)
    expect((await page.locator('[data-testid="results-facts"]').textContent())!.replace(/\s+/g, ' ')).toMatch(/model tiny-eval · tiles 64 px, 50% overlap, mean · 96 slices of 3 studies/)
    const paper = await page.locator('[data-testid="paper-table"] tbody tr').allTextContents()
    expect(paper[0]).toMatch(/Slices \(studies\)\s*96 \(3\)\s*8,215 \(53\)/)
    expect(paper[1]).toMatch(/Mean soft Dice, whole image\s*\d\.\d{3}\s*0\.874/)
    for (const id of ['results-histogram', 'results-histogram-tails', 'results-scatter'])
      await poll(() => page.locator(`[data-testid="${id}"] svg`).count()).toBe(1)
    // The histogram has its 200 bins; the scatter one point per slice.
    expect(await page.locator('[data-testid="results-histogram"] g.mark-rect path').count()).toBe(200)
    expect(await page.locator('[data-testid="results-scatter"] g.mark-symbol.role-mark path').count()).toBe(96)

    // Sorted by the difference whole − tiled, largest first (the default), then the other way round.
    const diffs = async () => (await page.locator('[data-testid="row-difference"]').allTextContents()).map(Number)
    const d = await diffs()
    expect(d).toEqual([...d].sort((a, b) => b - a))
    await page.locator('[data-testid="sort-difference"]').click()
    const up = await diffs()
    expect(up).toEqual([...up].sort((a, b) => a - b))
    await page.locator('[data-testid="sort-difference"]').click()
    // The per-study table.
    await page.locator('[data-testid="results-tab-studies"]').click()
    expect(await page.locator('[data-testid="study-row"]').count()).toBe(3)
    await page.locator('[data-testid="results-tab-slices"]').click()

    // The files of the run, downloadable; report.html is served as HTML.
    for (const name of ['report.html', 'summary.json', 'slices.csv', 'run.json'])
      expect(await page.locator(`[data-testid="file-${name}"]`).count()).toBe(1)
    const href = (await page.locator('[data-testid="file-report.html"]').getAttribute('href'))!
    const res = await page.request.get(href)
    expect(res.status()).toBe(200)
    expect(res.headers()['content-type']).toMatch(/^text\/html/)
    expect(await res.text()).toBe(readFileSync(path.join(out, 'report.html'), 'utf8'))
    const csv = await page.request.get((await page.locator('[data-testid="file-slices.csv"]').getAttribute('href'))!)
    expect((await csv.text()).split('\n')[0]).toMatch(/^study,slice,tumorPixels,diceFull,diceTiled/)
    await settle(page, 300)
    await screenshot(page, SPEC, '04-results')
    expect(app.errors).toEqual([])
  }, 120_000)

  it('the worst slice opens in the viewer with both predictions, and the Dice readout matches the table', async () => {
    const page = app.page
    const row = page.locator('[data-testid="slice-row"]').first()
    const study = (await row.getAttribute('data-study'))!
    const k = Number(await row.getAttribute('data-slice'))
    const tableFull = await row.locator('[data-testid="row-dice-full"]').textContent()
    const tableTiled = await row.locator('[data-testid="row-dice-tiled"]').textContent()
    const exactFull = Number(await row.locator('[data-testid="row-dice-full"]').getAttribute('data-value'))
    const exactTiled = Number(await row.locator('[data-testid="row-dice-tiled"]').getAttribute('data-value'))
    await row.click()
    await poll(() => page.locator('[data-testid="results-view"]').count()).toBe(0)
    await poll(() => page.locator('[data-testid="study-name"] .name').textContent()).toBe(study)
    await waitForReady(page, 120_000)
    await poll(() => sliceShown(page)).toBe(k)
    // The run's model and tiling.
    await poll(() => page.locator('[data-testid="model-name"]').textContent()).toContain('tiny-eval')
    for (const mode of ['full', 'tiled'] as const) {
      const cell = page.locator(`[data-testid="metric-soft-${mode}"]`)
      await poll(() => cell.getAttribute('data-value'), 120_000).not.toBe('')
      expect(await cell.textContent()).toBe(mode === 'full' ? tableFull : tableTiled)
      expect(Math.abs(Number(await cell.getAttribute('data-value')) - (mode === 'full' ? exactFull : exactTiled))).toBeLessThan(1e-5)
    }
    // Both overlays are on.
    for (const toggle of ['toggle-full', 'toggle-tiled'])
      expect(await page.locator(`[data-testid="${toggle}"]`).getAttribute('data-on')).toBe('true')
    expect(await page.locator('[data-testid="pane-side"]').isVisible()).toBe(true)
    await settle(page, 400)
    await screenshot(page, SPEC, '05-worst-slice-in-viewer')
    // The results view comes back from the top bar.
    await page.locator('[data-testid="menu-results"]').click()
    await page.waitForSelector('[data-testid="results-view"]')
    await page.keyboard.press('Escape')
    await poll(() => page.locator('[data-testid="results-view"]').count()).toBe(0)
    expect(app.errors).toEqual([])
  }, 180_000)

  it('sweep mode: tile sizes × overlaps, plotted as Dice against cost', async () => {
    const page = app.page
    await page.locator('[data-testid="menu-evaluate"]').click()
    await page.waitForSelector('[data-testid="evaluate-dialog"]')
    await page.locator('[data-testid="eval-mode-sweep"]').check()
    expect(await page.locator('[data-testid="cohort-path"]').inputValue()).toBe(path.join(data, 'three')) // the form is kept
    await fill(page, 'sweep-tiles', '32, 64')
    await fill(page, 'sweep-overlaps', '0, 1')
    await poll(() => page.locator('[data-testid="evaluate-dialog"] .field.bad .field-err').textContent()).toBe('each value must be below 1')
    await fill(page, 'sweep-overlaps', '0, 0.5')
    await page.locator('[data-testid="eval-slices-tumor"]').check()
    await page.locator('[data-testid="eval-start"]').click()
    await poll(() => page.locator('[data-testid="evaluation-monitor"] .name').textContent()).toBe('Sweep · tiny-eval')
    await poll(evalStatus, 180_000).toBe('done')
    await page.waitForSelector('[data-testid="results-sweep"]')
    // The whole image and the four settings, each with its mean Dice; the chart drawn from the same rows.
    await poll(() => page.locator('[data-testid="sweep-table"] tbody tr').count()).toBe(5)
    const first = await page.locator('[data-testid="sweep-table"] tbody tr').first().textContent()
    expect(first).toMatch(/^whole image—\d\.\d{3}/)
    await poll(() => page.locator('[data-testid="sweep-by-flops"] svg').count()).toBe(1)
    expect(await page.locator('[data-testid="results-files"] a', { hasText: 'sweep.csv' }).count()).toBe(1)
    await settle(page, 300)
    await screenshot(page, SPEC, '06-sweep')
    await page.keyboard.press('Escape')
    expect(app.errors).toEqual([])
  }, 240_000)
})
