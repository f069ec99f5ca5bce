import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import onnxProto from 'onnx-proto'
import type { onnx as OnnxTypes } from 'onnx-proto'
import { buildUnet, unetParameterCount } from '../model/unet'
import {
  ONNX_IR_VERSION, ONNX_OPSET, ONNX_PRODUCER_NAME, exportOnnx, onnxMetadataArchitecture, permuteKernel,
  readOnnxMetadata, tfjsWeightsSha256,
} from './exportOnnx'
import { unetArchitecture } from './unetArchitecture'
import { createOnnxPredictor } from './onnxPredictor'

const { onnx } = onnxProto

beforeAll(async () => {
  await tf.setBackend('cpu')
})

describe('permuteKernel', () => {
  it('maps tfjs Conv2D [kh, kw, cin, cout] to ONNX Conv [cout, cin, kh, kw]', () => {
    const [kh, kw, cin, cout] = [2, 3, 2, 4]
    const src = Float32Array.from({ length: kh * kw * cin * cout }, (_, i) => i)
    const out = permuteKernel(src, [kh, kw, cin, cout], 'conv')
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let ci = 0; ci < cin; ci++)
          for (let co = 0; co < cout; co++)
            expect(out[((co * cin + ci) * kh + y) * kw + x]).toBe(src[((y * kw + x) * cin + ci) * cout + co])
  })

  it('maps tfjs Conv2DTranspose [kh, kw, cout, cin] to ONNX ConvTranspose [cin, cout, kh, kw]', () => {
    const [kh, kw, cout, cin] = [2, 2, 3, 5]
    const src = Float32Array.from({ length: kh * kw * cin * cout }, (_, i) => i)
    const out = permuteKernel(src, [kh, kw, cout, cin], 'transpose')
    // Element (y, x, co, ci) of the tfjs kernel lands at (ci, co, y, x).
    expect(out[((4 * cout + 2) * kh + 1) * kw + 0]).toBe(src[((1 * kw + 0) * cout + 2) * cin + 4])
    expect(Array.from(out).sort((a, b) => a - b)).toEqual(Array.from(src))
  })

  it('rejects a length that does not match the shape (E_SHAPE)', () => {
    expect(() => permuteKernel(new Float32Array(5), [1, 1, 2, 3], 'conv')).toThrow(/6|shape/)
  })
})

describe.each(['upsample', 'transpose'] as const)('exportOnnx (%s)', (upsampling) => {
  const config = { baseFilters: 4, depth: 3, upsampling }
  let model: tf.LayersModel
  let proto: OnnxTypes.ModelProto
  let graph: OnnxTypes.GraphProto
  let bytes: Uint8Array

  beforeAll(() => {
    model = buildUnet(config, 3)
    bytes = exportOnnx(model)
    proto = onnx.ModelProto.decode(bytes)
    graph = proto.graph as OnnxTypes.GraphProto
  })
  afterAll(() => model.dispose())

  it('writes IR 8 / opset 17 with the producer and architecture metadata', () => {
    expect(Number(proto.irVersion)).toBe(ONNX_IR_VERSION)
    expect(proto.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', ONNX_OPSET]])
    expect(proto.producerName).toBe(ONNX_PRODUCER_NAME)
    const meta = readOnnxMetadata(bytes)
    expect(onnxMetadataArchitecture(meta)).toEqual({ baseFilters: 4, depth: 3, upsampling })
    expect(meta['tilelab.tfjs_weights_sha256']).toBe(tfjsWeightsSha256(model))
    expect(meta['tilelab.tfjs_weights_sha256']).toMatch(/^[0-9a-f]{64}$/)
  })

  it('declares flair [N, 1, H, W] → probability [N, 1, H, W] with symbolic N, H, W', () => {
    const dims = (v: OnnxTypes.IValueInfoProto) =>
      v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue))
    expect(graph.input.map((v) => v.name)).toEqual(['flair'])
    expect(graph.output.map((v) => v.name)).toEqual(['probability'])
    expect(dims(graph.input[0])).toEqual(['N', 1, 'H', 'W'])
    expect(dims(graph.output[0])).toEqual(['N', 1, 'H', 'W'])
  })

  it('has the U-Net ops, and its initializers hold exactly the model parameters', () => {
    const count = (op: string) => graph.node.filter((n) => n.opType === op).length
    expect(count('Conv')).toBe(2 * (config.depth + 1) + 2 * config.depth + 1)
    expect(count('Relu')).toBe(2 * (config.depth + 1) + 2 * config.depth)
    expect(count('MaxPool')).toBe(config.depth)
    expect(count('Concat')).toBe(config.depth)
    expect(count('Sigmoid')).toBe(1)
    expect(count('Resize')).toBe(upsampling === 'upsample' ? config.depth : 0)
    expect(count('ConvTranspose')).toBe(upsampling === 'transpose' ? config.depth : 0)
    expect(count('Dropout')).toBe(0)
    const params = graph.initializer
      .filter((t) => !t.name!.endsWith('.scales'))
      .reduce((s, t) => s + t.rawData!.byteLength / 4, 0)
    expect(params).toBe(unetParameterCount(config))
  })

  it('concatenates [upsampled, skip] on axis 1 and resizes nearest/asymmetric/floor', () => {
    const concat = graph.node.find((n) => n.name === 'dec0_concat')!
    expect(concat.input).toEqual(['dec0_up', 'enc0_conv2'])
    expect(Number(concat.attribute!.find((a) => a.name === 'axis')!.i)).toBe(1)
    if (upsampling === 'upsample') {
      const resize = graph.node.find((n) => n.opType === 'Resize')!
      const attrs = Object.fromEntries(resize.attribute!.map((a) => [a.name, new TextDecoder().decode(a.s!)]))
      expect(attrs).toEqual({ mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' })
      const scales = graph.initializer.find((t) => t.name === resize.input![2])!
      expect(Array.from(new Float32Array(Uint8Array.from(scales.rawData!).buffer))).toEqual([1, 1, 2, 2])
    }
  })

  it('runs in ONNX Runtime and matches tfjs on a 48×32 batch of 2', async () => {
    const data = Float32Array.from({ length: 2 * 48 * 32 }, (_, i) => Math.sin(i * 0.37) * 1.5)
    const predictor = await createOnnxPredictor(bytes, { executionProvider: 'cpu' })
    const got = await predictor.predict(data, 2, 48, 32)
    await predictor.dispose()
    const want = tf.tidy(() => (model.predict(tf.tensor4d(data, [2, 48, 32, 1])) as tf.Tensor).dataSync())
    let max = 0
    for (let i = 0; i < got.length; i++) max = Math.max(max, Math.abs(got[i] - want[i]))
    expect(max).toBeLessThan(1e-5)
  })
})

describe('weights hash and architecture checks', () => {
  it('is stable for the same weights and changes when one weight changes', () => {
    const a = buildUnet({ baseFilters: 2, depth: 2 }, 9)
    const b = buildUnet({ baseFilters: 2, depth: 2 }, 9)
    expect(tfjsWeightsSha256(a)).toBe(tfjsWeightsSha256(b))
    const layer = b.getLayer('dec1_conv2')
    const [k, bias] = layer.getWeights()
    const changed = tf.tidy(() => bias.add(tf.oneHot([0], bias.shape[0]).reshape(bias.shape).mul(1e-3)))
    layer.setWeights([k, changed])
    changed.dispose()
    expect(tfjsWeightsSha256(a)).not.toBe(tfjsWeightsSha256(b))
    a.dispose()
    b.dispose()
  })

  it('reads base, depth and upsampling back from the layers', () => {
    const m = buildUnet({ baseFilters: 3, depth: 2, upsampling: 'transpose' }, 1)
    expect(unetArchitecture(m)).toEqual({ baseFilters: 3, depth: 2, upsampling: 'transpose' })
    m.dispose()
  })

  it('refuses a model that is not a TileLab U-Net (E_MODEL)', () => {
    const input = tf.input({ shape: [null, null, 1] })
    const out = tf.layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', name: 'enc0_conv1' }).apply(input)
    const m = tf.model({ inputs: input, outputs: out as tf.SymbolicTensor })
    expect(() => exportOnnx(m)).toThrow(expect.objectContaining({ code: 'E_MODEL' }))
    m.dispose()
  })

  it('refuses a U-Net whose conv was changed (E_MODEL names the layer)', () => {
    const m = buildUnet({ baseFilters: 2, depth: 1 }, 1)
    const layer = m.getLayer('dec0_conv1')
    const original = layer.getConfig.bind(layer)
    layer.getConfig = () => ({ ...original(), activation: 'tanh' })
    expect(() => exportOnnx(m)).toThrow(/dec0_conv1 has activation "tanh"/)
    m.dispose()
  })
})

const onnxChecker = spawnSync('/usr/bin/python3', ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0
describe('onnx.checker (python3-onnx)', () => {
  it.skipIf(!onnxChecker)(
    `accepts both variants with full_check${onnxChecker ? '' : ' (SKIPPED: python3-onnx missing: apt-get install python3-onnx)'}`,
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'tilelab-onnx-check-'))
      try {
        for (const upsampling of ['upsample', 'transpose'] as const) {
          const m = buildUnet({ baseFilters: 2, depth: 4, upsampling }, 1)
          const file = join(dir, `${upsampling}.onnx`)
          writeFileSync(file, exportOnnx(m))
          m.dispose()
          const run = spawnSync(
            '/usr/bin/python3',
            ['-c', 'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True); print("ok")', file],
            { encoding: 'utf8' },
          )
          expect(run.stderr).toBe('')
          expect(run.stdout.trim()).toBe('ok')
        }
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  )
})
