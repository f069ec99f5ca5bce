/**
 * End-to-end (browser): the renderer's side of the desktop app's menu, without Electron. The preload's bridge
 * `window.tilelabShell` is stood in for by an init script that hands the renderer's listener to the test, which then
 * sends the same MenuCommand objects the main process sends on `tilelab:menu` (common/menuCommands.ts). The API
 * goes to the web host with the TEST DOUBLE service (plus an inspectCohort that lists the folder's studies).
 *
 * Covers: `openStudy {path}` opens that study; `train` and `evaluateFolder` open the cohort dialog, whose Inspect
 * lists the studies of a folder; `loadModel` opens the model list and choosing a model re-predicts with it; Escape
 * closes the dialogs; viewer keys do not act while a dialog is open. Screenshots: test/e2e/screenshots/menu/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import path from 'node:path'
import type { MenuCommand } from '../../src-main/common/menuCommands'
import { e2eUnavailable, openViewer, screenshot, settle, tempDir, waitForReady, type Harness } from './harness'
import { writeSyntheticStudy } from './syntheticStudy'
import { createTestDoubleService, TEST_MODEL } from './testDoubleService'

const SPEC = 'menu'
const skip = e2eUnavailable()
if (skip) console.warn(`menu commands e2e skipped: ${skip}`)
const poll = <T>(fn: () => T | Promise<T>, timeout = 30_000) => expect.poll(fn, { timeout, interval: 100 })

let tmp: ReturnType<typeof tempDir>
let h: Harness
let service: ReturnType<typeof createTestDoubleService>
const predictedWith: string[] = []

async function send(command: MenuCommand): Promise<void> {
  await h.page.evaluate((c) => (globalThis as unknown as { __menu(c: unknown): void }).__menu(c), command)
}

describe.skipIf(skip)('menu commands in the renderer (stand-in bridge, web host)', () => {
  beforeAll(async () => {
    tmp = tempDir('tilelab-menu-e2e-')
    const cohort = path.join(tmp.dir, 'cohort')
    await writeSyntheticStudy(cohort, 'Synthetic_001', [96, 96, 48])
    await writeSyntheticStudy(cohort, 'Synthetic_002', [96, 96, 48])
    const double = createTestDoubleService({ dataRoot: tmp.dir, sampleStudy: path.join(cohort, 'Synthetic_001') })
    const startPrediction = double.startPrediction.bind(double)
    service = Object.assign(double, {
      inspectCohort: async (req: { path: string }) => ({ path: req.path, studies: await double.listStudies({ path: req.path }), failed: [] }),
      listModels: async () => [TEST_MODEL, { ...TEST_MODEL, id: 'second-model', name: 'second-model', bundled: false }],
      // The double runs one fake model: a second model id is recorded, then served by the same fake.
      startPrediction: async (req: Parameters<typeof startPrediction>[0]) => {
        predictedWith.push(req.modelId)
        return startPrediction({ ...req, modelId: TEST_MODEL.id })
      },
    })
    h = await openViewer({
      service,
      dataRoot: tmp.dir,
      beforeGoto: (page) =>
        page.addInitScript(() => {
          const g = globalThis as unknown as Record<string, unknown>
          g.tilelabShell = {
            onMenuCommand(listener: (c: unknown) => void) {
              g.__menu = listener
              return () => undefined
            },
          }
        }),
    })
    await waitForReady(h.page)
  })

  afterAll(async () => {
    await h?.close()
    tmp?.remove()
  })

  it('openStudy opens the study the shell picked', async () => {
    await send({ command: 'openStudy', path: path.join(tmp.dir, 'cohort', 'Synthetic_002') })
    await poll(() => h.page.locator('[data-testid="study-name"] .name').textContent()).toBe('Synthetic_002')
    await waitForReady(h.page)
    expect(service.calls.filter((c) => c.method === 'openStudy').map((c) => c.request)).toEqual([
      { path: path.join(tmp.dir, 'cohort', 'Synthetic_001') },
      { path: path.join(tmp.dir, 'cohort', 'Synthetic_002') },
    ])
  })

  it('train and evaluateFolder open the cohort dialog; Inspect lists the studies of the folder', async () => {
    for (const [command, dialog, title] of [
      ['train', 'train-dialog', 'Train a model'],
      ['evaluateFolder', 'evaluate-dialog', 'Evaluate a folder'],
    ] as const) {
      await send({ command })
      await h.page.waitForSelector(`[data-testid="${dialog}"]`)
      expect(await h.page.locator(`[data-testid="${dialog}"] h2`).textContent()).toBe(title)
      // Viewer keys are inert while a dialog is open: 's' would toggle the side-by-side layout.
      const layout = await h.page.locator('[data-testid="layout-toggle"]').getAttribute('class')
      await h.page.locator(`[data-testid="cohort-path"]`).fill(path.join(tmp.dir, 'cohort'))
      await h.page.locator(`[data-testid="${dialog}"] button[type="submit"]`).click()
      await poll(() => h.page.locator('[data-testid="cohort-summary"]').textContent()).toMatch(/2\s+studies found,\s+2\s+with ground truth/)
      await h.page.locator('body').press('s')
      expect(await h.page.locator('[data-testid="layout-toggle"]').getAttribute('class')).toBe(layout)
      await settle(h.page, 100)
      await screenshot(h.page, SPEC, `${command}-dialog`)
      await h.page.keyboard.press('Escape')
      await poll(() => h.page.locator(`[data-testid="${dialog}"]`).count()).toBe(0)
    }
  })

  it('a folder outside the data root is refused with the host error shown', async () => {
    await send({ command: 'evaluateFolder' })
    await h.page.locator('[data-testid="cohort-path"]').fill('/etc')
    await h.page.locator('[data-testid="evaluate-dialog"] button[type="submit"]').click()
    await poll(() => h.page.locator('[data-testid="evaluate-dialog"] .err').textContent()).toMatch(/outside what this host may read/)
    await h.page.keyboard.press('Escape')
    // The browser logs the refused request itself (HTTP 403); nothing else went wrong.
    expect(h.errors).toEqual([expect.stringContaining('status of 403')])
    h.errors.length = 0
  })

  it('loadModel lists the models with their cards; choosing one re-predicts with it', async () => {
    await send({ command: 'loadModel' })
    await h.page.waitForSelector('[data-testid="models-dialog"]')
    await poll(() => h.page.locator('[data-testid="model-list"] li').count()).toBe(2)
    await screenshot(h.page, SPEC, 'load-model-dialog')
    await h.page.locator('[data-testid="model-list"] li', { hasText: 'second-model' }).locator('button').click()
    await poll(() => h.page.locator('[data-testid="models-dialog"]').count()).toBe(0)
    await poll(() => predictedWith.filter((m) => m === 'second-model').length).toBe(2)
    await poll(() => h.page.locator('[data-testid="model-name"]').textContent()).toContain('second-model')
    expect(h.errors).toEqual([])
  })
})
