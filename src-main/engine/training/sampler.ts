/**
 * The batch sampler: which slices, which crops and which flips/rotations make up training step (epoch, step).
 *
 * Per batch: `batchSize` distinct training slices (the first N of a random permutation, as the paper's generator;
 * batches are drawn independently, so a slice may recur in later batches). With `tumorFraction` F > 0, the first
 * round(F·N) picks are distinct slices with tumour and the rest are drawn from all training slices (so at least
 * that share of each batch holds tumour). Then per sample: a random crop of P×P pixels with top-left offsets
 * drawn uniformly from 0 … L−P inclusive on each axis (the paper's code drew 0 … L−P−1, so its last row and
 * column never entered a crop: fixed here), or the whole slice with `crop: null`; then one augmentation transform
 * applied to image and mask alike (augment.ts).
 *
 * Every draw of a batch comes from `rngFor(seed, 'batch', epoch, step)`: the batch is a pure function of
 * (seed, epoch, step), so a resumed run draws exactly the batches an uninterrupted one would have.
 *
 * @source paper-spec §3 (`get_batch`: permutation-first-N, random crop with `np.random.choice(240 − 128)`,
 *   flips/rotation per sample; no class balancing).
 */
import { EngineError } from '../../common/errors'
import { applyTransform, drawTransform, transformedShape, type AugmentConfig, type Transform } from './augment'
import { randomInt, rngFor, sampleDistinct } from './random'
import type { SliceStore } from './sliceCache'

/** One training slice: study index in the store and axial slice k. */
export interface SliceRef {
  study: number
  z: number
}

export interface SamplerConfig {
  seed: number
  batchSize: number
  /** Crop side P in pixels, or null for whole slices (`--input full`). */
  crop: number | null
  augment: AugmentConfig
  /** Share of each batch drawn from slices with tumour, in [0, 1]; 0 = uniform over all slices (the paper). */
  tumorFraction: number
}

/** What one sample of a batch is, for tests and logs. */
export interface BatchPick {
  slice: SliceRef
  /** Top-left row (y0) and column (x0) of the crop in the slice; 0, 0 for whole slices. */
  y0: number
  x0: number
  transform: Transform
}

/** A batch: images z-scored and masks 0/1, both `[n, height, width]` float32 (NHWC with C = 1). */
export interface Batch {
  images: Float32Array
  masks: Float32Array
  n: number
  height: number
  width: number
  picks: BatchPick[]
}

/**
 * Draws training batches from a slice store.
 * @throws EngineError E_ARGS (constructor) for a batch larger than the training slices, a crop larger than a slice,
 *   whole slices of different sizes with `crop: null`, or a tumour fraction with no tumour slice to draw from.
 */
export class BatchSampler {
  readonly tumorSlices: number[]

  constructor(
    private readonly store: SliceStore,
    /** The training slices (all axial slices of the training studies, in a fixed order). */
    readonly slices: readonly SliceRef[],
    readonly config: SamplerConfig,
  ) {
    const { batchSize, crop, tumorFraction } = config
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new EngineError('E_ARGS', `sampler: --batch-size must be a positive integer, received ${batchSize}`)
    if (batchSize > slices.length)
      throw new EngineError('E_ARGS', `sampler: --batch-size ${batchSize} exceeds the ${slices.length} training slices`)
    if (!(tumorFraction >= 0 && tumorFraction <= 1))
      throw new EngineError('E_ARGS', `sampler: --tumor-fraction must be in [0, 1], received ${tumorFraction}`)
    this.tumorSlices = []
    slices.forEach((r, i) => {
      if (store.studies[r.study].tumorPixelsPerSlice[r.z] > 0) this.tumorSlices.push(i)
    })
    if (tumorFraction > 0 && this.tumorSlices.length === 0)
      throw new EngineError('E_ARGS', 'sampler: --tumor-fraction > 0 but no training slice holds tumour')
    for (const s of new Set(slices.map((r) => r.study))) {
      const [nx, ny] = store.studies[s].dims
      if (crop !== null && (crop > nx || crop > ny))
        throw new EngineError('E_ARGS', `sampler: --crop ${crop} exceeds slice ${ny}×${nx} of ${store.studies[s].name}`)
      const [fx, fy] = store.studies[slices[0].study].dims
      if (crop === null && (nx !== fx || ny !== fy))
        throw new EngineError(
          'E_ARGS',
          `sampler: --input full needs one slice size, but ${store.studies[s].name} has ${ny}×${nx} and ` +
            `${store.studies[slices[0].study].name} ${fy}×${fx}; use --input crops`,
        )
    }
  }

  /** [H, W] of the training slices (the first one's; `crop: null` requires them all alike). */
  sliceSize(): [number, number] {
    const [nx, ny] = this.store.studies[this.slices[0].study].dims
    return [ny, nx]
  }

  /** The picks of step `step` (≥ 1) of epoch `epoch` (≥ 1), without reading any pixels. */
  plan(epoch: number, step: number): BatchPick[] {
    const { batchSize, crop, augment, tumorFraction, seed } = this.config
    const rng = rngFor(seed, 'batch', epoch, step)
    const nTumor = Math.min(Math.round(tumorFraction * batchSize), this.tumorSlices.length)
    const chosen = sampleDistinct(rng, this.tumorSlices.length, nTumor).map((i) => this.tumorSlices[i])
    if (chosen.length < batchSize) {
      const taken = new Set(chosen)
      // continue one permutation of all slices, skipping those already taken: still distinct and uniform
      const order = sampleDistinct(rng, this.slices.length, Math.min(this.slices.length, batchSize + taken.size))
      for (const i of order) {
        if (chosen.length === batchSize) break
        if (!taken.has(i)) chosen.push(i)
      }
    }
    return chosen.map((i) => {
      const slice = this.slices[i]
      const [nx, ny] = this.store.studies[slice.study].dims
      const y0 = crop === null ? 0 : randomInt(rng, 0, ny - crop)
      const x0 = crop === null ? 0 : randomInt(rng, 0, nx - crop)
      const transform = drawTransform(rng, augment, crop !== null || nx === ny)
      return { slice, y0, x0, transform }
    })
  }

  /**
   * Batch of step `step` of epoch `epoch`: a pure function of (seed, epoch, step).
   * @returns Fresh arrays (never reused between batches).
   */
  async batch(epoch: number, step: number): Promise<Batch> {
    const picks = this.plan(epoch, step)
    const first = this.store.studies[picks[0].slice.study].dims
    const h = this.config.crop ?? first[1]
    const w = this.config.crop ?? first[0]
    const [height, width] = transformedShape(h, w, picks[0].transform)
    const images = new Float32Array(picks.length * h * w)
    const masks = new Float32Array(picks.length * h * w)
    const cropImage = new Float32Array(h * w)
    const cropMask = new Uint8Array(h * w)
    for (const [b, p] of picks.entries()) {
      const nx = this.store.studies[p.slice.study].dims[0]
      const rows = await this.store.readRows(p.slice.study, p.slice.z, p.y0, h)
      for (let r = 0; r < h; r++) {
        const from = r * nx + p.x0
        cropImage.set(rows.image.subarray(from, from + w), r * w)
        cropMask.set(rows.mask.subarray(from, from + w), r * w)
      }
      applyTransform(cropImage, h, w, p.transform, images, b * h * w)
      applyTransform(cropMask, h, w, p.transform, masks, b * h * w)
    }
    return { images, masks, n: picks.length, height, width, picks }
  }
}
