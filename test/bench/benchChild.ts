/**
 * One child process of `npm run bench` (bench.ts spawns it; not a test): measures one TileLab engine at one base
 * width, alone in its process, so its threads and heap do not disturb the other engines'.
 *
 *   node --import tsx test/bench/benchChild.ts '<BenchJob JSON>'   → one JSON line on stdout
 *
 * Jobs:
 * - probe: versions, onnxruntime's CUDA provider, whether tfjs-node(-gpu) loads (no timing);
 * - onnxruntime (provider cpu | cuda) or tfjs (backend wasm | tensorflow), parts of:
 *   slice  inference.full     8 slices of 240×240 through predictVolume (full image, one batch), ms per slice;
 *          inference.tileBatch one predictor call on the 9 tiles of a slice (128×128);
 *          inference.tiled    1 slice through predictVolume, tiled 128/64 (9 tiles batched, mean blend);
 *   study  study.full / study.tiled: a 155-slice volume through predictVolume, the code path users run;
 *   train  train.step (tfjs only): trainStep at 128×128, batch 8, the paper's loss, Adam 1e-4.
 * Every row: `warmup` untimed runs, then the median of `samples` timed runs (the study: `studySamples`).
 * Inputs are deterministic pseudo-random z-scored noise (speed does not depend on the values for dense convs).
 */
import { availableParallelism, loadavg } from 'node:os'
import type { Measurement, RowName } from './benchRows'
import { PAPER_TILES_PER_SLICE, median, rowGflop } from './benchRows'

export interface BenchJob {
  kind: 'probe' | 'onnxruntime' | 'tfjs'
  /** onnxruntime execution provider. */
  provider?: 'cpu' | 'cuda'
  /** tfjs backend: 'wasm' (shipped), 'tensorflow' (tfjs-node-gpu → tfjs-node, when installed). */
  backend?: 'wasm' | 'tensorflow'
  base: number
  parts: Array<'slice' | 'study' | 'train'>
  threads: number
  warmup: number
  samples: number
  studySlices: number
  studySamples: number
}

export interface ChildResult {
  engine: string
  /** Set when the engine cannot run here (not an error of the bench). */
  unavailable?: string
  rows: Measurement[]
  info: Record<string, unknown>
  peakRssMb: number
}

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024)

/** Deterministic noise, roughly N(0, 1) (sum of uniforms), as a z-scored FLAIR stand-in. */
function noise(n: number, seed: number): Float32Array {
  let a = seed >>> 0
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) out[i] = (u() + u() + u() - 1.5) * 2
  return out
}

async function timed(warmup: number, samples: number, f: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await f()
  const out: number[] = []
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now()
    await f()
    out.push(performance.now() - t0)
  }
  return out
}

async function probe(): Promise<ChildResult> {
  const { createRequire } = await import('node:module')
  const require = createRequire(import.meta.url)
  const info: Record<string, unknown> = {}
  const tf = await import('@tensorflow/tfjs')
  info.tfjs = tf.version.tfjs
  const { loadOnnxRuntime, cudaProviderStatus } = await import('../../src-main/engine/onnx/onnxRuntime')
  const ort = await loadOnnxRuntime()
  info.onnxruntime = 'error' in ort ? { available: false, reason: ort.error } : { available: true, version: require('onnxruntime-node/package.json').version }
  info.onnxruntimeCuda = cudaProviderStatus()
  const { initBackend } = await import('../../src-main/engine/backend/initBackend')
  try {
    const b = await initBackend('tensorflow')
    info.tfjsNode = { available: true, engine: b.engine, gpu: b.name === 'tensorflow-gpu', reason: b.reason }
  } catch (err) {
    info.tfjsNode = { available: false, reason: (err as Error).message }
  }
  return { engine: 'probe', rows: [], info, peakRssMb: peakRssMb() }
}

async function measure(job: BenchJob): Promise<ChildResult> {
  const tf = await import('@tensorflow/tfjs')
  const { initBackend } = await import('../../src-main/engine/backend/initBackend')
  const { buildUnet } = await import('../../src-main/engine/model/unet')
  const info: Record<string, unknown> = { tfjs: tf.version.tfjs }
  let predictor: import('../../src-main/engine/inference/predictor').Predictor | null = null
  let engine: string
  let threads = job.threads
  let device: 'cpu' | 'gpu' = 'cpu'
  if (job.kind === 'onnxruntime') {
    await initBackend('cpu') // only to build the tfjs model whose weights are exported
    const { exportOnnx } = await import('../../src-main/engine/onnx/exportOnnx')
    const { createOnnxPredictor } = await import('../../src-main/engine/onnx/onnxPredictor')
    const model = buildUnet({ baseFilters: job.base }, job.base)
    const bytes = exportOnnx(model)
    model.dispose()
    try {
      predictor = await createOnnxPredictor(bytes, { executionProvider: job.provider ?? 'cpu', intraOpNumThreads: job.threads })
    } catch (err) {
      return { engine: `onnxruntime-${job.provider ?? 'cpu'}`, unavailable: (err as Error).message, rows: [], info, peakRssMb: peakRssMb() }
    }
    engine = predictor.engine
    device = engine.endsWith('cuda') ? 'gpu' : 'cpu'
  } else {
    let backend
    try {
      backend = await initBackend(job.backend ?? 'wasm', { wasmThreads: job.threads })
    } catch (err) {
      return { engine: job.backend === 'tensorflow' ? 'tfjs-node' : 'tfjs-wasm', unavailable: (err as Error).message, rows: [], info, peakRssMb: peakRssMb() }
    }
    engine = backend.engine
    device = backend.name === 'tensorflow-gpu' ? 'gpu' : 'cpu'
    if (backend.wasm) {
      threads = backend.wasm.threads
      info.wasm = backend.wasm
    }
  }
  const rows: Measurement[] = []
  const add = (name: RowName, samples: number[], extra: { slices?: number; batch?: number } = {}) =>
    rows.push({
      name, base: job.base, engine, device, ms: median(samples), samplesMs: samples, gflop: rowGflop(name, job.base, extra),
      threads, peakRssMb: peakRssMb(), load1: Math.round(loadavg()[0] * 100) / 100, ...extra,
    })

  if (job.parts.includes('slice') || job.parts.includes('study')) {
    if (!predictor) {
      const { TfjsPredictor } = await import('../../src-main/engine/model/tfjsPredictor')
      predictor = new TfjsPredictor(buildUnet({ baseFilters: job.base }, job.base))
    }
    await inferenceRows(job, predictor, add)
    await predictor.dispose()
  }
  if (job.parts.includes('train')) {
    if (job.kind !== 'tfjs') throw new Error(`benchChild: ${engine} has no training`)
    await trainRow(job, add)
  }
  return { engine, rows, info, peakRssMb: peakRssMb() }
}

type Add = (name: RowName, samples: number[], extra?: { slices?: number; batch?: number }) => void

async function inferenceRows(job: BenchJob, predictor: import('../../src-main/engine/inference/predictor').Predictor, add: Add): Promise<void> {
  const { predictVolume } = await import('../../src-main/engine/inference/predictVolume')
  const { PAPER_TILING } = await import('../../src-main/common/types')
  const volume = (nz: number, seed: number) => ({ data: noise(240 * 240 * nz, seed), dims: [240, 240, nz] as [number, number, number] })
  const onSlice = () => {}
  const full = (v: ReturnType<typeof volume>) => predictVolume(v, predictor, { mode: 'full', onSlice })
  const tiled = (v: ReturnType<typeof volume>) => predictVolume(v, predictor, { mode: 'tiled', tiling: PAPER_TILING, onSlice })
  const batch = 8
  if (job.parts.includes('slice')) {
    const eight = volume(batch, 1)
    const stats = await full(eight)
    if (stats.predictorCalls !== 1) throw new Error(`benchChild: full inference of ${batch} slices took ${stats.predictorCalls} batches, expected 1`)
    add('inference.full', (await timed(job.warmup, job.samples, () => full(eight))).map((t) => t / batch), { batch })
    const tiles = noise(PAPER_TILES_PER_SLICE * 128 * 128, 2)
    add('inference.tileBatch', await timed(job.warmup, job.samples, () => predictor.predict(tiles, PAPER_TILES_PER_SLICE, 128, 128)), { batch: PAPER_TILES_PER_SLICE })
    const one = volume(1, 3)
    const t = await tiled(one)
    if (t.forwardPassesPerSlice !== PAPER_TILES_PER_SLICE || t.predictorCalls !== 1)
      throw new Error(`benchChild: tiled inference used ${t.forwardPassesPerSlice} tiles in ${t.predictorCalls} batches, expected 9 in 1`)
    add('inference.tiled', await timed(job.warmup, job.samples, () => tiled(one)))
  }
  if (job.parts.includes('study')) {
    const study = volume(job.studySlices, 4)
    if (!job.parts.includes('slice') && job.warmup > 0) {
      // Warm the engine on one batch of each kind (not a whole study: it is long).
      await full(volume(batch, 5))
      await tiled(volume(1, 6))
    }
    add('study.full', await timed(0, job.studySamples, () => full(study)), { slices: job.studySlices })
    add('study.tiled', await timed(0, job.studySamples, () => tiled(study)), { slices: job.studySlices })
  }
}

async function trainRow(job: BenchJob, add: Add): Promise<void> {
  const tf = await import('@tensorflow/tfjs')
  const { buildUnet } = await import('../../src-main/engine/model/unet')
  const { trainStep } = await import('../../src-main/engine/training/trainStep')
  const batch = 8
  const model = buildUnet({ baseFilters: job.base }, job.base)
  const optimizer = tf.train.adam(1e-4)
  const x = tf.tensor4d(noise(batch * 128 * 128, 7), [batch, 128, 128, 1])
  // Blob-like whole-tumour masks: 9×9-smoothed noise (sd ≈ 1/9) above 0.12, ~15 % foreground.
  const y = tf.tidy(() => tf.avgPool(tf.tensor4d(noise(batch * 128 * 128, 8), [batch, 128, 128, 1]), 9, 1, 'same').greater(0.12).toFloat()) as import('@tensorflow/tfjs').Tensor4D
  add('train.step', await timed(job.warmup, job.samples, () => trainStep(model, optimizer, x, y)), { batch })
  tf.dispose([x, y])
  optimizer.dispose()
  model.dispose()
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as BenchJob
  if (job.threads > availableParallelism()) process.stderr.write(`benchChild: ${job.threads} threads on ${availableParallelism()} cores\n`)
  const result = job.kind === 'probe' ? await probe() : await measure(job)
  process.stdout.write('\n' + JSON.stringify(result) + '\n')
  // wasm's pthread workers and onnxruntime's pools are unref'd, but do not wait on them.
  process.exit(0)
}

await main()
