/**
 * ONNX Runtime timings of the exported U-Net (CPU provider): ms per 240×240 slice at batch 8 and per batch of nine
 * 128×128 tiles, for each thread count. Medians (and minima) after warm-up; prints one JSON object.
 * Timings only — the bench harness and reports use it; tests never assert timings.
 *
 * Usage: npx tsx test/bench/onnxTimings.ts [--base 32] [--upsampling upsample] [--threads 1,2] [--repeats 7]
 *        [--warmup 2] [--spin 0|1]   (default 0: intra-op threads sleep; 1: onnxruntime's spin-waiting)
 */
import { parseArgs } from 'node:util'
import * as tf from '@tensorflow/tfjs'
import { buildUnet } from '../../src-main/engine/model/unet'
import { exportOnnx } from '../../src-main/engine/onnx/exportOnnx'
import { createOnnxPredictor } from '../../src-main/engine/onnx/onnxPredictor'

const { values } = parseArgs({
  options: {
    base: { type: 'string', default: '32' },
    upsampling: { type: 'string', default: 'upsample' },
    threads: { type: 'string', default: '1,2' },
    repeats: { type: 'string', default: '7' },
    warmup: { type: 'string', default: '2' },
    spin: { type: 'string', default: '0' },
  },
})
const base = Number(values.base)
const upsampling = values.upsampling === 'transpose' ? 'transpose' : 'upsample'
const repeats = Number(values.repeats)
const warmup = Number(values.warmup)

await tf.setBackend('cpu')
const model = buildUnet({ baseFilters: base, upsampling }, 1)
const bytes = exportOnnx(model)
model.dispose()

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const random = (n: number) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1)

const rows = []
for (const threads of values.threads!.split(',').map(Number)) {
  const predictor = await createOnnxPredictor(bytes, {
    executionProvider: 'cpu',
    intraOpNumThreads: threads,
    allowSpinning: values.spin === '1',
  })
  for (const [name, n, size] of [['full', 8, 240], ['tileBatch', 9, 128]] as const) {
    const x = random(n * size * size)
    for (let i = 0; i < warmup; i++) await predictor.predict(x, n, size, size)
    const samples: number[] = []
    for (let i = 0; i < repeats; i++) {
      const t = performance.now()
      await predictor.predict(x, n, size, size)
      samples.push(performance.now() - t)
    }
    rows.push({
      name, engine: predictor.engine, threads, spinning: values.spin === '1', base, upsampling, batch: n, size,
      medianMsPerBatch: +median(samples).toFixed(1),
      minMsPerBatch: +Math.min(...samples).toFixed(1),
      medianMsPerImage: +(median(samples) / n).toFixed(1),
      samplesMs: samples.map((s) => +s.toFixed(1)),
    })
  }
  await predictor.dispose()
}
console.log(JSON.stringify({ engine: 'onnxruntime-node', rows, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }))
