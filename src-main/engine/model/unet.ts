/**
 * The paper's 2D U-Net (Reina & Panchumarthy 2018, Fig. 1; paper-spec §2, train.py `unet_model`), in tfjs layers.
 *
 * Encoder level l (0-based) has two 3×3 'same' ReLU convs of `base·2^l` filters (he_uniform, bias on), then a
 * 2×2 max-pool; levels 2 and 3 (the paper's L3, L4) put Dropout(rate) between their two convs. The bottleneck
 * (level `depth`) has two convs and no dropout. Each decoder step up-samples ×2 (nearest UpSampling2D, or a 2×2
 * stride-2 Conv2DTranspose), concatenates [upsampled, skip] on the channel axis, then two 3×3 convs. The head is a
 * 1×1 conv with one filter and a sigmoid (glorot init). No batch norm. Channels last.
 *
 * Layer names are stable (`enc{l}_conv{1,2}`, `enc{l}_drop`, `enc{l}_pool`, `dec{l}_up`, `dec{l}_concat`,
 * `dec{l}_conv{1,2}`, `head`): the ONNX exporter and the model store rely on them.
 */
import * as tf from '@tensorflow/tfjs'
import { EngineError } from '../../common/errors'
import type { UnetConfig } from '../../common/types'
import { PAPER_UNET } from '../../common/types'

/** Levels whose two convs are separated by dropout (0-based; the paper's L3 and L4). */
const DROPOUT_LEVELS = new Set([2, 3])

/**
 * Builds the U-Net as a tfjs LayersModel with input `[N, H, W, 1]` (H, W unknown, divisible by 2^depth)
 * and output `[N, H, W, 1]` sigmoid probabilities.
 *
 * @param config Architecture; defaults to the paper's (base 32, depth 4, upsampling, dropout 0.2):
 *   7,846,081 parameters.
 * @param seed Optional seed for the initialisers, for reproducible tests.
 * @throws EngineError E_ARGS if baseFilters < 1, depth < 1 or dropout outside [0, 1).
 * @source paper-spec §2 (train.py `unet_model`, `bn = False`, `USE_UPSAMPLING = True`).
 */
export function buildUnet(config: Partial<UnetConfig> = {}, seed?: number): tf.LayersModel {
  const cfg: UnetConfig = { ...PAPER_UNET, ...config }
  validateUnetConfig(cfg)
  let nextSeed = seed
  const init = (name: 'heUniform' | 'glorotUniform') =>
    tf.initializers[name]({ seed: nextSeed === undefined ? undefined : nextSeed++ })
  const conv = (filters: number, name: string): tf.layers.Layer =>
    tf.layers.conv2d({
      filters,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init('heUniform'),
      name,
    })

  const input = tf.input({ shape: [null, null, 1], name: 'flair' })
  const skips: tf.SymbolicTensor[] = []
  let x: tf.SymbolicTensor = input
  for (let level = 0; level <= cfg.depth; level++) {
    const filters = cfg.baseFilters * 2 ** level
    x = conv(filters, `enc${level}_conv1`).apply(x) as tf.SymbolicTensor
    if (DROPOUT_LEVELS.has(level) && level < cfg.depth && cfg.dropout > 0) {
      x = tf.layers.dropout({ rate: cfg.dropout, name: `enc${level}_drop` }).apply(x) as tf.SymbolicTensor
    }
    x = conv(filters, `enc${level}_conv2`).apply(x) as tf.SymbolicTensor
    if (level < cfg.depth) {
      skips.push(x)
      x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `enc${level}_pool` }).apply(x) as tf.SymbolicTensor
    }
  }
  for (let level = cfg.depth - 1; level >= 0; level--) {
    const filters = cfg.baseFilters * 2 ** level
    const up =
      cfg.upsampling === 'upsample'
        ? tf.layers.upSampling2d({ size: [2, 2], name: `dec${level}_up` })
        : tf.layers.conv2dTranspose({
            filters,
            kernelSize: 2,
            strides: 2,
            padding: 'same',
            kernelInitializer: init('heUniform'),
            name: `dec${level}_up`,
          })
    x = up.apply(x) as tf.SymbolicTensor
    x = tf.layers.concatenate({ axis: -1, name: `dec${level}_concat` }).apply([x, skips[level]]) as tf.SymbolicTensor
    x = conv(filters, `dec${level}_conv1`).apply(x) as tf.SymbolicTensor
    x = conv(filters, `dec${level}_conv2`).apply(x) as tf.SymbolicTensor
  }
  const output = tf.layers
    .conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid', kernelInitializer: init('glorotUniform'), name: 'head' })
    .apply(x) as tf.SymbolicTensor
  return tf.model({ inputs: input, outputs: output, name: 'tilelab_unet' })
}

/**
 * Number of trainable parameters of a U-Net configuration, without building it.
 * Paper configuration: 7,846,081 (paper-spec §2).
 */
export function unetParameterCount(config: Partial<UnetConfig> = {}): number {
  const cfg: UnetConfig = { ...PAPER_UNET, ...config }
  validateUnetConfig(cfg)
  const conv = (k: number, cin: number, cout: number): number => k * k * cin * cout + cout
  let total = 0
  let cin = 1
  for (let level = 0; level <= cfg.depth; level++) {
    const f = cfg.baseFilters * 2 ** level
    total += conv(3, cin, f) + conv(3, f, f)
    cin = f
  }
  for (let level = cfg.depth - 1; level >= 0; level--) {
    const f = cfg.baseFilters * 2 ** level
    const below = cfg.baseFilters * 2 ** (level + 1)
    let upOut = below
    if (cfg.upsampling === 'transpose') {
      total += conv(2, below, f)
      upOut = f
    }
    total += conv(3, upOut + f, f) + conv(3, f, f)
  }
  return total + conv(1, cfg.baseFilters, 1)
}

/** Smallest multiple that every input side must be divisible by: 2^depth (16 for the paper). */
export function inputMultiple(config: Partial<UnetConfig> = {}): number {
  return 2 ** (config.depth ?? PAPER_UNET.depth)
}

/** @throws EngineError E_ARGS naming the bad field. */
export function validateUnetConfig(cfg: UnetConfig): void {
  if (!Number.isInteger(cfg.baseFilters) || cfg.baseFilters < 1)
    throw new EngineError('E_ARGS', `baseFilters must be a positive integer, got ${cfg.baseFilters}`)
  if (!Number.isInteger(cfg.depth) || cfg.depth < 1 || cfg.depth > 6)
    throw new EngineError('E_ARGS', `depth must be an integer in 1..6, got ${cfg.depth}`)
  if (!(cfg.dropout >= 0 && cfg.dropout < 1))
    throw new EngineError('E_ARGS', `dropout must be in [0, 1), got ${cfg.dropout}`)
  if (cfg.upsampling !== 'upsample' && cfg.upsampling !== 'transpose')
    throw new EngineError('E_ARGS', `upsampling must be 'upsample' or 'transpose', got ${String(cfg.upsampling)}`)
}
