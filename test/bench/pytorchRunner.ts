/**
 * Runs the PyTorch reference (test/bench/unet_torch.py, the same U-Net from the same layer list) for the bench:
 * probe, parameter count, and timed rows, each in its own Python process with `threads` intra-op threads
 * (torch.set_num_threads, and OMP/OpenBLAS capped alike). Installs nothing: when torch is missing the result says
 * so and names the apt command.
 */
import { spawnSync } from 'node:child_process'
import { loadavg } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Measurement, RowName } from './benchRows'
import { ROW_NAMES } from './benchRows'

export const DEFAULT_PYTHON = '/usr/bin/python3'
export const TORCH_APT = 'apt-get install python3-torch libopenblas0-pthread'
export const TORCH_SCRIPT = join(resolve(fileURLToPath(new URL('.', import.meta.url))), 'unet_torch.py')

export type TorchRun<T> = { ok: true; value: T } | { ok: false; missing: boolean; reason: string }

export interface TorchProbe {
  torch: string
  threads: number
  python: string
  blas: { configBlasInfo: string; loadedLibraries: string[]; openblas: boolean; pthread: boolean; note: string | null }
  cuda: { available: boolean; reason: string; device?: string }
}

interface TorchBenchOutput {
  torch: string
  threads: number
  parameters: Record<string, number>
  peakRssMb: number
  rows: Array<{ name: string; base: number; engine: string; device: 'cpu' | 'gpu'; unit: string; value: number; samplesMs: number[]; gflop: number; batch?: number; slices?: number }>
}

/**
 * Runs unet_torch.py with `args` and parses its JSON line.
 * @returns The parsed object, or why not: `missing` when Python or torch is absent (exit 3 / ENOENT).
 */
export function runTorch<T>(args: string[], opts: { python?: string; threads?: number; timeoutMs?: number } = {}): TorchRun<T> {
  const python = opts.python ?? DEFAULT_PYTHON
  const threads = String(opts.threads ?? 2)
  const run = spawnSync(python, [TORCH_SCRIPT, '--threads', threads, ...args], {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60 * 60_000,
    maxBuffer: 1 << 26,
    env: { ...process.env, OMP_NUM_THREADS: threads, OPENBLAS_NUM_THREADS: threads, MKL_NUM_THREADS: threads },
  })
  if (run.error) {
    const missing = (run.error as NodeJS.ErrnoException).code === 'ENOENT'
    return { ok: false, missing, reason: missing ? `${python} not found` : `${python}: ${run.error.message}` }
  }
  const last = run.stdout.trim().split('\n').pop() ?? ''
  let parsed: Record<string, unknown> | null = null
  try {
    parsed = JSON.parse(last) as Record<string, unknown>
  } catch {
    parsed = null
  }
  if (run.status === 3 && parsed?.error) return { ok: false, missing: true, reason: String(parsed.error) }
  if (run.status !== 0 || !parsed)
    return { ok: false, missing: false, reason: `unet_torch.py ${args.join(' ')} exited ${run.status ?? run.signal}: ${run.stderr.trim().split('\n').slice(-4).join(' | ')}` }
  return { ok: true, value: parsed as T }
}

/** Versions, threads, BLAS and CUDA of the PyTorch at `python`. */
export function probeTorch(python?: string): TorchRun<TorchProbe> {
  return runTorch<TorchProbe>(['--probe'], { python, timeoutMs: 120_000 })
}

/** PyTorch's parameter count of the U-Net at `base` (7,846,081 at 32). */
export function torchParameterCount(base: number, python?: string): TorchRun<number> {
  const r = runTorch<{ parameters: number }>(['--count', '--base', String(base)], { python, timeoutMs: 120_000 })
  return r.ok ? { ok: true, value: r.value.parameters } : r
}

export interface TorchBenchOptions {
  python?: string
  base: number
  parts: Array<'slice' | 'study' | 'train'>
  device: 'cpu' | 'cuda'
  threads: number
  warmup: number
  samples: number
  studySlices: number
  studySamples: number
}

/**
 * Timed PyTorch rows for one base, as Measurements (ms in the bench's units; GFLOP from PyTorch's own count of
 * the same layer list).
 */
export function torchMeasurements(o: TorchBenchOptions): TorchRun<{ rows: Measurement[]; parameters: number; peakRssMb: number }> {
  const args = [
    '--bench', '--bases', String(o.base), '--parts', o.parts.join(','), '--device', o.device,
    '--warmup', String(o.warmup), '--repeats', String(o.samples),
    '--study-slices', String(o.studySlices), '--study-repeats', String(o.studySamples),
  ]
  const r = runTorch<TorchBenchOutput>(args, { python: o.python, threads: o.threads })
  if (!r.ok) return r
  const out = r.value
  const rows = out.rows
    .filter((row) => (ROW_NAMES as readonly string[]).includes(row.name))
    .map((row): Measurement => ({
      name: row.name as RowName,
      base: row.base,
      engine: row.engine,
      device: row.device,
      ms: row.value,
      samplesMs: row.samplesMs,
      gflop: row.gflop,
      threads: out.threads,
      peakRssMb: out.peakRssMb,
      load1: Math.round(loadavg()[0] * 100) / 100,
      ...(row.batch !== undefined ? { batch: row.batch } : {}),
      ...(row.slices !== undefined ? { slices: row.slices } : {}),
    }))
  return { ok: true, value: { rows, parameters: out.parameters[String(o.base)], peakRssMb: out.peakRssMb } }
}
