/**
 * End-to-end (issue 6): Model > Train... through the real `tilelab serve` (serveHarness.ts) in headless Chromium.
 *
 * - The dialog: the in-page folder browser, the cohort inspection (studies found, the one that fails named), the
 *   backend list (the detected one preselected, the unavailable ones greyed out with their reason), field-level
 *   refusals; then a tiny U-Net (base 4, depth 2, 1 epoch × 4 steps) trained on a `tilelab synth` cohort: the loss
 *   points and the validation Dice points appear in the live chart, the model joins the model list and the open
 *   study is predicted with it on "Use this model".
 * - A long job never freezes the window: while a second run trains, every wheel step over the viewer moves the
 *   slice readout and changes the pixels on screen, and the training keeps advancing meanwhile.
 * - Pause keeps the checkpoint; reloading the page asks first, and the reopened app offers to resume the run.
 * Screenshots: test/e2e/screenshots/train/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { e2eUnavailable, screenshot, settle, tempDir, waitForReady } from './harness'
import { fill, openServedApp, runTilelab, sliceShown, type ServedApp } from './serveHarness'

const SPEC = 'train'
const skip = e2eUnavailable()
if (skip) console.warn(`train dialog e2e skipped: ${skip}`)
const poll = <T>(fn: () => T | Promise<T>, timeout = 60_000) => expect.poll(fn, { timeout, interval: 150 })

let tmp: ReturnType<typeof tempDir>
let data: string
let app: ServedApp
const dialog = '[data-testid="train-dialog"]'

/** The rows each named dataset of the training chart holds ("steps:4 epochs:1 dice:2 best:1"). */
async function chartRows(): Promise<Record<string, number>> {
  const attr = (await app.page.locator('[data-testid="training-curves"]').getAttribute('data-rows')) ?? ''
  return Object.fromEntries(attr.split(' ').filter(Boolean).map((kv) => [kv.split(':')[0], Number(kv.split(':')[1])]))
}

async function trainingStatus(): Promise<string | null> {
  return app.page.locator('[data-testid="training-monitor"]').getAttribute('data-status')
}

async function stepsDone(): Promise<number> {
  const text = (await app.page.locator('[data-testid="training-progress"]').textContent()) ?? ''
  const m = /epoch (\d+)\/\d+ · step (\d+)\/(\d+)/.exec(text)
  return m ? (Number(m[1]) - 1) * Number(m[3]) + Number(m[2]) : 0
}

/** When the run's checkpoints/last was saved (API listTrainingRuns, called from the page with its cookie). */
async function runUpdatedAt(name: string): Promise<string | null> {
  return app.page.evaluate(async (n) => {
    const res = await fetch('/api/listTrainingRuns', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    const runs = (await res.json()) as { name: string; updatedAt: string }[]
    return runs.find((r) => r.name === n)?.updatedAt ?? null
  }, name)
}

/** Fills the dialog with a tiny recipe on `cohort`. */
async function tinyRecipe(name: string, epochs: number, steps: number): Promise<void> {
  await fill(app.page, 'cohort-path', path.join(data, 'cohort'))
  await app.page.locator(`${dialog} button[type="submit"]`).click()
  await poll(() => app.page.locator('[data-testid="cohort-summary"]').textContent()).toMatch(/4\s+studies found,\s+4\s+with ground truth/)
  for (const [id, v] of [
    ['crop', '64'], ['batchSize', '4'], ['epochs', String(epochs)], ['stepsPerEpoch', String(steps)], ['baseFilters', '4'],
    ['depth', '2'], ['tumorFraction', '1'], ['learningRate', '0.003'], ['valFraction', '0.25'],
  ])
    await fill(app.page, `train-${id}`, v)
  await fill(app.page, 'train-name', name)
}

describe.skipIf(skip)('Model > Train... through tilelab serve', () => {
  beforeAll(async () => {
    tmp = tempDir('tilelab-train-e2e-')
    data = path.join(tmp.dir, 'data')
    await runTilelab(['synth', '--out', path.join(data, 'cohort'), '--cases', '4', '--seed', '7', '--dims', '128,128,32'], tmp.dir)
    // A second folder with one good study and one that cannot load (truncated NIfTI).
    await runTilelab(['synth', '--out', path.join(data, 'mixed'), '--cases', '1', '--seed', '8', '--dims', '64,64,16'], tmp.dir)
    mkdirSync(path.join(data, 'mixed', 'BROKEN_0001'))
    writeFileSync(path.join(data, 'mixed', 'BROKEN_0001', 'BROKEN_0001_flair.nii.gz'), Buffer.from('not a nifti file at all'))
    writeFileSync(path.join(data, 'mixed', 'BROKEN_0001', 'BROKEN_0001_seg.nii.gz'), Buffer.from('nor this'))
    // A small study of the cohort in the viewer (the 240×240×155 sample study would make predictions slow here).
    app = await openServedApp({ data, home: path.join(tmp.dir, 'home'), hash: `study=${encodeURIComponent(path.join(data, 'cohort', 'SYNTH_0001'))}` })
    await waitForReady(app.page, 180_000)
  })

  afterAll(async () => {
    await app?.close()
    tmp?.remove()
  })

  it('the dialog inspects folders, names the study that fails, greys out unavailable backends and refuses bad values', async () => {
    const page = app.page
    await page.locator('[data-testid="menu-train"]').click()
    await page.waitForSelector(dialog)
    // The in-page folder browser (no native dialog in a browser): data root → mixed.
    await page.locator('[data-testid="cohort-choose"]').click()
    await page.locator('[data-testid="browse-entry"]', { hasText: 'mixed/' }).click()
    await poll(() => page.locator('[data-testid="folder-browser"] .path').textContent()).toBe(path.join(data, 'mixed'))
    await page.locator('[data-testid="browse-choose"]').click()
    await poll(() => page.locator('[data-testid="cohort-summary"]').textContent()).toMatch(/1\s+studies found,\s+1\s+with ground truth,\s+1\s+failed to load/)
    expect(await page.locator('[data-testid="cohort-failed"]').textContent()).toContain('BROKEN_0001')
    expect(await page.locator('[data-testid="cohort-path"]').inputValue()).toBe(path.join(data, 'mixed'))

    // Backends: the detected one (wasm here: tfjs-node is not installed) checked; TensorFlow disabled with its reason.
    expect(await page.locator('[data-testid="train-backend-wasm"]').isChecked()).toBe(true)
    expect(await page.locator('[data-testid="train-backend-tensorflow"]').isDisabled()).toBe(true)
    expect(await page.locator('[data-testid="train-backends"] label.off').first().textContent()).toMatch(/unavailable: .*tfjs-node/)

    // Field-level refusals (zod schema of the API + the trainer's rules).
    await fill(page, 'train-crop', '100')
    await fill(page, 'train-epochs', '0')
    await fill(page, 'train-learningRate', 'fast')
    await fill(page, 'train-name', 'my model')
    await page.locator('[data-testid="train-start"]').click()
    await poll(() => page.locator('[data-testid="train-crop-error"]').textContent()).toBe('must be a multiple of 2^depth = 16 (the U-Net halves it 4 times)')
    expect(await page.locator('[data-testid="train-epochs-error"]').textContent()).toBe('must be at least 1')
    expect(await page.locator('[data-testid="train-learningRate-error"]').textContent()).toBe("not a number: 'fast'")
    expect(await page.locator('[data-testid="train-name-error"]').textContent()).toMatch(/letters, digits/)
    expect(await page.locator('[data-testid="train-start"]').isDisabled()).toBe(true)
    await settle(page, 200)
    await screenshot(page, SPEC, '01-dialog-refusals')
    expect(await page.locator('[data-testid="training-monitor"]').count()).toBe(0)
  })

  it('trains a tiny model from the dialog: curve points appear, the model becomes selectable and predicts the open study', async () => {
    const page = app.page
    await tinyRecipe('tiny-e2e', 1, 4)
    expect(await page.locator('[data-testid="train-start"]').isDisabled()).toBe(false)
    await screenshot(page, SPEC, '02-dialog-filled')
    await page.locator('[data-testid="train-start"]').click()
    await poll(() => page.locator(dialog).count()).toBe(0)
    await page.waitForSelector('[data-testid="training-monitor"]')
    await poll(async () => (await chartRows()).steps ?? 0, 120_000).toBeGreaterThan(0)
    await screenshot(page, SPEC, '03-training-running')
    await poll(trainingStatus, 180_000).toBe('done')
    // Every step of the epoch and both validation Dice points (whole image, tiled) of epoch 1 are on the chart.
    await poll(chartRows).toEqual({ steps: 4, epochs: 1, dice: 2, best: 1 })
    expect(await page.locator('[data-testid="training-curves"] g[class*="dicePoints"] path').count()).toBe(2)
    expect(await page.locator('[data-testid="training-curves"] g[class*="lossPoints"] path').count()).toBe(4)
    expect(await page.locator('[data-testid="training-best"]').textContent()).toMatch(/best epoch 1: Dice whole \d\.\d{3} \/ tiled \d\.\d{3}/)
    await settle(page, 300)
    await screenshot(page, SPEC, '04-training-done')

    // The model joins the model list with its card.
    await page.locator('[data-testid="menu-models"]').click()
    await poll(() => page.locator('[data-testid="model-list"] li', { hasText: 'tiny-e2e' }).count()).toBe(1)
    expect(await page.locator('[data-testid="model-list"] li', { hasText: 'tiny-e2e' }).textContent()).toMatch(/base 4 · depth 2/)
    await page.keyboard.press('Escape')
    // "Use this model" predicts the open (sample) study with it.
    await page.locator('[data-testid="training-use"]').click()
    await poll(() => page.locator('[data-testid="model-name"]').textContent()).toContain('tiny-e2e')
    await poll(() => page.locator('[data-testid="job-full"]').getAttribute('data-state')).toMatch(/running|done/)
    await poll(() => page.locator('[data-testid="training-use"]').textContent()).toBe('In use')
    expect(app.errors).toEqual([])
  }, 240_000)

  it('a long job never freezes the window: each wheel step scrolls the viewer while training advances', async () => {
    const page = app.page
    await page.locator('[data-testid="menu-train"]').click()
    await page.waitForSelector(dialog)
    await tinyRecipe('long-e2e', 2, 400)
    await page.locator('[data-testid="train-start"]').click()
    await poll(() => page.locator('[data-testid="training-name"]').textContent()).toBe('long-e2e')
    await poll(stepsDone, 120_000).toBeGreaterThan(0)
    const stepsBefore = await stepsDone()

    const pane = page.locator('[data-testid="pane-main"]')
    const box = (await pane.boundingBox())!
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    const clip = { x: box.x, y: box.y, width: box.width, height: box.height }
    let previous = await page.screenshot({ clip })
    let k = await sliceShown(page)
    for (let i = 0; i < 8; i++) {
      await page.mouse.wheel(0, 120)
      await poll(() => sliceShown(page), 10_000).not.toBe(k)
      k = await sliceShown(page)
      // The frame changed too: the pane's pixels differ from the previous frame.
      await poll(async () => Buffer.compare(await page.screenshot({ clip }), previous) !== 0, 10_000).toBe(true)
      previous = await page.screenshot({ clip })
    }
    await poll(stepsDone, 120_000).toBeGreaterThan(stepsBefore)
    expect(await trainingStatus()).toMatch(/training|validating/)
    await screenshot(page, SPEC, '05-scrolling-while-training')
  }, 240_000)

  it('pause keeps the checkpoint; closing asks first; the reopened app offers to resume the run', async () => {
    const page = app.page
    await page.locator('[data-testid="training-pause"]').click()
    await poll(trainingStatus, 120_000).toBe('paused')
    expect(await page.locator('[data-testid="training-resume"]').isVisible()).toBe(true)
    await screenshot(page, SPEC, '06-paused')

    // Nothing runs now: the page reloads without asking, and offers to resume the paused run.
    await page.reload()
    await waitForReady(page, 120_000)
    await poll(() => page.locator('[data-testid="resume-training"]').textContent()).toMatch(/long-e2e.*stopped after epoch \d of 2/)
    await settle(page, 200)
    await screenshot(page, SPEC, '07-resume-offer')
    await page.locator('[data-testid="resume-training-button"]').click()
    await page.waitForSelector('[data-testid="training-monitor"]')
    await poll(() => page.locator('[data-testid="training-status"]').textContent(), 120_000).toMatch(/resumed after epoch \d/)
    await poll(() => page.locator('[data-testid="resume-banner"]').count()).toBe(0)

    // Reloading while it trains asks first (beforeunload): dismissed, the page stays and the job runs on.
    const dialogs: string[] = []
    page.once('dialog', (d) => (dialogs.push(d.type()), void d.dismiss()))
    await page.reload({ timeout: 5_000 }).catch(() => undefined)
    await poll(() => dialogs).toEqual(['beforeunload'])
    expect(await trainingStatus()).toMatch(/training|validating/)
    // Accepted: the page goes, the job stops with its checkpoint (pagehide → cancelJob), and the new page offers it.
    const savedBefore = await runUpdatedAt('long-e2e')
    page.once('dialog', (d) => void d.accept())
    await page.reload()
    await waitForReady(page, 120_000)
    await poll(() => page.locator('[data-testid="resume-training"]').textContent(), 120_000).toMatch(/long-e2e.*stopped after epoch \d of 2/)
    expect(await page.locator('[data-testid="training-monitor"]').count()).toBe(0)
    // The stop saved a newer checkpoint (the CLI's SIGINT path), so the job did stop when the page went.
    await poll(() => runUpdatedAt('long-e2e'), 120_000).not.toBe(savedBefore)
    // The Train dialog lists it too, with its own Resume.
    await page.locator('[data-testid="menu-train"]').click()
    await poll(() => page.locator('[data-testid="train-unfinished"]').textContent()).toMatch(/long-e2e\s*epoch \d of 2 done/)
    await settle(page, 200)
    await screenshot(page, SPEC, '08-train-dialog-unfinished')
    await page.keyboard.press('Escape')
    expect(app.errors).toEqual([])
  }, 240_000)
})
