/**
 * A tiny BraTS-layout cohort for training tests: `<case>/<case>_flair.nii.gz` (float32) and `<case>_seg.nii.gz`
 * (uint8, labels {0, 2, 4}) on a small grid, with a bright disc (the "tumour") in some slices over a noisy head.
 * Deterministic per seed. Until the synthetic-cohort generator is merged, this is what training tests run on.
 */
import { join } from 'node:path'
import { xoroshiro128plus, unsafeUniformIntDistribution } from 'pure-rand'
import type { Dims3 } from '../../src-main/common/types'
import { writeNifti } from '../../src-main/engine/io/niftiWrite'
import { BRATS_AFFINE } from './niftiFixtures'

export interface TinyCohortOptions {
  cases: number
  dims?: Dims3
  seed?: number
  /** Case-id prefix (default 'BraTS2021_'). */
  prefix?: string
}

/** Writes the cohort into `dir`; returns the case ids. */
export async function writeTinyCohort(dir: string, o: TinyCohortOptions): Promise<string[]> {
  const [nx, ny, nz] = o.dims ?? [64, 64, 16]
  const rng = xoroshiro128plus(o.seed ?? 1)
  const rand = (): number => unsafeUniformIntDistribution(0, 1_000_000, rng) / 1_000_000
  const ids: string[] = []
  for (let c = 0; c < o.cases; c++) {
    const id = `${o.prefix ?? 'BraTS2021_'}${String(c + 1).padStart(5, '0')}`
    ids.push(id)
    const flair = new Float32Array(nx * ny * nz)
    const seg = new Uint8Array(nx * ny * nz)
    const cx = nx * (0.3 + 0.4 * rand())
    const cy = ny * (0.3 + 0.4 * rand())
    const radius = Math.min(nx, ny) * (0.08 + 0.1 * rand())
    const z0 = Math.floor(nz * 0.25)
    const z1 = Math.ceil(nz * 0.75)
    for (let z = 0; z < nz; z++) {
      for (let y = 0; y < ny; y++) {
        for (let x = 0; x < nx; x++) {
          const i = x + nx * (y + ny * z)
          const head = ((x - nx / 2) / (nx * 0.45)) ** 2 + ((y - ny / 2) / (ny * 0.45)) ** 2 < 1
          let v = head ? 300 + 40 * rand() : 0
          const inTumor = z >= z0 && z < z1 && (x - cx) ** 2 + (y - cy) ** 2 < radius ** 2
          if (inTumor) {
            v += 400
            seg[i] = (x - cx) ** 2 + (y - cy) ** 2 < (radius / 2) ** 2 ? 4 : 2
          }
          flair[i] = v
        }
      }
    }
    const folder = join(dir, id)
    await writeNifti(join(folder, `${id}_flair.nii.gz`), flair, { dims: [nx, ny, nz], affine: BRATS_AFFINE, datatype: 'float32', gzip: true })
    await writeNifti(join(folder, `${id}_seg.nii.gz`), seg, { dims: [nx, ny, nz], affine: BRATS_AFFINE, datatype: 'uint8', gzip: true })
  }
  return ids
}
