/**
 * Micro-benchmark: TileLab's own cost per axial slice in full-image and tiled inference — window extraction,
 * padding, batching, blending and cropping — measured with a zero-cost predictor (it returns a preallocated
 * constant array), so the numbers are pure overhead. A real U-Net forward pass on a 240×240 slice costs tens to
 * hundreds of ms on CPU; this shows the blend is not the bottleneck.
 *
 * Run: npx tsx test/bench/slidingWindowOverhead.ts [--slices 155] [--repeats 5] [--max-batch 16] [--json]
 */
import type { Predictor } from '../../src-main/engine/inference/predictor'
import { predictVolume } from '../../src-main/engine/inference/predictVolume'
import type { PredictionMode, Tiling } from '../../src-main/common/types'

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}

const nz = arg('slices', 155)
const repeats = arg('repeats', 5)
const maxBatch = arg('max-batch', 16)
const json = process.argv.includes('--json')

/** Zero-cost predictor: hands back a view of one preallocated array of 0.5. */
function zeroCostPredictor(): Predictor {
  let out = new Float32Array(0)
  return {
    engine: 'zero-cost',
    inputMultiple: 16,
    maxBatch: () => maxBatch,
    async predict(_batch, n, h, w) {
      if (out.length < n * h * w) out = new Float32Array(maxBatch * h * w).fill(0.5)
      return out.subarray(0, n * h * w)
    },
    async dispose() {},
  }
}

const volume = { data: new Float32Array(240 * 240 * nz), dims: [240, 240, nz] as [number, number, number] }
for (let i = 0; i < volume.data.length; i++) volume.data[i] = Math.sin(i * 0.001) * 2

const cases: { name: string; mode: PredictionMode; tiling?: Tiling }[] = [
  { name: 'full 240×240', mode: 'full' },
  { name: 'tiled 128/0.5 mean (paper, 9 tiles)', mode: 'tiled', tiling: { tile: 128, overlap: 0.5, blend: 'mean' } },
  { name: 'tiled 128/0.5 gaussian', mode: 'tiled', tiling: { tile: 128, overlap: 0.5, blend: 'gaussian' } },
  { name: 'tiled 128/0.75 mean (25 tiles)', mode: 'tiled', tiling: { tile: 128, overlap: 0.75, blend: 'mean' } },
  { name: 'tiled 64/0.5 mean (49 tiles)', mode: 'tiled', tiling: { tile: 64, overlap: 0.5, blend: 'mean' } },
]

const rows = []
for (const c of cases) {
  const predictor = zeroCostPredictor()
  const run = () => predictVolume(volume, predictor, { mode: c.mode, tiling: c.tiling, onSlice: () => {} })
  await run() // warm-up (JIT)
  const perSlice: number[] = []
  let passes = 0
  for (let r = 0; r < repeats; r++) {
    const stats = await run()
    perSlice.push(stats.overheadMs / stats.slices)
    passes = stats.forwardPassesPerSlice
  }
  perSlice.sort((a, b) => a - b)
  rows.push({
    case: c.name,
    forwardPassesPerSlice: passes,
    overheadMsPerSliceMedian: Number(perSlice[Math.floor(perSlice.length / 2)].toFixed(3)),
    overheadMsPerSliceMin: Number(perSlice[0].toFixed(3)),
  })
}

if (json) console.log(JSON.stringify({ slices: nz, repeats, maxBatch, rows }, null, 2))
else {
  console.log(`Stitching overhead per 240×240 slice, zero-cost predictor, ${nz} slices × ${repeats} runs, maxBatch ${maxBatch}`)
  console.table(rows)
}
