/**
 * End-to-end test of the real desktop app: the electron-vite build launched with playwright-core's `_electron`,
 * with the real engine service in its worker thread and the bundled sample study.
 *
 * Covers: the app opens the sample study by itself (no study given) and streams both predictions; the page runs
 * sandboxed (no require/process), on tilelab://app/ with the CSP header, and cannot reach remote content, open
 * windows or navigate away; API calls naming a path the user did not pick are refused with E_ACCESS; an overlay
 * toggle changes the pixels of the viewer; File > Evaluate Folder..., Model > Train... and Model > Load Model...
 * (clicked through the application menu in the main process) open their dialogs; window bounds persist.
 * Screenshots: test/e2e/screenshots/electron/.
 *
 * SKIPPED where no Electron binary exists (this build machine: the binary cannot be downloaded) or, on Linux,
 * without a display (use `xvfb-run -a`); the reason is printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { PNG } from 'pngjs'
import { screenshot, settle, tempDir, waitForReady } from './harness'
import { clickMenuItem, electronUnavailable, ensureAppBuild, launchApp, type LaunchedApp } from './electronHarness'

const SPEC = 'electron'
const skip = electronUnavailable()
if (skip) console.warn(`electron e2e skipped: ${skip}`)
const poll = <T>(fn: () => T | Promise<T>, timeout = 30_000) => expect.poll(fn, { timeout, interval: 100 })

let tmp: ReturnType<typeof tempDir>
let h: LaunchedApp
let sampleStudy = ''

/** Fraction of pixels whose RGB differ by more than 8 between two same-size screenshots. */
function changedFraction(a: PNG, b: PNG): number {
  let changed = 0
  for (let i = 0; i < a.data.length; i += 4) {
    const d = Math.abs(a.data[i] - b.data[i]) + Math.abs(a.data[i + 1] - b.data[i + 1]) + Math.abs(a.data[i + 2] - b.data[i + 2])
    if (d > 24) changed++
  }
  return changed / (a.width * a.height)
}

describe.skipIf(skip)('the desktop app (Electron)', () => {
  beforeAll(async () => {
    await ensureAppBuild()
    tmp = tempDir('tilelab-electron-e2e-')
    h = await launchApp(path.join(tmp.dir, 'userData'))
  })

  afterAll(async () => {
    await h?.close()
    tmp?.remove()
  })

  it('opens the bundled sample study on start and streams both predictions', async () => {
    await waitForReady(h.page, 180_000)
    const info = await h.page.evaluate(async () => {
      const w = globalThis as unknown as { tilelab: { call(m: string, r: unknown): Promise<{ ok: boolean; value: { sampleStudy: string; host: string } }> } }
      return (await w.tilelab.call('getAppInfo', {})).value
    })
    expect(info.host).toBe('electron')
    expect(info.sampleStudy).toBeTruthy()
    sampleStudy = info.sampleStudy
    expect(await h.page.locator('[data-testid="study-name"] .path').textContent()).toContain(path.basename(info.sampleStudy))
    await h.page.waitForSelector('[data-testid="job-full"][data-state="done"]', { timeout: 300_000 })
    await h.page.waitForSelector('[data-testid="job-tiled"][data-state="done"]', { timeout: 300_000 })
    await settle(h.page, 400)
    await screenshot(h.page, SPEC, '01-sample-study')
    expect(h.errors).toEqual([])
  })

  it('runs sandboxed on tilelab://app/ and cannot reach remote content, open windows or navigate', async () => {
    const page = await h.page.evaluate(async () => {
      const g = globalThis as unknown as Record<string, unknown> & { open(u: string): unknown; location: { href: string } }
      let remote = 'loaded'
      try {
        await fetch('https://example.org/')
      } catch {
        remote = 'blocked'
      }
      const opened = g.open('https://example.org/')
      return { href: g.location.href, require: typeof g.require, process: typeof g.process, bridge: typeof g.tilelab, remote, opened: opened === null }
    })
    expect(page).toEqual({ href: expect.stringMatching(/^tilelab:\/\/app\//), require: 'undefined', process: 'undefined', bridge: 'object', remote: 'blocked', opened: true })
    const csp = await h.page.evaluate(async () => (await fetch('tilelab://app/index.html')).headers.get('content-security-policy'))
    expect(csp).toContain("script-src 'self'")
    await h.page.evaluate(() => {
      ;(globalThis as unknown as { location: { href: string } }).location.href = 'https://example.org/'
    })
    await h.page.waitForTimeout(500)
    expect(h.page.url()).toMatch(/^tilelab:\/\/app\//)
    expect(h.app.windows()).toHaveLength(1)
  })

  it('refuses API calls naming paths the user did not pick (E_ACCESS)', async () => {
    const codes = await h.page.evaluate(async () => {
      const w = globalThis as unknown as { tilelab: { call(m: string, r: unknown): Promise<{ ok: boolean; error?: { code: string } }> } }
      return Promise.all([
        w.tilelab.call('openStudy', { path: '/etc' }),
        w.tilelab.call('browse', { path: '/' }),
        w.tilelab.call('inspectCohort', { path: '/home' }),
        w.tilelab.call('openStudy', { path: '/etc', extra: 1 }),
      ]).then((r) => r.map((x) => (x.ok ? 'ok' : x.error!.code)))
    })
    expect(codes).toEqual(['E_ACCESS', 'E_ACCESS', 'E_ACCESS', 'E_ARGS'])
  })

  it('toggling an overlay changes what the viewer shows', async () => {
    const pane = '[data-testid="pane-main"]'
    const on = (await screenshot(h.page, SPEC, '02-overlays-on', pane)).png
    await h.page.locator('body').press('f') // full-image heatmap off
    await h.page.locator('body').press('g') // ground-truth outline off
    await settle(h.page, 400)
    const off = (await screenshot(h.page, SPEC, '03-overlays-off', pane)).png
    expect(changedFraction(on, off)).toBeGreaterThan(0.001)
    await h.page.locator('body').press('f')
    await h.page.locator('body').press('g')
  })

  it('the menu opens the Evaluate, Train and Load Model dialogs', async () => {
    for (const [item, dialog, shot] of [
      ['evaluate-folder', 'evaluate-dialog', '04-evaluate-dialog'],
      ['train', 'train-dialog', '05-train-dialog'],
      ['load-model', 'models-dialog', '06-load-model-dialog'],
    ] as const) {
      await clickMenuItem(h.app, item)
      await h.page.waitForSelector(`[data-testid="${dialog}"]`, { timeout: 10_000 })
      await settle(h.page, 200)
      await screenshot(h.page, SPEC, shot)
      await h.page.keyboard.press('Escape')
      await poll(() => h.page.locator(`[data-testid="${dialog}"]`).count()).toBe(0)
    }
  })

  it('Evaluate Folder... > Choose... goes through the native dialog (stubbed in main), grants the pick, inspects it', async () => {
    // The native dialog cannot be driven; replace it in the main process with one that picks the sample study.
    await h.app.evaluate(({ dialog }, picked) => {
      ;(dialog as unknown as { showOpenDialog: unknown }).showOpenDialog = async () => ({ canceled: false, filePaths: [picked] })
    }, sampleStudy)
    await clickMenuItem(h.app, 'evaluate-folder')
    await h.page.locator('[data-testid="cohort-choose"]').click()
    await h.page.waitForSelector('[data-testid="cohort-summary"]', { timeout: 60_000 })
    expect(await h.page.locator('[data-testid="cohort-path"]').inputValue()).toContain(path.basename(sampleStudy))
    expect(await h.page.locator('[data-testid="cohort-summary"]').textContent()).toMatch(/\d+\s+studies found/)
    await screenshot(h.page, SPEC, '07-evaluate-inspected')
    await h.page.keyboard.press('Escape')
  })

  it('Model > Train... lists the backends, the detected one checked and the unavailable ones disabled with a reason', async () => {
    await clickMenuItem(h.app, 'train')
    await h.page.waitForSelector('[data-testid="train-dialog"]', { timeout: 10_000 })
    const checked = await h.page.locator('[data-testid="train-backends"] input:checked').getAttribute('value')
    expect(['tensorflow', 'wasm', 'cpu']).toContain(checked)
    for (const off of await h.page.locator('[data-testid="train-backends"] label.off').all())
      expect(await off.textContent()).toMatch(/unavailable: \S/)
    await h.page.keyboard.press('Escape')
  })

  it('saves the window bounds in settings.json when the app quits', async () => {
    await h.app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0].setBounds({ x: 40, y: 30, width: 1280, height: 820 }))
    await h.close()
    const settings = JSON.parse(readFileSync(path.join(tmp.dir, 'userData', 'settings.json'), 'utf8'))
    expect(settings.windowBounds).toMatchObject({ width: 1280, height: 820 })
  })
})
