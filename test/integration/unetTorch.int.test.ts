/**
 * The bench's PyTorch reference (test/bench/unet_torch.py) is the same U-Net as TileLab's: same parameter count
 * (7,846,081 at base 32), same layer names and weight shapes, and the same probabilities when given TileLab's
 * weights (exported through exportOnnx, whose layouts are PyTorch's).
 *
 * Needs Debian's torch at /usr/bin/python3; skipped, naming the apt command, when it is missing.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import onnxProto from 'onnx-proto'
import { buildUnet, unetParameterCount } from '../../src-main/engine/model/unet'
import { exportOnnx } from '../../src-main/engine/onnx/exportOnnx'
import { maxAbsDiff, repoRoot, syntheticSlices, tfjsPredict, trainedLookingUnet } from '../support/unetFixtures'

const PYTHON = '/usr/bin/python3'
const SCRIPT = join(repoRoot, 'test/bench/unet_torch.py')
const APT = 'apt-get install python3-torch libopenblas0-pthread'
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0
const skipNote = hasTorch ? '' : ` (SKIPPED: torch missing at ${PYTHON}: ${APT})`
if (!hasTorch) console.warn(`unetTorch: skipped: PyTorch is not installed for ${PYTHON}; install it with: ${APT}`)

function torchJson(args: string[]): Record<string, unknown> {
  const run = spawnSync(PYTHON, [SCRIPT, ...args], { encoding: 'utf8', timeout: 120_000 })
  if (run.status !== 0) throw new Error(`unet_torch.py ${args.join(' ')} exited ${run.status}: ${run.stderr}${run.stdout}`)
  return JSON.parse(run.stdout) as Record<string, unknown>
}

beforeAll(async () => {
  await tf.setBackend('cpu')
})

describe.skipIf(!hasTorch)(`PyTorch reference U-Net${skipNote}`, () => {
  it('counts 7,846,081 parameters at base 32, like TileLab', () => {
    const out = torchJson(['--count'])
    expect(out.parameters).toBe(7_846_081)
    expect(unetParameterCount({ baseFilters: 32 })).toBe(7_846_081)
  })

  it.each([
    [32, 'transpose'],
    [16, 'upsample'],
    [8, 'transpose'],
  ] as const)('agrees with TileLab on the count at base %i, %s', (base, upsampling) => {
    const out = torchJson(['--count', '--base', String(base), '--upsampling', upsampling])
    expect(out.parameters).toBe(unetParameterCount({ baseFilters: base, upsampling }))
  })

  it.each(['upsample', 'transpose'] as const)('has the same layers and weight shapes as buildUnet (base 32, %s)', (upsampling) => {
    const out = torchJson(['--layers', '--upsampling', upsampling]) as { layers: { name: string; weights: number[][] }[] }
    const model = buildUnet({ baseFilters: 32, upsampling }, 1)
    try {
      expect(out.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name).filter((n) => n !== 'flair'))
      for (const l of out.layers) {
        const tfShapes = model.getLayer(l.name).getWeights().map((w) => w.shape)
        // tfjs conv [kh, kw, cin, cout] / transpose [kh, kw, cout, cin] ↔ torch [cout, cin, kh, kw] / [cin, cout, kh, kw].
        const asTorch = tfShapes.map((s) => (s.length === 4 ? [s[3], s[2], s[0], s[1]] : s))
        expect(asTorch, l.name).toEqual(l.weights)
      }
    } finally {
      model.dispose()
    }
  })

  describe.each(['upsample', 'transpose'] as const)('with TileLab weights (base 8, %s)', (upsampling) => {
    const dir = mkdtempSync(join(tmpdir(), 'tilelab-torch-parity-'))
    afterAll(() => rmSync(dir, { recursive: true, force: true }))

    it('gives the same probabilities as tfjs within 1e-4 (64×64, batch 2)', () => {
      const [n, h, w] = [2, 64, 64]
      const data = syntheticSlices(n, h, w, 31)
      const model = trainedLookingUnet({ baseFilters: 8, upsampling }, 8, { data, n, h, w })
      const want = tfjsPredict(model, data, n, h, w)
      writeTorchWeights(exportOnnx(model), dir)
      model.dispose()
      writeFileSync(join(dir, 'x.bin'), new Uint8Array(data.buffer))
      torchJson([
        '--forward', '--base', '8', '--upsampling', upsampling, '--weights', join(dir, 'weights.json'),
        '--input', join(dir, 'x.bin'), '--shape', `${n},${h},${w}`, '--output', join(dir, 'y.bin'),
      ])
      const raw = readFileSync(join(dir, 'y.bin'))
      const got = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength))
      const d = maxAbsDiff(got, want)
      console.log(`unetTorch parity base 8 ${upsampling}: max |Δ| ${d.toExponential(2)}`)
      expect(d).toBeLessThanOrEqual(1e-4)
    })
  })
})

/** Writes the ONNX initializers (PyTorch layouts) as weights.bin + weights.json for `unet_torch.py --weights`. */
function writeTorchWeights(onnxBytes: Uint8Array, dir: string): void {
  const graph = onnxProto.onnx.ModelProto.decode(onnxBytes).graph!
  const tensors: { name: string; shape: number[]; offset: number }[] = []
  const chunks: Uint8Array[] = []
  let offset = 0
  for (const t of graph.initializer ?? []) {
    if (!/\.(W|B)$/.test(t.name!)) continue
    const bytes = Uint8Array.from(t.rawData!)
    tensors.push({ name: t.name!, shape: t.dims!.map(Number), offset })
    chunks.push(bytes)
    offset += bytes.byteLength / 4
  }
  writeFileSync(join(dir, 'weights.bin'), Buffer.concat(chunks))
  writeFileSync(join(dir, 'weights.json'), JSON.stringify({ file: 'weights.bin', tensors }))
}
