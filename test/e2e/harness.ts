/**
 * End-to-end harness of the viewer: builds the renderer when its sources are newer than out/renderer, launches
 * Debian's headless Chromium through playwright-core (flags from renderer-notes.md), opens the token URL and waits
 * for the viewer's "ready", saves screenshots under test/e2e/screenshots/<spec>/ and samples pixels of what is shown.
 *
 * Two ways in: `openViewer` starts an in-process host with an injected service (the TEST DOUBLE of
 * testDoubleService.ts, for pure UI behaviour); `openViewerAt` opens the URL a real `tilelab serve` process printed
 * (serveProcess.ts; every acceptance test of issue 5 goes that way).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { PNG } from 'pngjs'
import type { Browser, BrowserContext, ConsoleMessage, Page } from 'playwright-core'
import type { TileLabService } from '../../src-main/common/api'
import { startWebHost, type WebHost } from '../../src-main/web/webHost'

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const RENDERER_OUT = path.join(REPO_ROOT, 'out', 'renderer')
export const CHROMIUM = '/usr/bin/chromium'
export const SCREENSHOT_ROOT = path.join(REPO_ROOT, 'test', 'e2e', 'screenshots')

/** Why the e2e specs cannot run here, or null when they can. */
export function e2eUnavailable(): string | null {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} not found (Debian package 'chromium')`
  return null
}

/** Newest modification time (ms) of the files below `dir`, for rebuild-when-stale checks. */
export function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p))
    else newest = Math.max(newest, statSync(p).mtimeMs)
  }
  return newest
}

/** Builds out/renderer (vite build of src-renderer/vite.config.ts) when missing or older than its sources. */
export async function ensureRendererBuild(): Promise<void> {
  const index = path.join(RENDERER_OUT, 'index.html')
  const sources = Math.max(
    newestMtime(path.join(REPO_ROOT, 'src-renderer')),
    newestMtime(path.join(REPO_ROOT, 'src-main', 'common')),
  )
  if (existsSync(index) && statSync(index).mtimeMs >= sources && !process.env.TILELAB_E2E_REBUILD) return
  const { build } = await import('vite')
  await build({ configFile: path.join(REPO_ROOT, 'src-renderer', 'vite.config.ts'), logLevel: 'warn' })
}

export interface Harness {
  /** The in-process web host (test double specs); null when the page talks to a `tilelab serve` process. */
  host: WebHost | null
  browser: Browser
  context: BrowserContext
  page: Page
  /** Console errors and page errors seen so far (CSP violations included). */
  errors: string[]
  /** Every console line, for diagnostics. */
  console: string[]
  close(): Promise<void>
}

export interface BrowserOptions {
  /** Browser viewport in CSS pixels; a workstation-like 1600×1000 by default. */
  viewport?: { width: number; height: number }
  hash?: string
  /** Runs on the new page before it navigates (e.g. page.addInitScript to stand in for the preload's bridges). */
  beforeGoto?: (page: Page) => Promise<unknown>
}

/** Debian's headless Chromium through playwright-core, with the flags of renderer-notes.md (this network is closed). */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core')
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  })
}

/**
 * Collects a page's console: every line, and the errors (console errors and page errors) a spec asserts are absent.
 * The NIfTI loader aborts its own header fetch by design (renderer-notes.md): those aborts are not errors.
 */
export function watchConsole(page: Page): { errors: string[]; lines: string[] } {
  const errors: string[] = []
  const lines: string[] = []
  page.on('console', (m: ConsoleMessage) => {
    const text = `[${m.type()}] ${m.text()}`
    lines.push(text)
    if (m.type() === 'error' && !/ERR_ABORTED|Fetch aborted|AbortError/.test(m.text())) errors.push(text)
  })
  page.on('pageerror', (e) => errors.push(`[pageerror] ${e.message}`))
  return { errors, lines }
}

/**
 * Launches headless Chromium and opens `url` (the token URL a host printed), plus `#hash` when given.
 * The caller owns the host; close() closes only the browser.
 */
export async function openViewerAt(url: string, options: BrowserOptions = {}): Promise<Harness> {
  const browser = await launchChromium()
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1600, height: 1000 } })
  const page = await context.newPage()
  const { errors, lines } = watchConsole(page)
  await options.beforeGoto?.(page)
  await page.goto(url + (options.hash ? `#${options.hash}` : ''))
  return {
    host: null,
    browser,
    context,
    page,
    errors,
    console: lines,
    close: async () => {
      await browser.close().catch(() => undefined)
    },
  }
}

/**
 * Starts an in-process web host with an injected service (the test double) and opens the viewer on it.
 */
export async function openViewer(options: BrowserOptions & {
  service: TileLabService
  dataRoot: string | null
  readOnlyRoots?: string[]
}): Promise<Harness & { host: WebHost }> {
  await ensureRendererBuild()
  const host = await startWebHost({
    service: options.service,
    staticDir: RENDERER_OUT,
    dataRoot: options.dataRoot,
    readOnlyRoots: options.readOnlyRoots,
  })
  const h = await openViewerAt(host.url, options)
  return {
    ...h,
    host,
    close: async () => {
      await h.close()
      await host.close()
    },
  }
}

/** Waits until the viewer shows a study (data-ready) and `predicate` holds in the page, if given. */
export async function waitForReady(page: Page, timeoutMs = 90_000): Promise<void> {
  await page.waitForSelector('[data-testid="app"][data-ready="true"]', { timeout: timeoutMs })
}

/** Waits for both prediction jobs to finish (status bar data-state="done"). */
export async function waitForPredictions(page: Page, timeoutMs = 120_000): Promise<void> {
  await page.waitForSelector('[data-testid="job-full"][data-state="done"]', { timeout: timeoutMs })
  await page.waitForSelector('[data-testid="job-tiled"][data-state="done"]', { timeout: timeoutMs })
}

/** Two animation frames: lets Cornerstone render and the overlay redraw. */
export async function settle(page: Page, extraMs = 150): Promise<void> {
  // (Runs in the page; the Node-side tsconfig has no DOM lib, hence the cast.)
  await page.evaluate(() => {
    const raf = (globalThis as unknown as { requestAnimationFrame(cb: () => void): number }).requestAnimationFrame
    return new Promise<void>((r) => raf(() => raf(() => r())))
  })
  if (extraMs) await page.waitForTimeout(extraMs)
}

/** Saves a PNG under test/e2e/screenshots/<spec>/<name>.png; returns the path and the decoded image. */
export async function screenshot(page: Page, spec: string, name: string, selector?: string): Promise<{ file: string; png: PNG }> {
  const dir = path.join(SCREENSHOT_ROOT, spec)
  mkdirSync(dir, { recursive: true })
  const buffer = selector ? await page.locator(selector).screenshot() : await page.screenshot()
  const file = path.join(dir, `${name}.png`)
  writeFileSync(file, buffer)
  return { file, png: PNG.sync.read(buffer) }
}

/** RGBA of one pixel of a decoded screenshot. */
export function pixel(png: PNG, x: number, y: number): [number, number, number, number] {
  const i = (png.width * Math.round(y) + Math.round(x)) * 4
  return [png.data[i], png.data[i + 1], png.data[i + 2], png.data[i + 3]]
}

/** Mean absolute RGB difference of two same-size screenshots over a set of points. */
export function meanDifference(a: PNG, b: PNG, points: [number, number][]): number {
  let sum = 0
  for (const [x, y] of points) {
    const p = pixel(a, x, y)
    const q = pixel(b, x, y)
    sum += (Math.abs(p[0] - q[0]) + Math.abs(p[1] - q[1]) + Math.abs(p[2] - q[2])) / 3
  }
  return points.length ? sum / points.length : 0
}

/**
 * The mapping from voxel (i, j) of the current slice to a pane's pixels, read from the overlay's slice transform
 * (the same mapping Cornerstone used for the frame): [a, b, c, d, e, f] with x = a·i + c·j + e, y = b·i + d·j + f,
 * relative to the pane's top-left corner.
 */
export async function sliceTransform(page: Page, pane: 'main' | 'side'): Promise<number[]> {
  const attr = await page
    .locator(`[data-testid="pane-${pane}"] .overlay-layer g.slice-space`)
    .getAttribute('transform')
  const m = /matrix\(([^)]+)\)/.exec(attr ?? '')
  if (!m) throw new Error(`no slice transform in pane ${pane}`)
  return m[1].split(/[ ,]+/).map(Number)
}

/** Pane coordinates of voxel (i, j) of the current slice (see sliceTransform). */
export async function voxelToPane(page: Page, pane: 'main' | 'side', i: number, j: number): Promise<[number, number]> {
  const [a, b, c, d, e, f] = await sliceTransform(page, pane)
  return [a * i + c * j + e, b * i + d * j + f]
}

/** Page coordinates of many voxels of the current slice in a pane (one transform read). */
export async function voxelsToPage(page: Page, pane: 'main' | 'side', voxels: [number, number][]): Promise<[number, number][]> {
  const [a, b, c, d, e, f] = await sliceTransform(page, pane)
  const box = (await page.locator(`[data-testid="pane-${pane}"]`).boundingBox())!
  return voxels.map(([i, j]) => [box.x + a * i + c * j + e, box.y + b * i + d * j + f])
}

/** A temporary folder removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
