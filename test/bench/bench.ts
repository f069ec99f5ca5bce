/**
 * `npm run bench [-- --json] [--quick] [--repeat N]`: TileLab's speed against PyTorch on the same U-Net and machine
 * (issue 7). Not a test: tests never assert timings.
 *
 * For base 32 and base 16: full-image inference ms per 240×240 slice, tiled ms per slice (128/64, 9 tiles batched),
 * tiled/full next to the FLOP ratio (2.56), a 155-slice study full + tiled (through predictVolume), and a training
 * step at 128×128 (batch 8, the paper's loss, Adam) — for each engine TileLab has (onnxruntime for inference,
 * tfjs-wasm for inference and training; onnxruntime's CUDA provider and tfjs-node(-gpu) where installed) and for
 * PyTorch (test/bench/unet_torch.py, Debian's python3-torch with OpenBLAS; torch.cuda where usable), with ratios
 * TileLab/PyTorch, achieved GFLOP/s (unetFlops) and peak RSS.
 *
 * Every engine runs in its own child process (benchChild.ts, unet_torch.py) with the same thread count, one after
 * the other, interleaved per base so load drifts hit all engines alike; rows are medians after warm-up, and with
 * `--repeat N` the median of N rounds of fresh processes. The bench installs nothing: without torch it names the
 * apt command and still prints TileLab's rows; absent GPU engines are reported with the reason.
 *
 * Options: --json (one JSON object on stdout) --quick (base 16, 1 warm-up, 3 samples, 16-slice study)
 *   --repeat N --bases 32,16 --threads 2 --warmup 2 --samples 5 --study-slices 155 --study-samples 1
 *   --parts slice,study,train --engines onnxruntime,tfjs,pytorch --python /usr/bin/python3 --out file.json
 *   --timeout-min 60 (per child). `npm run bench --quick` (without `--`) works too (npm_config_quick).
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { writeFileAtomic } from '../../src-main/engine/io/atomicWrite'
import { unetParameterCount } from '../../src-main/engine/model/unet'
import type { BenchJob, ChildResult } from './benchChild'
import type { Measurement } from './benchRows'
import { buildRows, formatTable, mergeRounds, tiledFlopRatio, tiledOverFullRows } from './benchRows'
import { DEFAULT_PYTHON, TORCH_APT, probeTorch, torchMeasurements, torchParameterCount, type TorchProbe } from './pytorchRunner'

type Part = 'slice' | 'study' | 'train'
type Engine = 'onnxruntime' | 'tfjs' | 'pytorch'

interface Settings {
  json: boolean
  quick: boolean
  repeat: number
  bases: number[]
  threads: number
  warmup: number
  samples: number
  studySlices: number
  studySamples: number
  parts: Part[]
  engines: Engine[]
  python: string
  out?: string
  timeoutMs: number
}

/** A job of the plan: a TileLab child or a PyTorch run. */
type PlannedJob = { label: string } & ({ runner: 'tilelab'; job: BenchJob } | { runner: 'pytorch'; base: number; parts: Part[]; device: 'cpu' | 'cuda' })

const CHILD = fileURLToPath(new URL('./benchChild.ts', import.meta.url))

function settingsFromArgs(): Settings {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      repeat: { type: 'string' },
      bases: { type: 'string' },
      threads: { type: 'string', default: '2' },
      warmup: { type: 'string' },
      samples: { type: 'string' },
      'study-slices': { type: 'string' },
      'study-samples': { type: 'string', default: '1' },
      parts: { type: 'string', default: 'slice,study,train' },
      engines: { type: 'string', default: 'onnxruntime,tfjs,pytorch' },
      python: { type: 'string', default: process.env.TILELAB_BENCH_PYTHON ?? DEFAULT_PYTHON },
      out: { type: 'string' },
      'timeout-min': { type: 'string', default: '60' },
    },
  })
  const env = (name: string) => process.env[`npm_config_${name}`]
  const quick = values.quick || env('quick') === 'true'
  const int = (v: string | undefined, fallback: number, name: string, min = 0) => {
    const n = v === undefined ? fallback : Number(v)
    if (!Number.isInteger(n) || n < min) throw new Error(`bench: --${name} must be an integer ≥ ${min}, got ${v}`)
    return n
  }
  const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean)
  const parts = list(values.parts!) as Part[]
  const engines = list(values.engines!) as Engine[]
  for (const p of parts) if (!['slice', 'study', 'train'].includes(p)) throw new Error(`bench: unknown part '${p}' (slice, study, train)`)
  for (const e of engines) if (!['onnxruntime', 'tfjs', 'pytorch'].includes(e)) throw new Error(`bench: unknown engine '${e}' (onnxruntime, tfjs, pytorch)`)
  const bases = list(values.bases ?? (quick ? '16' : '32,16')).map((b) => int(b, 32, 'bases', 1))
  for (const b of bases) unetParameterCount({ baseFilters: b }) // validates the width (E_ARGS)
  return {
    json: values.json || env('json') === 'true',
    quick,
    repeat: int(values.repeat ?? env('repeat'), 1, 'repeat', 1),
    bases,
    threads: int(values.threads, 2, 'threads', 1),
    warmup: int(values.warmup, quick ? 1 : 2, 'warmup'),
    samples: int(values.samples, quick ? 3 : 5, 'samples', 1),
    studySlices: int(values['study-slices'], quick ? 16 : 155, 'study-slices', 1),
    studySamples: int(values['study-samples'], 1, 'study-samples', 1),
    parts,
    engines,
    python: values.python!,
    out: values.out,
    timeoutMs: int(values['timeout-min'], 60, 'timeout-min', 1) * 60_000,
  }
}

interface MachineInfo {
  cpuModel: string
  cores: number
  logicalCpus: number
  cpuFlags: string[]
  memoryGiB: number
  os: string
  node: string
}

function machineInfo(): MachineInfo {
  let flags: string[] = []
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags')) ?? ''
    flags = ['avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx512_bf16', 'amx_tile'].filter((f) => line.split(/\s+/).includes(f))
  } catch {
    /* not Linux */
  }
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    logicalCpus: cpus().length,
    cpuFlags: flags,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    os: `${process.platform} ${release()}`,
    node: process.version,
  }
}

function runChild(job: BenchJob, timeoutMs: number): ChildResult | { error: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(job)], {
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 1 << 26,
    env: { ...process.env, TILELAB_LOG: process.env.TILELAB_LOG ?? 'warn' },
  })
  const last = run.stdout?.trim().split('\n').pop() ?? ''
  if (run.status === 0 && last.startsWith('{')) return JSON.parse(last) as ChildResult
  const why = run.error ? run.error.message : `exit ${run.status ?? run.signal}`
  return { error: `${why}: ${(run.stderr ?? '').trim().split('\n').slice(-4).join(' | ')}` }
}

function plan(s: Settings, gpu: { onnxCuda: boolean; tfjsNode: boolean; torchCuda: boolean }, torch: boolean): PlannedJob[] {
  const jobs: PlannedJob[] = []
  const common = { threads: s.threads, warmup: s.warmup, samples: s.samples, studySlices: s.studySlices, studySamples: s.studySamples }
  const inferParts = s.parts.filter((p) => p !== 'train')
  for (const base of s.bases) {
    const tilelab = (label: string, job: Omit<BenchJob, 'base' | keyof typeof common>) =>
      jobs.push({ label: `${label} b${base}`, runner: 'tilelab', job: { ...job, ...common, base } })
    const pytorch = (device: 'cpu' | 'cuda', parts: Part[]) =>
      jobs.push({ label: `pytorch${device === 'cuda' ? '-cuda' : ''} b${base} ${parts.join('+')}`, runner: 'pytorch', base, parts, device })
    if (inferParts.length) {
      if (s.engines.includes('onnxruntime')) {
        tilelab(`onnxruntime-cpu ${inferParts.join('+')}`, { kind: 'onnxruntime', provider: 'cpu', parts: inferParts })
        if (gpu.onnxCuda) tilelab(`onnxruntime-cuda ${inferParts.join('+')}`, { kind: 'onnxruntime', provider: 'cuda', parts: inferParts })
      }
      if (s.engines.includes('tfjs')) {
        tilelab(`tfjs-wasm ${inferParts.join('+')}`, { kind: 'tfjs', backend: 'wasm', parts: inferParts })
        if (gpu.tfjsNode) tilelab(`tfjs-node ${inferParts.join('+')}`, { kind: 'tfjs', backend: 'tensorflow', parts: inferParts })
      }
      if (torch && s.engines.includes('pytorch')) {
        pytorch('cpu', inferParts)
        if (gpu.torchCuda) pytorch('cuda', inferParts)
      }
    }
    if (s.parts.includes('train')) {
      if (s.engines.includes('tfjs')) {
        tilelab('tfjs-wasm train', { kind: 'tfjs', backend: 'wasm', parts: ['train'] })
        if (gpu.tfjsNode) tilelab('tfjs-node train', { kind: 'tfjs', backend: 'tensorflow', parts: ['train'] })
      }
      if (torch && s.engines.includes('pytorch')) {
        pytorch('cpu', ['train'])
        if (gpu.torchCuda) pytorch('cuda', ['train'])
      }
    }
  }
  return jobs
}

async function main(): Promise<void> {
  const s = settingsFromArgs()
  const say = (line: string) => process.stderr.write(line + '\n')
  const started = Date.now()
  const machine = { ...machineInfo(), loadAvgStart: loadavg().map((x) => +x.toFixed(2)) }
  say(`bench: ${machine.cpuModel}, ${machine.cores} cores, load ${machine.loadAvgStart.join(' ')}; bases ${s.bases.join(',')}, ${s.threads} threads, warm-up ${s.warmup}, ${s.samples} samples, study ${s.studySlices} slices, ${s.repeat} round(s)${s.quick ? ' (quick)' : ''}`)

  const probe = runChild({ kind: 'probe', base: 32, parts: [], threads: s.threads, warmup: 0, samples: 0, studySlices: 0, studySamples: 0 }, 300_000)
  const info = 'error' in probe ? {} : probe.info
  const onnx = info.onnxruntime as { available: boolean; version?: string; reason?: string } | undefined
  const onnxCuda = info.onnxruntimeCuda as { installed: boolean; reason: string } | undefined
  const tfjsNode = info.tfjsNode as { available: boolean; engine?: string; gpu?: boolean; reason: string } | undefined
  const torchProbe = s.engines.includes('pytorch') ? probeTorch(s.python) : null
  const torch: TorchProbe | null = torchProbe?.ok ? torchProbe.value : null
  const pytorch = torch
    ? { available: true, torch: torch.torch, python: s.python, threads: s.threads, blas: torch.blas }
    : {
        available: false,
        reason: torchProbe && !torchProbe.ok ? torchProbe.reason : 'not requested (--engines)',
        install: torchProbe && !torchProbe.ok && torchProbe.missing ? TORCH_APT : undefined,
      }
  if (!torch && torchProbe) say(`bench: PyTorch unavailable (${pytorch.reason}); TileLab's rows only.${'install' in pytorch && pytorch.install ? ` Install it with: ${pytorch.install}` : ''}`)
  if (torch?.blas.note) say(`bench: PyTorch BLAS: ${torch.blas.note}`)

  const gpu = {
    onnxruntimeCuda: { available: Boolean(onnxCuda?.installed), reason: onnxCuda?.reason ?? ('error' in probe ? probe.error : 'unknown') },
    tfjsNodeGpu: { available: Boolean(tfjsNode?.available && tfjsNode.gpu), reason: tfjsNode?.reason ?? 'unknown' },
    torchCuda: torch ? torch.cuda : { available: false, reason: 'PyTorch unavailable' },
  }
  const anyGpu = gpu.onnxruntimeCuda.available || gpu.tfjsNodeGpu.available || gpu.torchCuda.available
  if (!anyGpu) say('bench: no GPU engine here (onnxruntime CUDA provider, tfjs-node-gpu, torch.cuda): CPU rows only; reasons in the JSON "gpu" field')

  const jobs = plan(s, { onnxCuda: gpu.onnxruntimeCuda.available, tfjsNode: Boolean(tfjsNode?.available), torchCuda: gpu.torchCuda.available }, Boolean(torch))
  const tilelab: Measurement[] = []
  const torchRows: Measurement[] = []
  const childInfo: Record<string, unknown> = {}
  const errors: Array<{ job: string; round: number; error: string }> = []
  const unavailable: Array<{ job: string; reason: string }> = []
  const parameters: Record<string, { tilelab: number; pytorch: number | null }> = {}
  for (const base of s.bases) parameters[base] = { tilelab: unetParameterCount({ baseFilters: base }), pytorch: null }
  let step = 0
  for (let round = 1; round <= s.repeat; round++) {
    for (const j of jobs) {
      step++
      const t0 = Date.now()
      let error = ''
      for (let attempt = 1; attempt <= 2; attempt++) {
        error = ''
        if (j.runner === 'tilelab') {
          const r = runChild(j.job, s.timeoutMs)
          if ('error' in r) error = r.error
          else if (r.unavailable) unavailable.push({ job: j.label, reason: r.unavailable })
          else {
            tilelab.push(...r.rows)
            childInfo[r.engine] = r.info
          }
        } else {
          const common = { python: s.python, threads: s.threads, warmup: s.warmup, samples: s.samples, studySlices: s.studySlices, studySamples: s.studySamples }
          const r = torchMeasurements({ ...common, base: j.base, parts: j.parts, device: j.device })
          if (!r.ok) error = r.reason
          else {
            torchRows.push(...r.value.rows)
            parameters[j.base].pytorch = r.value.parameters ?? parameters[j.base].pytorch
          }
        }
        if (!error) break
        say(`bench: ${j.label} attempt ${attempt} failed: ${error}`)
      }
      if (error) errors.push({ job: j.label, round, error })
      say(`bench: [${step}/${jobs.length * s.repeat}] ${j.label} ${error ? 'FAILED' : 'done'} in ${((Date.now() - t0) / 1000).toFixed(0)} s (load ${loadavg()[0].toFixed(1)})`)
    }
  }
  for (const base of s.bases)
    if (torch && parameters[base].pytorch === null) {
      const c = torchParameterCount(base, s.python)
      if (c.ok) parameters[base].pytorch = c.value
    }

  const tl = mergeRounds(tilelab)
  const pt = mergeRounds(torchRows)
  const rows = buildRows(tl, pt)
  const tiled = tiledOverFullRows([...tl, ...pt])
  const report = {
    bench: 'TileLab vs PyTorch, same U-Net, same machine (issue 7)',
    date: new Date(started).toISOString(),
    elapsedS: Math.round((Date.now() - started) / 1000),
    settings: { ...s, json: undefined, out: undefined },
    machine: {
      ...machine,
      loadAvgEnd: loadavg().map((x) => +x.toFixed(2)),
      tfjs: info.tfjs ?? null,
      onnxruntime: onnx?.version ?? onnx?.reason ?? null,
      torch: torch?.torch ?? null,
      blas: torch ? { ...torch.blas, summary: torch.blas.openblas ? `OpenBLAS${torch.blas.pthread ? ' (pthread)' : ''}` : 'reference BLAS (slow)' } : null,
      wasm: (childInfo['tfjs-wasm'] as { wasm?: unknown } | undefined)?.wasm ?? null,
    },
    gpu: { ...gpu, any: anyGpu },
    pytorch,
    parameters,
    rows,
    tiledOverFull: tiled,
    flopRatio: +tiledFlopRatio(32).toFixed(3),
    peakRssMb: Math.max(0, ...tl.map((m) => m.peakRssMb ?? 0)),
    pytorchPeakRssMb: pt.length ? Math.max(...pt.map((m) => m.peakRssMb ?? 0)) : null,
    targets: {
      inference: 'onnxruntime rows at or below 1.0x PyTorch (tfjs inference is the fallback: no target)',
      training: 'tfjs rows at or below 3.0x PyTorch',
      tiledOverFull: 'within 10% of the FLOP ratio',
      missed: rows.filter((r) => r.meetsTarget === false).map((r) => `${r.name} b${r.base} ${r.engine} ${r.ratio}x > ${r.target}x`),
    },
    unavailable,
    errors,
  }
  if (s.out) await writeFileAtomic(s.out, JSON.stringify(report, null, 2) + '\n')
  if (s.json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n')
  } else {
    const m = report.machine
    const lines = [
      `TileLab bench (${report.date}, ${report.elapsedS} s): ${m.cpuModel}, ${m.cores} cores [${m.cpuFlags.join(' ')}], node ${m.node}, tfjs ${m.tfjs}, onnxruntime-node ${m.onnxruntime}, ${torch ? `torch ${torch.torch} with ${report.machine.blas?.summary}` : 'no PyTorch'}`,
      `threads ${s.threads} per engine; load average ${m.loadAvgStart.join(' ')} at start, ${m.loadAvgEnd.join(' ')} at end; medians of ${s.samples} samples after ${s.warmup} warm-up, ${s.repeat} round(s)`,
      '',
      formatTable(rows, tiled),
      '',
      `parameters: ${Object.entries(parameters).map(([b, p]) => `base ${b}: TileLab ${p.tilelab.toLocaleString('en')}, PyTorch ${p.pytorch?.toLocaleString('en') ?? '-'}`).join('; ')}`,
      `peak RSS: TileLab ${report.peakRssMb} MB, PyTorch ${report.pytorchPeakRssMb ?? '-'} MB`,
      `GPU: ${anyGpu ? 'rows above include the GPU engines' : 'none usable here'} — onnxruntime CUDA: ${gpu.onnxruntimeCuda.reason}; tfjs-node-gpu: ${gpu.tfjsNodeGpu.available ? 'yes' : gpu.tfjsNodeGpu.reason}; torch.cuda: ${gpu.torchCuda.reason}`,
    ]
    if (!torch) lines.push(`PyTorch: ${pytorch.reason}${'install' in pytorch && pytorch.install ? ` — install with: ${pytorch.install}` : ''}`)
    if (report.targets.missed.length) lines.push(`targets missed: ${report.targets.missed.join('; ')}`)
    for (const u of unavailable) lines.push(`unavailable: ${u.job}: ${u.reason}`)
    for (const e of errors) lines.push(`ERROR: ${e.job} (round ${e.round}): ${e.error}`)
    process.stdout.write(lines.join('\n') + '\n')
  }
  if (!rows.length) process.exitCode = 1
}

await main()
