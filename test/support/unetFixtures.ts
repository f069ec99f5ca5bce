/**
 * Test fixtures for engine-parity tests: U-Nets with trained-looking weights, z-scored real FLAIR slices, and
 * array comparisons. Test-only code.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as tf from '@tensorflow/tfjs'
import { gunzipSync } from 'fflate'
import * as nifti from 'nifti-reader-js'
import type { UnetConfig } from '../../src-main/common/types'
import { buildUnet } from '../../src-main/engine/model/unet'

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)))
/** The shared real BraTS cases (never copied into the repo). */
export const realDataDir = resolve(repoRoot, '../shared/data/real')
/** One real FLAIR volume: BraTS 2021 case 00006, int16, 240×240×155. */
export const realFlairPath = join(realDataDir, 'brats2021/BraTS2021_00006/BraTS2021_00006_flair.nii.gz')

/** Small deterministic PRNG (mulberry32), uniform in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `[n, h, w]` float32 of smooth blobs plus noise, roughly z-scored (mean ≈ 0, sd ≈ 1), deterministic. */
export function syntheticSlices(n: number, h: number, w: number, seed: number): Float32Array {
  const rand = prng(seed)
  const out = new Float32Array(n * h * w)
  for (let k = 0; k < n; k++) {
    const blobs = Array.from({ length: 6 }, () => ({
      cy: rand() * h, cx: rand() * w, r: 8 + rand() * 40, a: rand() * 4 - 1.5,
    }))
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let v = -0.8 + (rand() - 0.5) * 0.6
        for (const b of blobs) v += b.a * Math.exp(-((y - b.cy) ** 2 + (x - b.cx) ** 2) / (2 * b.r * b.r))
        out[(k * h + y) * w + x] = v
      }
  }
  return out
}

/**
 * Reads axial slices of the real FLAIR volume, z-scored over the whole volume (mean and sd of all voxels, as the
 * paper's preprocessing does), optionally centre-cropped to `crop`×`crop`.
 * @returns `[slices.length, S, S]` float32 (S = 240 or crop), or null when the shared data is absent.
 */
export function realFlairSlices(slices: number[], crop?: number): Float32Array | null {
  if (!existsSync(realFlairPath)) return null
  const gz = readFileSync(realFlairPath)
  const raw = gunzipSync(new Uint8Array(gz.buffer, gz.byteOffset, gz.byteLength))
  const ab = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer
  const header = nifti.readHeader(ab)
  const [, nx, ny, nz] = header.dims
  const image = nifti.readImage(header, ab)
  const typed =
    header.datatypeCode === nifti.NIFTI1.TYPE_INT16 ? new Int16Array(image)
    : header.datatypeCode === nifti.NIFTI1.TYPE_FLOAT32 ? new Float32Array(image)
    : null
  if (!typed) throw new Error(`${realFlairPath}: unexpected datatype ${header.datatypeCode}`)
  const slope = header.scl_slope || 1
  const inter = header.scl_inter || 0
  let sum = 0
  let sumSq = 0
  for (let i = 0; i < typed.length; i++) {
    const v = typed[i] * slope + inter
    sum += v
    sumSq += v * v
  }
  const mean = sum / typed.length
  const sd = Math.sqrt(sumSq / typed.length - mean * mean)
  const size = crop ?? nx
  const y0 = (ny - size) / 2
  const x0 = (nx - size) / 2
  const out = new Float32Array(slices.length * size * size)
  slices.forEach((k, s) => {
    if (k < 0 || k >= nz) throw new Error(`slice ${k} outside 0..${nz - 1}`)
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const v = typed[k * nx * ny + (y + y0) * nx + (x + x0)] * slope + inter
        out[(s * size + y) * size + x] = (v - mean) / sd
      }
  })
  return out
}

/**
 * Builds a U-Net whose weights look trained enough to make engine comparisons meaningful: every bias is set to a
 * non-zero random value (tfjs initialises them to 0, which would hide a mis-ordered bias), and the head is rescaled
 * so that on `calibration` the logits have mean 0 and sd 2.5, so probabilities spread over (0, 1) instead of
 * saturating at 0 or 1 (where any engine agrees).
 *
 * @param calibration `[n, h, w]` float32 inputs the head is calibrated on.
 */
export function trainedLookingUnet(
  config: Partial<UnetConfig>,
  seed: number,
  calibration: { data: Float32Array; n: number; h: number; w: number },
): tf.LayersModel {
  const model = buildUnet(config, seed)
  const rand = prng(seed * 7919 + 1)
  for (const layer of model.layers) {
    const ws = layer.getWeights()
    if (ws.length !== 2 || layer.name === 'head') continue
    const bias = tf.tensor1d(Array.from({ length: ws[1].size }, () => (rand() - 0.5) * 0.2))
    layer.setWeights([ws[0], bias])
    bias.dispose()
  }
  const features = tf.model({ inputs: model.inputs, outputs: model.getLayer('dec0_conv2').output as tf.SymbolicTensor })
  const head = model.getLayer('head')
  const [kernel, bias] = head.getWeights()
  const [newKernel, newBias] = tf.tidy(() => {
    const x = tf.tensor4d(calibration.data, [calibration.n, calibration.h, calibration.w, 1])
    const f = features.predict(x) as tf.Tensor4D
    const logits = tf.add(tf.conv2d(f, kernel as tf.Tensor4D, 1, 'valid'), bias)
    const { mean, variance } = tf.moments(logits)
    const scale = tf.div(2.5, tf.sqrt(variance))
    return [tf.mul(kernel, scale), tf.mul(tf.sub(bias, mean), scale)]
  })
  head.setWeights([newKernel, newBias])
  tf.dispose([newKernel, newBias])
  return model
}

/** tfjs forward pass: `[n, h, w]` in, `[n, h, w]` probabilities out (C = 1, so NHWC is the same memory). */
export function tfjsPredict(model: tf.LayersModel, data: Float32Array, n: number, h: number, w: number): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor4d(data, [n, h, w, 1])) as tf.Tensor).dataSync() as Float32Array)
}

/** Largest |a[i] − b[i]|; Infinity when lengths differ or a value is NaN. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity
  let max = 0
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i])
    if (!(d <= max)) max = Number.isNaN(d) ? Infinity : d
  }
  return max
}

/** Fraction of values strictly inside (lo, hi). */
export function fractionBetween(a: ArrayLike<number>, lo: number, hi: number): number {
  let k = 0
  for (let i = 0; i < a.length; i++) if (a[i] > lo && a[i] < hi) k++
  return k / a.length
}
