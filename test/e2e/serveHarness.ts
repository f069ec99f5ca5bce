/**
 * End-to-end harness through the real `tilelab serve` process: the CLI (src-main/cli/bin.mjs) is spawned with
 * `--data DIR` and its own TILELAB_HOME (models, runs, sample study) and TILELAB_CACHE_DIR, its first stdout line
 * (the URL with the token) is opened in Debian's headless Chromium. Training and evaluation then run as the
 * service's child `tilelab` processes, exactly as for a user. Also: `tilelab synth` / `tilelab train` runs for
 * fixtures, and small page helpers shared by the train and evaluate specs.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { createInterface } from 'node:readline'
import type { Browser, Page } from 'playwright-core'
import { ensureRendererBuild, launchChromium, REPO_ROOT, watchConsole } from './harness'

const BIN = path.join(REPO_ROOT, 'src-main', 'cli', 'bin.mjs')

export interface ServedApp {
  url: string
  child: ChildProcess
  browser: Browser
  page: Page
  /** Console errors and page errors (the browser's own lines about refused requests included). */
  errors: string[]
  console: string[]
  /** stderr of the serve process (and its jobs' CLI processes are separate: their errors reach the page). */
  serverLog: string[]
  close(): Promise<void>
}

/**
 * Environment of every TileLab process of a spec: its own home and caches, quiet logs, and an empty bundled-models
 * folder, so the shipped models/default never joins the models a spec trains or saves.
 */
export function tilelabEnv(home: string): NodeJS.ProcessEnv {
  const bundled = path.join(home, 'no-bundled-models')
  mkdirSync(bundled, { recursive: true })
  return {
    ...process.env,
    TILELAB_HOME: home,
    TILELAB_MODELS: bundled,
    TILELAB_CACHE_DIR: path.join(home, 'slice-cache'),
    TILELAB_LOG: 'warn',
  }
}

/**
 * Runs `tilelab <args>` to completion.
 * @throws Error with the exit code and the tail of stderr when it fails.
 */
export function runTilelab(args: string[], home: string, timeoutMs = 180_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: tilelabEnv(home), stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()))
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      if (code === 0) resolve(out)
      else reject(new Error(`tilelab ${args[0]} exited with ${code}: ${err.slice(-800)}`))
    })
  })
}

/** Starts `tilelab serve --data <data>` and opens its URL in headless Chromium. */
export async function openServedApp(options: {
  data: string
  home: string
  viewport?: { width: number; height: number }
  hash?: string
}): Promise<ServedApp> {
  await ensureRendererBuild()
  mkdirSync(options.home, { recursive: true })
  const child = spawn(process.execPath, [BIN, 'serve', '--data', options.data], {
    cwd: REPO_ROOT,
    env: tilelabEnv(options.home),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const serverLog: string[] = []
  createInterface({ input: child.stderr! }).on('line', (l) => serverLog.push(l))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tilelab serve printed no URL in 240 s: ${serverLog.slice(-5).join(' | ')}`)), 240_000)
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer)
      resolve(line.trim())
    })
    child.once('exit', (code) => reject(new Error(`tilelab serve exited with ${code}: ${serverLog.slice(-5).join(' | ')}`)))
  }).catch((err: unknown) => {
    child.kill('SIGKILL') // never leave the process behind a failed start
    throw err
  })
  const browser = await launchChromium()
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1600, height: 1000 }, acceptDownloads: true })
  const page = await context.newPage()
  const { errors, lines } = watchConsole(page)
  await page.goto(url + (options.hash ? `#${options.hash}` : ''))
  return {
    url,
    child,
    browser,
    page,
    errors,
    console: lines,
    serverLog,
    close: async () => {
      await browser.close().catch(() => undefined)
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGINT')
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
        await exited
        clearTimeout(timer)
      }
    },
  }
}

/** The slice number the viewer shows (SliceBar readout "k / n"). */
export async function sliceShown(page: Page): Promise<number> {
  return Number((await page.locator('[data-testid="slice-number"]').textContent())!.split('/')[0].trim())
}

/** Fills a text field of a dialog (clears it first). */
export async function fill(page: Page, testid: string, value: string): Promise<void> {
  const input = page.locator(`[data-testid="${testid}"]`)
  await input.fill('')
  await input.fill(value)
}
