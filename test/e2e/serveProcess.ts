/**
 * The REAL `tilelab serve` for the end-to-end tests: runs `node src-main/cli/bin.mjs serve --data DIR` as a child
 * process in an isolated work folder (TILELAB_HOME) with only the models the test put there (TILELAB_MODELS points
 * at an empty folder, so a model bundled in the checkout does not change what the tests see), reads the URL from its
 * first stdout line, and talks to it the way a non-browser client does (the `X-TileLab-Token` header).
 *
 * Also runs `tilelab predict --json` (the CLI the viewer's Dice readout must agree with) and listens to the host's
 * Server-Sent Events from Node.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import type { ApiEvents, ApiMethod, ApiRequest, ApiResults } from '../../src-main/common/api'
import { saveTinyUnet } from '../helpers/tinyModel'
import { REPO_ROOT, tempDir } from './harness'

export const CLI = path.join(REPO_ROOT, 'src-main', 'cli', 'bin.mjs')

/** An isolated work folder: TILELAB_HOME, its models folder, and an empty bundled-models folder. */
export interface ServeHome {
  home: string
  /** `<home>/models`: the user models folder the service lists. */
  models: string
  /** Environment for `tilelab` child processes that use this home. */
  env: NodeJS.ProcessEnv
  remove(): void
}

/**
 * Makes a work folder with tiny untrained U-Nets (test/helpers/tinyModel.ts) saved under `<home>/models/<name>`.
 * @param models name → [baseFilters, depth, seed].
 */
export async function makeServeHome(models: Record<string, [number, number, number]>): Promise<ServeHome> {
  const tmp = tempDir('tilelab-serve-home-')
  const home = tmp.dir
  const modelsDir = path.join(home, 'models')
  const bundled = path.join(home, 'no-bundled-models')
  mkdirSync(modelsDir, { recursive: true })
  mkdirSync(bundled, { recursive: true })
  for (const [name, [baseFilters, depth, seed]] of Object.entries(models))
    await saveTinyUnet(path.join(modelsDir, name), { baseFilters, depth }, seed)
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TILELAB_HOME: home,
    TILELAB_MODELS: bundled,
    TILELAB_LOG: process.env.TILELAB_LOG ?? 'warn',
    ONNXRUNTIME_NODE_INSTALL: 'skip',
  }
  return { home, models: modelsDir, env, remove: tmp.remove }
}

export interface ServeProcess {
  /** The first stdout line: `http://127.0.0.1:PORT/?token=...`. */
  url: string
  origin: string
  token: string
  child: ChildProcess
  /** What the process wrote on stderr (logs), for diagnostics. */
  stderr: string[]
  /** POSTs one API call with the token header; resolves with the JSON value or rejects with the host's error. */
  call<M extends ApiMethod>(method: M, request: ApiRequest<M>): Promise<ApiResults[M]>
  /** Raw fetch against the host; `token: false` sends no token. */
  fetch(pathAndQuery: string, init?: RequestInit & { token?: string | false }): Promise<Response>
  stop(): Promise<void>
}

/**
 * Starts `tilelab serve` and waits for its URL.
 * @param args Extra arguments, e.g. ['--data', dir].
 * @throws Error with the process's stderr when it exits or prints nothing within `timeoutMs`.
 */
export async function startServeProcess(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const stderr: string[] = []
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr.push(d)
    if (stderr.length > 400) stderr.splice(0, 100)
  })
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    const timer = setTimeout(() => fail(`no URL within ${timeoutMs} ms`), timeoutMs)
    function fail(why: string) {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`tilelab serve ${args.join(' ')}: ${why}\n${stderr.join('').slice(-4000)}`))
    }
    lines.once('line', (line) => {
      clearTimeout(timer)
      resolve(line.trim())
    })
    child.once('exit', (code) => fail(`exited with code ${code}`))
  })
  const parsed = new URL(url)
  const origin = parsed.origin
  const token = parsed.searchParams.get('token') ?? ''

  const doFetch = (p: string, init: RequestInit & { token?: string | false } = {}) => {
    const { token: t, ...rest } = init
    const headers = new Headers(rest.headers)
    if (t !== false) headers.set('x-tilelab-token', t ?? token)
    return fetch(origin + p, { ...rest, headers })
  }

  return {
    url,
    origin,
    token,
    child,
    stderr,
    fetch: doFetch,
    async call(method, request) {
      const res = await doFetch(`/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
      })
      const body = (await res.json()) as unknown
      if (!res.ok) throw Object.assign(new Error(`${method}: HTTP ${res.status}: ${JSON.stringify(body)}`), { status: res.status, body })
      return body as never
    },
    async stop() {
      if (child.exitCode !== null) return
      const exited = new Promise<void>((r) => child.once('exit', () => r()))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}

/** One Server-Sent Event of the host. */
export type HostEvent =
  | { name: 'onDidJobProgress'; payload: ApiEvents['onDidJobProgress'] }
  | { name: 'onDidJobEnd'; payload: ApiEvents['onDidJobEnd'] }

/**
 * Listens to `/api/events` from Node and keeps every job event; `close()` stops listening.
 * Resolves once the host said hello, so that no event of a job started afterwards is missed.
 */
export async function listenToEvents(serve: ServeProcess): Promise<{ events: HostEvent[]; close(): void }> {
  const controller = new AbortController()
  const res = await serve.fetch('/api/events', { signal: controller.signal })
  if (!res.ok || !res.body) throw new Error(`/api/events: HTTP ${res.status}`)
  const events: HostEvent[] = []
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
  let hello: () => void = () => undefined
  const ready = new Promise<void>((r) => (hello = r))
  void (async () => {
    let buffer = ''
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        buffer += value
        let cut: number
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut)
          buffer = buffer.slice(cut + 2)
          const name = /^event: (.+)$/m.exec(block)?.[1]
          const data = /^data: (.*)$/m.exec(block)?.[1]
          if (name === 'hello') hello()
          else if ((name === 'onDidJobProgress' || name === 'onDidJobEnd') && data) events.push({ name, payload: JSON.parse(data) } as HostEvent)
        }
      }
    } catch {
      /* aborted */
    }
  })()
  await Promise.race([ready, new Promise((r) => setTimeout(r, 3000))])
  return { events, close: () => controller.abort() }
}

/** The per-slice entry of prediction.json (engine/prediction/predictionReport.ts) that the tests compare with. */
export interface PredictedSliceJson {
  slice: number
  tumorPixels: number | null
  diceFull: number | null
  diceTiled: number | null
  binaryDiceFull: number | null
  binaryDiceTiled: number | null
  falsePositivesFull: number | null
  falseNegativesFull: number | null
  falsePositivesTiled: number | null
  falseNegativesTiled: number | null
  forwardPassesTiled: number
}

export interface PredictJson {
  model: { name: string; dir: string; engine: string }
  tiling: { tile: number; overlap: number; blend: string; tilesPerSlice: number }
  slices: PredictedSliceJson[]
  outputs: { dir: string; full: string; tiled: string }
}

/**
 * Runs `tilelab predict <study> --model <dir> --slice <k> --json --engine <engine>` with a tiling and returns the
 * parsed report plus the folder it wrote (prob_full.nii.gz / prob_tiled.nii.gz hold slice k).
 */
export async function runPredictCli(options: {
  study: string
  model: string
  slice: number
  engine: 'onnx' | 'tfjs'
  tiling?: { tile: number; overlap: number; blend: string }
  env: NodeJS.ProcessEnv
}): Promise<{ report: PredictJson; out: string }> {
  const out = mkdtempSync(path.join(os.tmpdir(), 'tilelab-predict-'))
  const t = options.tiling ?? { tile: 128, overlap: 0.5, blend: 'mean' }
  const args = [
    CLI, 'predict', options.study, '--model', options.model, '--slice', String(options.slice), '--json',
    '--engine', options.engine, '--tile', String(t.tile), '--overlap', String(t.overlap), '--blend', t.blend,
    '--pngs', 'none', '--out', out,
  ]
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const code = await new Promise<number | null>((r) => child.once('exit', r))
  if (code !== 0) throw new Error(`tilelab predict exited with ${code}:\n${stderr.slice(-3000)}`)
  return { report: JSON.parse(stdout.trim().split('\n').at(-1)!) as PredictJson, out }
}
