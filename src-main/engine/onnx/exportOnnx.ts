/**
 * ONNX export of TileLab's U-Net: turns a tfjs LayersModel built by `buildUnet` (model/unet.ts) into an ONNX
 * ModelProto, encoded with protobufjs through the ONNX schema bundled by the `onnx-proto` package.
 *
 * Graph: input `flair` `[N, 1, H, W]` float32 → output `probability` `[N, 1, H, W]` float32, with N, H and W
 * symbolic. The tfjs model is channels-last (`[N, H, W, 1]`) and the ONNX graph is channels-first, but with C = 1 the
 * two layouts are the same bytes: a caller's `[N, H, W]` row-major batch feeds either model unchanged, and the
 * output comes back in the same order. Inside, activations are NCHW (what ONNX Runtime's Conv kernels expect).
 *
 * Layer mapping (tfjs → ONNX opset 17):
 * - Conv2D 3×3 'same' + ReLU → Conv (pads [1,1,1,1]) + Relu; kernel `[kh, kw, cin, cout]` → W `[cout, cin, kh, kw]`.
 * - MaxPooling2D 2×2 stride 2 → MaxPool (kernel_shape [2,2], strides [2,2]).
 * - UpSampling2D nearest ×2 → Resize (mode nearest, scales [1,1,2,2], coordinate_transformation_mode asymmetric,
 *   nearest_mode floor): output pixel (y, x) reads input (⌊y/2⌋, ⌊x/2⌋), as Keras does.
 * - Conv2DTranspose 2×2 stride 2 'same' → ConvTranspose (strides [2,2], no pads); kernel `[kh, kw, cout, cin]` →
 *   W `[cin, cout, kh, kw]` (both frameworks define it as the adjoint of correlation, so no flip).
 * - Concatenate → Concat axis 1, inputs [upsampled, skip] as in the paper.
 * - Dropout → nothing (inference). Head Conv2D 1×1 + sigmoid → Conv + Sigmoid.
 *
 * Metadata (`metadata_props`): architecture (`tilelab.base_filters`, `tilelab.depth`, `tilelab.upsampling`),
 * `tilelab.tfjs_weights_sha256` (see `tfjsWeightsSha256`), `tilelab.exporter_version`, and any extra entries.
 *
 * @source ONNX operator spec (opset 17: Conv, ConvTranspose, MaxPool, Resize, Concat, Relu, Sigmoid);
 *   onnx.proto v1.10 (IR version 8) via onnx-proto; Keras Conv2D/Conv2DTranspose/UpSampling2D semantics.
 */
import { createHash } from 'node:crypto'
import { endianness } from 'node:os'
import type * as tf from '@tensorflow/tfjs'
import onnxProto from 'onnx-proto'
import { EngineError } from '../../common/errors'
import type { UnetConfig } from '../../common/types'
import { unetArchitecture, unetParamLayerNames } from './unetArchitecture'

const { onnx } = onnxProto

/** ONNX opset the graph is written for (supported by onnxruntime ≥ 1.12, including onnxruntime-node 1.30). */
export const ONNX_OPSET = 17
/** ONNX IR version matching opset 17 (onnx 1.12+). */
export const ONNX_IR_VERSION = 8
/** Bumped whenever the exported graph changes, so ensureOnnx re-exports older files. */
export const ONNX_EXPORTER_VERSION = '1'
export const ONNX_PRODUCER_NAME = 'TileLab exportOnnx'
export const ONNX_INPUT_NAME = 'flair'
export const ONNX_OUTPUT_NAME = 'probability'

/** Metadata keys written into the ONNX model. */
export const ONNX_META = {
  baseFilters: 'tilelab.base_filters',
  depth: 'tilelab.depth',
  upsampling: 'tilelab.upsampling',
  weightsSha256: 'tilelab.tfjs_weights_sha256',
  exporterVersion: 'tilelab.exporter_version',
} as const

export interface ExportOnnxOptions {
  /** Extra `metadata_props` entries (e.g. the source folder's weights.bin hash, written by ensureOnnx). */
  metadata?: Record<string, string>
  /** Model doc string; defaults to a one-line description of the architecture. */
  docString?: string
}

/**
 * Exports a `buildUnet` model to ONNX.
 *
 * @param model tfjs LayersModel from `buildUnet` (or loaded from a TileLab model folder): stable layer names,
 *   channels-last, one input channel.
 * @param options Extra metadata and doc string.
 * @returns The ModelProto bytes (protobuf wire format), ready for `InferenceSession.create` or a `.onnx` file.
 * @throws EngineError E_MODEL if a layer is missing or not what the U-Net builder makes (names the layer);
 *   E_INTERNAL on a big-endian machine (ONNX raw_data is little-endian).
 * @source ONNX IR spec (onnx.proto ModelProto/GraphProto/NodeProto), operators at opset 17.
 */
export function exportOnnx(model: tf.LayersModel, options: ExportOnnxOptions = {}): Uint8Array {
  if (endianness() !== 'LE') throw new EngineError('E_INTERNAL', 'exportOnnx: big-endian hosts are not supported')
  const arch = unetArchitecture(model)
  const g = new GraphBuilder(model)

  let x = ONNX_INPUT_NAME
  const skips: string[] = []
  for (let level = 0; level <= arch.depth; level++) {
    x = g.conv3x3Relu(`enc${level}_conv1`, x)
    x = g.conv3x3Relu(`enc${level}_conv2`, x)
    if (level < arch.depth) {
      skips.push(x)
      x = g.maxPool(`enc${level}_pool`, x)
    }
  }
  for (let level = arch.depth - 1; level >= 0; level--) {
    x = arch.upsampling === 'upsample' ? g.resizeNearest(`dec${level}_up`, x) : g.convTranspose(`dec${level}_up`, x)
    x = g.concat(`dec${level}_concat`, [x, skips[level]])
    x = g.conv3x3Relu(`dec${level}_conv1`, x)
    x = g.conv3x3Relu(`dec${level}_conv2`, x)
  }
  g.head('head', x, ONNX_OUTPUT_NAME)

  const dims = (c: number) => [{ dimParam: 'N' }, { dimValue: c }, { dimParam: 'H' }, { dimParam: 'W' }]
  const valueInfo = (name: string) =>
    onnx.ValueInfoProto.create({
      name,
      type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims(1) } } },
    })
  const metadata: Record<string, string> = {
    [ONNX_META.baseFilters]: String(arch.baseFilters),
    [ONNX_META.depth]: String(arch.depth),
    [ONNX_META.upsampling]: arch.upsampling,
    [ONNX_META.weightsSha256]: tfjsWeightsSha256(model),
    [ONNX_META.exporterVersion]: ONNX_EXPORTER_VERSION,
    ...options.metadata,
  }
  const proto = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: ONNX_PRODUCER_NAME,
    producerVersion: ONNX_EXPORTER_VERSION,
    modelVersion: 1,
    docString:
      options.docString ??
      `TileLab 2D U-Net (Reina & Panchumarthy 2018): base ${arch.baseFilters}, depth ${arch.depth}, ` +
        `${arch.upsampling}; input z-scored FLAIR [N,1,H,W], H and W multiples of ${2 ** arch.depth}; ` +
        `output whole-tumour probability [N,1,H,W].`,
    graph: onnx.GraphProto.create({
      name: 'tilelab_unet',
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo(ONNX_INPUT_NAME)],
      output: [valueInfo(ONNX_OUTPUT_NAME)],
    }),
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  })
  return onnx.ModelProto.encode(proto).finish()
}

/**
 * SHA-256 (hex) of the U-Net's weights, independent of tfjs variable naming: for each parameterised layer in
 * graph order (`enc0_conv1` … `head`), each weight `i` hashes the text `"<layer>/<i>:<shape>;"` then its float32
 * bytes (little-endian).
 * @throws EngineError E_MODEL if a layer is missing.
 */
export function tfjsWeightsSha256(model: tf.LayersModel): string {
  const arch = unetArchitecture(model)
  const hash = createHash('sha256')
  for (const name of unetParamLayerNames(arch)) {
    model
      .getLayer(name)
      .getWeights()
      .forEach((w, i) => {
        const data = w.dataSync() as Float32Array
        hash.update(`${name}/${i}:${w.shape.join(',')};`)
        hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
      })
  }
  return hash.digest('hex')
}

/**
 * Reads the `metadata_props` of an encoded ONNX model.
 * @throws EngineError E_MODEL if the bytes are not a ModelProto.
 */
export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  let proto: InstanceType<typeof onnx.ModelProto>
  try {
    proto = onnx.ModelProto.decode(bytes)
  } catch (err) {
    throw new EngineError('E_MODEL', `readOnnxMetadata: not an ONNX ModelProto: ${(err as Error).message}`, {
      cause: err,
    })
  }
  return Object.fromEntries(proto.metadataProps.map((p) => [p.key ?? '', p.value ?? '']))
}

/** Architecture recorded in ONNX metadata, or null when the keys are missing or malformed. */
export function onnxMetadataArchitecture(meta: Record<string, string>): Omit<UnetConfig, 'dropout'> | null {
  const baseFilters = Number(meta[ONNX_META.baseFilters])
  const depth = Number(meta[ONNX_META.depth])
  const upsampling = meta[ONNX_META.upsampling]
  if (!Number.isInteger(baseFilters) || !Number.isInteger(depth)) return null
  if (upsampling !== 'upsample' && upsampling !== 'transpose') return null
  return { baseFilters, depth, upsampling }
}

/** Accumulates nodes and initializers; each method returns the name of its output value. */
class GraphBuilder {
  readonly nodes: InstanceType<typeof onnx.NodeProto>[] = []
  readonly initializers: InstanceType<typeof onnx.TensorProto>[] = []

  constructor(private readonly model: tf.LayersModel) {}

  conv3x3Relu(layer: string, x: string): string {
    const [kernel, bias] = this.weights(layer, 4)
    const [kh, kw, cin, cout] = kernel.shape
    this.addTensor(`${layer}.W`, [cout, cin, kh, kw], permuteKernel(kernel.data, [kh, kw, cin, cout], 'conv'))
    this.addTensor(`${layer}.B`, [cout], bias.data)
    const pad = (kh - 1) / 2
    this.node('Conv', layer, [x, `${layer}.W`, `${layer}.B`], [`${layer}.conv`], [
      ints('kernel_shape', [kh, kw]),
      ints('pads', [pad, pad, pad, pad]),
      ints('strides', [1, 1]),
    ])
    this.node('Relu', `${layer}.relu`, [`${layer}.conv`], [layer])
    return layer
  }

  maxPool(layer: string, x: string): string {
    this.node('MaxPool', layer, [x], [layer], [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])])
    return layer
  }

  resizeNearest(layer: string, x: string): string {
    this.addTensor(`${layer}.scales`, [4], new Float32Array([1, 1, 2, 2]))
    this.node('Resize', layer, [x, '', `${layer}.scales`], [layer], [
      str('mode', 'nearest'),
      str('coordinate_transformation_mode', 'asymmetric'),
      str('nearest_mode', 'floor'),
    ])
    return layer
  }

  convTranspose(layer: string, x: string): string {
    const [kernel, bias] = this.weights(layer, 4)
    const [kh, kw, cout, cin] = kernel.shape
    this.addTensor(`${layer}.W`, [cin, cout, kh, kw], permuteKernel(kernel.data, [kh, kw, cout, cin], 'transpose'))
    this.addTensor(`${layer}.B`, [cout], bias.data)
    this.node('ConvTranspose', layer, [x, `${layer}.W`, `${layer}.B`], [layer], [
      ints('kernel_shape', [kh, kw]),
      ints('strides', [2, 2]),
    ])
    return layer
  }

  concat(layer: string, inputs: string[]): string {
    this.node('Concat', layer, inputs, [layer], [
      onnx.AttributeProto.create({ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }),
    ])
    return layer
  }

  head(layer: string, x: string, output: string): void {
    const [kernel, bias] = this.weights(layer, 4)
    const [kh, kw, cin, cout] = kernel.shape
    this.addTensor(`${layer}.W`, [cout, cin, kh, kw], permuteKernel(kernel.data, [kh, kw, cin, cout], 'conv'))
    this.addTensor(`${layer}.B`, [cout], bias.data)
    this.node('Conv', layer, [x, `${layer}.W`, `${layer}.B`], [`${layer}.logit`], [ints('kernel_shape', [kh, kw])])
    this.node('Sigmoid', `${layer}.sigmoid`, [`${layer}.logit`], [output])
  }

  private weights(layer: string, kernelRank: number): { shape: number[]; data: Float32Array }[] {
    const ws = this.model.getLayer(layer).getWeights()
    if (ws.length !== 2 || ws[0].rank !== kernelRank || ws[1].rank !== 1)
      throw new EngineError('E_MODEL', `exportOnnx: layer ${layer} has weights [${ws.map((w) => w.shape)}], expected kernel + bias`)
    return ws.map((w) => ({ shape: w.shape, data: w.dataSync() as Float32Array }))
  }

  private addTensor(name: string, dims: number[], data: Float32Array): void {
    this.initializers.push(
      onnx.TensorProto.create({
        name,
        dims,
        dataType: onnx.TensorProto.DataType.FLOAT,
        rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      }),
    )
  }

  private node(
    opType: string,
    name: string,
    input: string[],
    output: string[],
    attribute: InstanceType<typeof onnx.AttributeProto>[] = [],
  ): void {
    this.nodes.push(onnx.NodeProto.create({ opType, name, input, output, attribute }))
  }
}

function ints(name: string, values: number[]): InstanceType<typeof onnx.AttributeProto> {
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: values })
}

function str(name: string, value: string): InstanceType<typeof onnx.AttributeProto> {
  return onnx.AttributeProto.create({
    name,
    type: onnx.AttributeProto.AttributeType.STRING,
    s: new TextEncoder().encode(value),
  })
}

/**
 * Reorders a tfjs kernel for ONNX.
 * - 'conv': tfjs Conv2D `[kh, kw, cin, cout]` → ONNX Conv W `[cout, cin, kh, kw]`.
 * - 'transpose': tfjs Conv2DTranspose `[kh, kw, cout, cin]` → ONNX ConvTranspose W `[cin, cout, kh, kw]`.
 * In both, the tfjs axes `[kh, kw, a, b]` become `[b, a, kh, kw]`.
 */
export function permuteKernel(
  data: Float32Array,
  shape: number[],
  kind: 'conv' | 'transpose',
): Float32Array {
  const [kh, kw, a, b] = shape
  if (data.length !== kh * kw * a * b)
    throw new EngineError('E_SHAPE', `permuteKernel(${kind}): ${data.length} values for shape [${shape}]`)
  const out = new Float32Array(data.length)
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < a; i++) {
        const src = ((y * kw + x) * a + i) * b
        for (let j = 0; j < b; j++) out[((j * a + i) * kh + y) * kw + x] = data[src + j]
      }
  return out
}
