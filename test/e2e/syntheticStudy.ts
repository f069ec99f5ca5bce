/**
 * A synthetic BraTS-like study for the viewer's end-to-end tests (TEST DATA, not the engine's synth module):
 * an ellipsoid head (scalp, skull gap, brain with smooth texture, dark ventricles) with a bright irregular
 * "tumour" blob, and its label. Written with the engine's NIfTI writer on the BraTS grid convention
 * (i → patient left, j → posterior, k → superior; affine rows (-1,0,0,0), (0,-1,0,ny-1), (0,0,1,0)).
 *
 * Deterministic: no random numbers; texture is a sum of sines.
 */
import path from 'node:path'
import { mkdirSync } from 'node:fs'
import type { Affine, Dims3 } from '../../src-main/common/types'
import { writeNifti } from '../../src-main/engine/io/niftiWrite'

export interface SyntheticStudy {
  dir: string
  flairPath: string
  labelPath: string
  dims: Dims3
  affine: Affine
  /** FLAIR intensities, i fastest. */
  flair: Float32Array
  /** Labels {0, 1, 2, 4} (BraTS 2017+ convention), i fastest. */
  label: Uint8Array
}

/** The BraTS affine for a grid of `dims` at 1 mm. */
export function bratsAffine(dims: Dims3): Affine {
  return [
    [-1, 0, 0, 0],
    [0, -1, 0, dims[1] - 1],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ]
}

/**
 * Builds the volumes and writes `<dir>/<name>/<name>_flair.nii.gz` (int16) and `<name>_seg.nii.gz` (uint8).
 * @param dims Grid size; defaults to BraTS's 240×240×155.
 */
export async function writeSyntheticStudy(
  dir: string,
  name = 'Synthetic_001',
  dims: Dims3 = [240, 240, 155],
): Promise<SyntheticStudy> {
  const [nx, ny, nz] = dims
  const flair = new Float32Array(nx * ny * nz)
  const label = new Uint8Array(nx * ny * nz)
  const cx = nx / 2, cy = ny / 2 + 4, cz = nz * 0.45
  const rx = nx * 0.36, ry = ny * 0.43, rz = nz * 0.42
  // Tumour: union of three ellipsoids in the patient's right frontal-parietal region (low i = patient right).
  const blobs = [
    { x: nx * 0.36, y: ny * 0.42, z: nz * 0.55, r: [17, 20, 14] },
    { x: nx * 0.31, y: ny * 0.5, z: nz * 0.5, r: [12, 14, 11] },
    { x: nx * 0.4, y: ny * 0.36, z: nz * 0.62, r: [9, 10, 8] },
  ]
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const n = i + nx * (j + ny * k)
        const e = ((i - cx) / rx) ** 2 + ((j - cy) / ry) ** 2 + ((k - cz) / rz) ** 2
        if (e > 1) continue
        let v: number
        if (e > 0.86) v = 260 + 60 * Math.sin(i * 0.3) // scalp
        else if (e > 0.78) v = 25 // skull (dark on FLAIR)
        else {
          const texture = 45 * Math.sin(i * 0.21 + k * 0.05) * Math.cos(j * 0.17) + 25 * Math.sin((i + j) * 0.09)
          const gm = e > 0.6 ? 60 : 0 // cortex a little brighter
          v = 380 + gm + texture
          const vent = ((i - cx) / 11) ** 2 + ((j - cy + 6) / 30) ** 2 + ((k - cz - 6) / 16) ** 2
          const vent2 = ((Math.abs(i - cx) - 9) / 6) ** 2 + ((j - cy + 6) / 26) ** 2 + ((k - cz - 6) / 14) ** 2
          if (vent < 1 || vent2 < 1) v = 70
        }
        let t = 0
        for (const b of blobs) {
          const d = ((i - b.x) / b.r[0]) ** 2 + ((j - b.y) / b.r[1]) ** 2 + ((k - b.z) / b.r[2]) ** 2
          const wobble = 0.15 * Math.sin(i * 0.5) * Math.cos(j * 0.4)
          if (d + wobble < 1) t = Math.max(t, d < 0.25 ? 3 : d < 0.55 ? 2 : 1)
        }
        if (t > 0 && e <= 0.78) {
          label[n] = t === 3 ? 4 : t === 2 ? 1 : 2 // enhancing core, necrosis, oedema
          v = t === 2 ? 640 : t === 3 ? 980 : 860
          v += 40 * Math.sin(i * 0.7 + j * 0.3)
        }
        flair[n] = Math.round(v)
      }
    }
  }
  const studyDir = path.join(dir, name)
  mkdirSync(studyDir, { recursive: true })
  const affine = bratsAffine(dims)
  const flairPath = path.join(studyDir, `${name}_flair.nii.gz`)
  const labelPath = path.join(studyDir, `${name}_seg.nii.gz`)
  await writeNifti(flairPath, flair, { dims, affine, datatype: 'int16', gzip: true, description: 'TileLab e2e synthetic FLAIR' })
  await writeNifti(labelPath, label, { dims, affine, datatype: 'uint8', gzip: true, description: 'TileLab e2e synthetic label' })
  return { dir: studyDir, flairPath, labelPath, dims, affine, flair, label }
}
