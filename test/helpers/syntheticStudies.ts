/**
 * Small synthetic BraTS-like studies for evaluation tests, written with the engine's NIfTI writer: a bright-ish
 * brain ellipse on a zero background with a brighter ellipsoidal lesion and its label map (labels 2 around 1, as
 * BraTS oedema around core), BraTS file names (`<case>_flair.nii.gz`, `<case>_seg.nii.gz`), the BraTS affine.
 * Deterministic for a seed. Not the product's generator (`tilelab synth`); just enough anatomy for Dice to mean
 * something.
 *
 * Also a context-dependent oracle predictor: a "network" whose output depends on its whole input window, so
 * whole-image and tiled predictions differ (like a real CNN's receptive field), without any training.
 */
import { writeFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Dims3 } from '../../src-main/common/types'
import type { Predictor } from '../../src-main/engine/inference/predictor'
import { writeNifti } from '../../src-main/engine/io/niftiWrite'
import { BRATS_AFFINE } from './niftiFixtures'
import { oraclePredictor, type OracleOptions } from './oraclePredictors'

export interface SyntheticStudyOptions {
  dims?: Dims3
  seed?: number
  /** Write the label map (default true). */
  label?: boolean
}

/** Writes `<root>/<name>/<name>_flair.nii.gz` (+ `_seg`); returns the study folder. */
export async function writeSyntheticStudy(root: string, name: string, options: SyntheticStudyOptions = {}): Promise<string> {
  const [nx, ny, nz] = options.dims ?? [64, 64, 12]
  const rand = mulberry32(options.seed ?? 1)
  const flair = new Float32Array(nx * ny * nz)
  const seg = new Uint8Array(nx * ny * nz)
  const cx = nx / 2 + (rand() - 0.5) * 4
  const cy = ny / 2 + (rand() - 0.5) * 4
  const lx = nx * (0.3 + rand() * 0.35)
  const ly = ny * (0.3 + rand() * 0.35)
  const lz = nz * (0.4 + rand() * 0.3)
  const lr = Math.min(nx, ny) * (0.08 + rand() * 0.08)
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const n = i + nx * (j + ny * k)
        const brain = ((i - cx) / (nx * 0.4)) ** 2 + ((j - cy) / (ny * 0.45)) ** 2
        if (brain > 1) continue
        const d = Math.hypot(i - lx, j - ly, (k - lz) * 2.5) / lr
        flair[n] = 100 + 20 * rand() + (d < 1 ? 150 * (1 - 0.4 * d) : 0)
        if (d < 1) seg[n] = d < 0.5 ? 1 : 2
      }
  const dir = join(root, name)
  const geo = { dims: [nx, ny, nz] as Dims3, affine: BRATS_AFFINE, gzip: true }
  await writeNifti(join(dir, `${name}_flair.nii.gz`), flair, { ...geo, datatype: 'int16' })
  if (options.label !== false) await writeNifti(join(dir, `${name}_seg.nii.gz`), seg, { ...geo, datatype: 'uint8' })
  return dir
}

/** A study folder whose FLAIR file is not a NIfTI (truncated garbage): loading fails with E_NIFTI. */
export async function writeCorruptStudy(root: string, name: string): Promise<string> {
  const dir = join(root, name)
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, `${name}_flair.nii.gz`), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))
  await writeFile(join(dir, `${name}_seg.nii.gz`), new Uint8Array([9, 9, 9]))
  return dir
}

/**
 * A context-dependent oracle: each image of the batch is re-standardised by its own mean and std, and
 * p = sigmoid(4·(z − 1.5)). A tile sees different statistics than the whole slice, so tiling changes the output
 * (mostly near tile borders and in tiles dominated by lesion or background), as with a real CNN.
 */
export function contextPredictor(options: OracleOptions = {}): Predictor {
  return oraclePredictor((batch, n, h, w) => {
    const out = new Float32Array(batch.length)
    const size = h * w
    for (let b = 0; b < n; b++) {
      const img = batch.subarray(b * size, (b + 1) * size)
      let s = 0
      for (const v of img) s += v
      const mean = s / size
      let ss = 0
      for (const v of img) ss += (v - mean) ** 2
      const sd = Math.sqrt(ss / size) || 1
      for (let i = 0; i < size; i++) out[b * size + i] = 1 / (1 + Math.exp(-4 * ((img[i] - mean) / sd - 1.5)))
    }
    return out
  }, { engine: 'oracle-context', inputMultiple: 16, ...options })
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
