/**
 * Reads the architecture of a `buildUnet` model (model/unet.ts) back from its layers, checking every layer the
 * ONNX exporter maps is what the builder makes. The exporter trusts nothing else: a model whose layers were renamed
 * or reconfigured fails here with E_MODEL instead of exporting a wrong graph.
 */
import type * as tf from '@tensorflow/tfjs'
import { EngineError } from '../../common/errors'
import type { UnetConfig } from '../../common/types'

/** The part of UnetConfig that defines the inference graph (dropout is dropped at inference). */
export type UnetArchitecture = Omit<UnetConfig, 'dropout'>

/**
 * Infers base filters, depth and up-sampling mode from a U-Net LayersModel and validates its layers.
 *
 * @param model A model from `buildUnet` (layer names `enc{l}_conv{1,2}`, `enc{l}_pool`, `dec{l}_up`,
 *   `dec{l}_concat`, `dec{l}_conv{1,2}`, `head`), channels-last with one input channel.
 * @returns `{ baseFilters, depth, upsampling }`.
 * @throws EngineError E_MODEL naming the first layer that is missing or differs (class, kernel, stride,
 *   padding, activation, filters, interpolation).
 * @source model/unet.ts `buildUnet`; paper-spec §2.
 */
export function unetArchitecture(model: tf.LayersModel): UnetArchitecture {
  const names = new Set(model.layers.map((l) => l.name))
  let depth = 0
  while (names.has(`enc${depth}_pool`)) depth++
  if (depth < 1) throw new EngineError('E_MODEL', `unetArchitecture: no layer enc0_pool in model ${model.name}`)
  const first = layerConfig(model, 'enc0_conv1', 'Conv2D')
  const baseFilters = Number(first.filters)
  const upClass = layer(model, 'dec0_up').getClassName()
  const upsampling: UnetArchitecture['upsampling'] = upClass === 'UpSampling2D' ? 'upsample' : 'transpose'

  for (let level = 0; level <= depth; level++) {
    const filters = baseFilters * 2 ** level
    checkConv(model, `enc${level}_conv1`, filters, 3, 'relu')
    checkConv(model, `enc${level}_conv2`, filters, 3, 'relu')
    if (level < depth) {
      const pool = layerConfig(model, `enc${level}_pool`, 'MaxPooling2D')
      expect(`enc${level}_pool`, 'poolSize', pool.poolSize, [2, 2])
      expect(`enc${level}_pool`, 'strides', pool.strides, [2, 2])
    }
  }
  if (names.has(`enc${depth}_pool`)) throw new EngineError('E_MODEL', `unetArchitecture: unexpected enc${depth}_pool`)
  for (let level = depth - 1; level >= 0; level--) {
    const filters = baseFilters * 2 ** level
    const name = `dec${level}_up`
    if (upsampling === 'upsample') {
      const up = layerConfig(model, name, 'UpSampling2D')
      expect(name, 'size', up.size, [2, 2])
      expect(name, 'interpolation', up.interpolation ?? 'nearest', 'nearest')
    } else {
      const up = layerConfig(model, name, 'Conv2DTranspose')
      expect(name, 'filters', up.filters, filters)
      expect(name, 'kernelSize', up.kernelSize, [2, 2])
      expect(name, 'strides', up.strides, [2, 2])
      expect(name, 'padding', up.padding, 'same')
      expect(name, 'activation', up.activation, 'linear')
    }
    const concat = layerConfig(model, `dec${level}_concat`, 'Concatenate')
    expect(`dec${level}_concat`, 'axis', concat.axis === 3 ? -1 : concat.axis, -1)
    checkConv(model, `dec${level}_conv1`, filters, 3, 'relu')
    checkConv(model, `dec${level}_conv2`, filters, 3, 'relu')
  }
  checkConv(model, 'head', 1, 1, 'sigmoid')
  const inShape = model.inputs[0]?.shape
  if (model.inputs.length !== 1 || inShape?.length !== 4 || inShape[3] !== 1)
    throw new EngineError('E_MODEL', `unetArchitecture: input shape [${inShape}], expected [N, H, W, 1]`)
  return { baseFilters, depth, upsampling }
}

/** Names of the layers that hold weights, in graph order: encoder convs, decoder (up +) convs, head. */
export function unetParamLayerNames(arch: UnetArchitecture): string[] {
  const out: string[] = []
  for (let level = 0; level <= arch.depth; level++) out.push(`enc${level}_conv1`, `enc${level}_conv2`)
  for (let level = arch.depth - 1; level >= 0; level--) {
    if (arch.upsampling === 'transpose') out.push(`dec${level}_up`)
    out.push(`dec${level}_conv1`, `dec${level}_conv2`)
  }
  out.push('head')
  return out
}

function checkConv(model: tf.LayersModel, name: string, filters: number, kernel: number, activation: string): void {
  const c = layerConfig(model, name, 'Conv2D')
  expect(name, 'filters', c.filters, filters)
  expect(name, 'kernelSize', c.kernelSize, [kernel, kernel])
  expect(name, 'strides', c.strides, [1, 1])
  expect(name, 'dilationRate', c.dilationRate, [1, 1])
  expect(name, 'padding', c.padding, kernel === 1 ? c.padding : 'same')
  expect(name, 'activation', c.activation, activation)
  expect(name, 'useBias', c.useBias, true)
  expect(name, 'dataFormat', c.dataFormat, 'channelsLast')
}

function layer(model: tf.LayersModel, name: string): tf.layers.Layer {
  try {
    return model.getLayer(name)
  } catch (err) {
    throw new EngineError('E_MODEL', `unetArchitecture: model ${model.name} has no layer ${name}`, { cause: err })
  }
}

function layerConfig(model: tf.LayersModel, name: string, className: string): Record<string, unknown> {
  const l = layer(model, name)
  if (l.getClassName() !== className)
    throw new EngineError('E_MODEL', `unetArchitecture: layer ${name} is ${l.getClassName()}, expected ${className}`)
  return l.getConfig() as Record<string, unknown>
}

function expect(layerName: string, key: string, got: unknown, want: unknown): void {
  const norm = (v: unknown) => JSON.stringify(typeof v === 'number' && Array.isArray(want) ? [v, v] : v)
  if (norm(got) !== JSON.stringify(want))
    throw new EngineError('E_MODEL', `unetArchitecture: layer ${layerName} has ${key} ${norm(got)}, expected ${JSON.stringify(want)}`)
}
