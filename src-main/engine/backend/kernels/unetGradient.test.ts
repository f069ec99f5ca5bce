/**
 * Whole-network check: the gradient of the paper's U-Net (tiny: base 4, depth 2) on wasm, with TileLab's kernels,
 * against two references:
 * - tfjs's cpu backend (both decoder variants), whose kernels are plain reference loops, with its one wrong kernel
 *   (ResizeNearestNeighborGrad) replaced by the exact adjoint checked in resizeAndPoolGrad.test.ts;
 * - PyTorch in float64 (UpSampling variant, the paper's), built from the same weights: no tfjs code at all.
 *   Skipped, saying why, when Debian's python3-torch is absent.
 * Dropout off, fixed weights and inputs; every trainable variable compared.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import * as tf from '@tensorflow/tfjs'
import { initBackend } from '../initBackend'
import { buildUnet } from '../../model/unet'
import { relativeError, seededValues } from './float64Reference'

beforeAll(async () => {
  await initBackend('wasm')
})

function gradients(backend: string, model: tf.LayersModel, x: Float32Array, r: Float32Array, shape: [number, number, number, number]): Map<string, Float32Array> {
  tf.setBackend(backend)
  const before = tf.memory().numTensors
  const out: Record<string, Float32Array> = tf.tidy(() => {
    const input = tf.tensor4d(x, shape)
    const weight = tf.tensor4d(r, shape)
    // A loss that weights every output pixel differently, so that each pixel's gradient path is exercised.
    const { grads } = tf.variableGrads(() => (model.apply(input, { training: true }) as tf.Tensor).mul(weight).sum() as tf.Scalar)
    return Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, g.dataSync() as Float32Array]))
  }) as Record<string, Float32Array>
  expect(tf.memory().numTensors).toBe(before)
  return new Map(Object.entries(out))
}

describe.each(['upsample', 'transpose'] as const)('U-Net (base 4, depth 2, %s) gradient', (upsampling) => {
  it('on wasm equals the cpu backend reference for every variable', () => {
    const shape: [number, number, number, number] = [2, 16, 16, 1]
    const model = buildUnet({ baseFilters: 4, depth: 2, dropout: 0, upsampling }, 42)
    const x = seededValues(2 * 16 * 16, 5)
    const r = seededValues(2 * 16 * 16, 6)
    const onWasm = gradients('wasm', model, x, r, shape)
    const onCpu = gradients('cpu', model, x, r, shape)
    tf.setBackend('wasm')
    expect(onWasm.size).toBe(model.trainableWeights.length)
    const errors: Record<string, number> = {}
    for (const [name, g] of onWasm) errors[name] = relativeError(g, onCpu.get(name)!)
    for (const [name, e] of Object.entries(errors)) expect(e, name).toBeLessThan(1e-5)
    model.dispose()
  })
})

const PYTHON = '/usr/bin/python3'
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0

// The U-Net of unet.ts (upsample variant, no dropout) in PyTorch float64, NCHW; weights from tfjs ([kh, kw, Cin,
// Cout] → [Cout, Cin, kh, kw]); TF 'same' for 3×3 stride 1 is a symmetric pad of 1. Prints each variable's gradient
// of sum(output · r) in tfjs layout.
const TORCH_SCRIPT = `
import json, sys, torch
import torch.nn.functional as F
torch.set_default_dtype(torch.float64)
d = json.load(sys.stdin)
n, h, w = d['shape']
x = torch.tensor(d['x'], dtype=torch.float64).reshape(n, h, w, 1).permute(0, 3, 1, 2)
r = torch.tensor(d['r'], dtype=torch.float64).reshape(n, h, w, 1).permute(0, 3, 1, 2)
P = {}
for name, shape, values in d['weights']:
    t = torch.tensor(values, dtype=torch.float64).reshape(shape)
    if len(shape) == 4: t = t.permute(3, 2, 0, 1).contiguous()
    P[name] = t.requires_grad_()
def conv(t, layer, act):
    k = P[layer + '/kernel']
    y = F.conv2d(t, k, P[layer + '/bias'], padding=k.shape[-1] // 2)
    return torch.relu(y) if act == 'relu' else torch.sigmoid(y)
depth = d['depth']
skips, t = [], x
for l in range(depth + 1):
    t = conv(conv(t, f'enc{l}_conv1', 'relu'), f'enc{l}_conv2', 'relu')
    if l < depth:
        skips.append(t)
        t = F.max_pool2d(t, 2)
for l in range(depth - 1, -1, -1):
    t = torch.cat([F.interpolate(t, scale_factor=2, mode='nearest'), skips[l]], 1)
    t = conv(conv(t, f'dec{l}_conv1', 'relu'), f'dec{l}_conv2', 'relu')
out = conv(t, 'head', 'sigmoid')
(out * r).sum().backward()
g = {}
for name, t in P.items():
    gt = t.grad.permute(2, 3, 1, 0) if t.grad.dim() == 4 else t.grad
    g[name] = gt.reshape(-1).tolist()
print(json.dumps(g))
`

describe('U-Net (base 4, depth 2, upsample) gradient against PyTorch float64', () => {
  it.skipIf(!hasTorch)(`on wasm equals PyTorch's${hasTorch ? '' : ' (skipped: /usr/bin/python3 has no torch; apt install python3-torch)'}`, () => {
    const shape: [number, number, number, number] = [2, 16, 16, 1]
    const model = buildUnet({ baseFilters: 4, depth: 2, dropout: 0 }, 42)
    const x = seededValues(2 * 16 * 16, 5)
    const r = seededValues(2 * 16 * 16, 6)
    const onWasm = gradients('wasm', model, x, r, shape)
    const weights = model.trainableWeights.map((v) => {
      const name = v.originalName ?? v.name
      return [name, v.shape, Array.from(v.read().dataSync())]
    })
    const run = spawnSync(PYTHON, ['-c', TORCH_SCRIPT], {
      input: JSON.stringify({ shape: [2, 16, 16], depth: 2, x: Array.from(x), r: Array.from(r), weights }),
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    })
    expect(run.status, run.stderr).toBe(0)
    const ref = JSON.parse(run.stdout) as Record<string, number[]>
    expect(Object.keys(ref).length).toBe(onWasm.size)
    for (const v of model.trainableWeights) {
      const name = v.originalName ?? v.name
      expect(relativeError(onWasm.get(v.name)!, ref[name]), name).toBeLessThan(1e-5)
    }
    model.dispose()
  })
})
