/**
 * tfjs-wasm speed and memory on this machine (not a test; tests never assert timings).
 *
 *   npx tsx test/bench/tfjsStep.ts [--only train,infer,kernels,memory] [--threads 1,2] [--bases 8,32]
 *                                  [--reps 3] [--json] [--quick]
 *
 * - train:   ms per training step (Adam, the paper's loss), batch 8 at 128×128, per base, thread count and kernel
 *            set: 'stock' = tfjs-wasm's own kernels + TileLab's Conv2DBackpropFilter (wasm has none), 'fast' = all
 *            of TileLab's kernels;
 * - infer:   ms per 240×240 slice, base 32, batch 8 (TfjsPredictor);
 * - kernels: GFLOP/s of conv2d forward and of each backward kernel on U-Net shapes (batch 8, 128×128 level 0);
 * - memory:  wasm heap after two training steps, per batch size (one process each: the heap never shrinks).
 * Each configuration runs in its own process (the wasm thread count is fixed per process). Medians after one
 * warm-up; other programs share the cores, so repeat and read medians (min shown too).
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import * as tf from '@tensorflow/tfjs'
import { initBackend } from '../../src-main/engine/backend/initBackend'
import { registerWasmKernels } from '../../src-main/engine/backend/kernels/registerKernels'
import { buildUnet } from '../../src-main/engine/model/unet'
import { TfjsPredictor } from '../../src-main/engine/model/tfjsPredictor'
import { trainStep } from '../../src-main/engine/training/trainStep'
import type { UnetConfig } from '../../src-main/common/types'
import { PAPER_UNET } from '../../src-main/common/types'

interface Job {
  what: 'train' | 'infer' | 'kernels' | 'memory'
  threads: number
  base: number
  kernels: 'fast' | 'stock'
  batch: number
  size: number
  reps: number
}

interface Row {
  name: string
  threads: number
  medianMs: number
  minMs: number
  reps: number
  gflops?: number
  heapMiB?: number
}

const self = fileURLToPath(import.meta.url)

/** Forward FLOPs of the U-Net on one H×W image (2 per multiply-add, convs only). */
export function unetForwardFlops(cfg: UnetConfig, h: number, w: number): number {
  let flops = 0
  const conv = (k: number, cin: number, cout: number, px: number) => (flops += 2 * k * k * cin * cout * px)
  let cin = 1
  for (let l = 0; l <= cfg.depth; l++) {
    const f = cfg.baseFilters * 2 ** l
    const px = (h * w) / 4 ** l
    conv(3, cin, f, px)
    conv(3, f, f, px)
    cin = f
  }
  for (let l = cfg.depth - 1; l >= 0; l--) {
    const f = cfg.baseFilters * 2 ** l
    const px = (h * w) / 4 ** l
    conv(3, 2 * f + f, f, px) // upsampled (2f) ++ skip (f)
    conv(3, f, f, px)
  }
  conv(1, cfg.baseFilters, 1, h * w)
  return flops
}

function stats(times: number[]): { medianMs: number; minMs: number } {
  const s = [...times].sort((a, b) => a - b)
  return { medianMs: s[Math.floor(s.length / 2)], minMs: s[0] }
}

async function timeIt(reps: number, f: () => Promise<unknown> | unknown): Promise<number[]> {
  await f() // warm-up: XNNPACK packing, first allocations
  const times: number[] = []
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now()
    await f()
    times.push(performance.now() - t0)
  }
  return times
}

async function runJob(job: Job): Promise<Row[]> {
  await initBackend('wasm', { wasmThreads: job.threads })
  registerWasmKernels({ kernels: job.kernels })
  const heapMiB = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength / 2 ** 20
  const cfg: UnetConfig = { ...PAPER_UNET, baseFilters: job.base }
  if (job.what === 'train' || job.what === 'memory') {
    const model = buildUnet(cfg, 1)
    const optimizer = tf.train.adam(1e-4)
    const x = tf.randomNormal([job.batch, job.size, job.size, 1]) as tf.Tensor4D
    const y = tf.randomUniform([job.batch, job.size, job.size, 1]).greater(0.5).toFloat() as tf.Tensor4D
    const reps = job.what === 'memory' ? 1 : job.reps
    const times = await timeIt(reps, () => trainStep(model, optimizer, x, y))
    const flops = 3 * job.batch * unetForwardFlops(cfg, job.size, job.size)
    const s = stats(times)
    const name = job.what === 'memory' ? `train memory b${job.base} ${job.size}² batch ${job.batch}` : `train step b${job.base} ${job.size}² batch ${job.batch} (${job.kernels})`
    return [{ name, threads: job.threads, ...s, reps, gflops: flops / s.medianMs / 1e6, heapMiB: heapMiB() }]
  }
  if (job.what === 'infer') {
    const p = new TfjsPredictor(buildUnet(cfg, 1))
    const batch = new Float32Array(job.batch * job.size * job.size).map(() => Math.random() - 0.5)
    const times = (await timeIt(job.reps, () => p.predict(batch, job.batch, job.size, job.size))).map((t) => t / job.batch)
    const s = stats(times)
    const flops = unetForwardFlops(cfg, job.size, job.size)
    return [{ name: `infer ms/slice b${job.base} ${job.size}² batch ${job.batch}`, threads: job.threads, ...s, reps: job.reps, gflops: flops / s.medianMs / 1e6, heapMiB: heapMiB() }]
  }
  return kernelRows(job)
}

/** Representative U-Net layers at batch 8, 128×128: [N, H, C_in, C_out, kernel, stride]. */
const KERNEL_SHAPES: Array<[number, number, number, number, number, number]> = [
  [8, 128, 96, 32, 3, 1], // dec0_conv1
  [8, 32, 128, 128, 3, 1], // enc2_conv2
  [8, 8, 512, 512, 3, 1], // bottleneck conv2
  [8, 128, 64, 128, 2, 2], // Conv2DTranspose of the 'transpose' variant (x 128², dy 64²)
]

async function kernelRows(job: Job): Promise<Row[]> {
  const rows: Row[] = []
  for (const [n, h, c, co, k, s] of KERNEL_SHAPES) {
    const ho = h / s
    const x = tf.randomNormal([n, h, h, c]) as tf.Tensor4D
    const w = tf.randomNormal([k, k, c, co]) as tf.Tensor4D
    const dy = tf.randomNormal([n, ho, ho, co]) as tf.Tensor4D
    const flops = 2 * n * ho * ho * k * k * c * co
    const tag = `[${n},${h},${h},${c}]→${co} ${k}×${k}/${s}`
    const measure = async (name: string, f: () => tf.Tensor) => {
      // Not tf.tidy(() => f().dataSync()): tidy walks a returned typed array element by element (seconds here).
      const times = await timeIt(job.reps, () => {
        const t = f()
        t.dataSync()
        t.dispose()
      })
      const st = stats(times)
      rows.push({ name: `${name} ${tag}`, threads: job.threads, ...st, reps: job.reps, gflops: flops / st.medianMs / 1e6 })
    }
    const bpi = () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { strides: s, pad: 'same', dataFormat: 'NHWC', inputShape: [n, h, h, c] }) as tf.Tensor
    const bpf = () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: s, pad: 'same', dataFormat: 'NHWC', filterShape: [k, k, c, co] }) as tf.Tensor
    await measure('conv2d forward', () => tf.conv2d(x, w, s, 'same'))
    registerWasmKernels({ kernels: 'fast' })
    await measure('Conv2DBackpropInput TileLab', bpi)
    if (flops < 3e9 || !job.reps) {
      registerWasmKernels({ kernels: 'stock' })
      await measure('Conv2DBackpropInput stock', bpi)
      registerWasmKernels({ kernels: 'fast' })
    }
    await measure('Conv2DBackpropFilter TileLab', bpf)
    tf.dispose([x, w, dy])
  }
  return rows
}

function jobsFor(args: { only: string[]; threads: number[]; bases: number[]; reps: number; quick: boolean }): Job[] {
  const jobs: Job[] = []
  const base = { batch: 8, size: 128, reps: args.reps, kernels: 'fast' as const }
  for (const threads of args.threads) {
    if (args.only.includes('kernels')) jobs.push({ ...base, what: 'kernels', threads, base: 32 })
    if (args.only.includes('train'))
      for (const b of args.bases) for (const kernels of ['stock', 'fast'] as const) jobs.push({ ...base, what: 'train', threads, base: b, kernels })
    if (args.only.includes('infer')) jobs.push({ ...base, what: 'infer', threads, base: 32, size: 240 })
  }
  if (args.only.includes('memory'))
    for (const batch of args.quick ? [2, 8] : [1, 4, 8, 16]) jobs.push({ ...base, what: 'memory', threads: args.threads[0], base: 32, batch })
  return jobs
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', default: 'train,infer,kernels' },
      threads: { type: 'string', default: '1,2' },
      bases: { type: 'string', default: '8,32' },
      reps: { type: 'string', default: '3' },
      json: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      child: { type: 'string' },
    },
  })
  if (values.child) {
    process.stdout.write(JSON.stringify(await runJob(JSON.parse(values.child) as Job)) + '\n')
    return
  }
  const list = (s: string) => s.split(',').map((v) => v.trim()).filter(Boolean)
  const jobs = jobsFor({
    only: list(values.only!),
    threads: list(values.threads!).map(Number),
    bases: values.quick ? [8] : list(values.bases!).map(Number),
    reps: values.quick ? 1 : Number(values.reps),
    quick: values.quick!,
  })
  const rows: Row[] = []
  for (const job of jobs) {
    let line = ''
    for (let attempt = 1; attempt <= 2 && !line; attempt++) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', JSON.stringify(job)], {
        encoding: 'utf8',
        env: { ...process.env, TILELAB_LOG: 'warn' },
        maxBuffer: 1 << 24,
      })
      const last = r.stdout.trim().split('\n').pop() ?? ''
      if (r.status === 0 && last.startsWith('[')) line = last
      else process.stderr.write(`job ${JSON.stringify(job)} attempt ${attempt} failed (${r.status ?? r.signal}): ${r.stderr.trim().split('\n').slice(-5).join(' | ')}\n`)
    }
    if (!line) continue
    for (const row of JSON.parse(line) as Row[]) {
      rows.push(row)
      if (!values.json) process.stderr.write(`${row.name.padEnd(62)} ${row.threads}t  median ${row.medianMs.toFixed(0).padStart(7)} ms  min ${row.minMs.toFixed(0).padStart(7)} ms${row.gflops ? `  ${row.gflops.toFixed(1)} GFLOP/s` : ''}${row.heapMiB ? `  heap ${row.heapMiB.toFixed(0)} MiB` : ''}\n`)
    }
  }
  if (values.json) process.stdout.write(JSON.stringify({ rows }, null, 2) + '\n')
}

await main()
