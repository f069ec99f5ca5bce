/**
 * Orientation of a voxel grid from its affine, and the flips/transpose that show an axial slice in radiological
 * convention (screen left = patient right, screen up = anterior).
 *
 * @source nibabel `orientations.io_orientation` / `aff2axcodes` (axis codes in RAS+ world: L/R, P/A, I/S);
 *   radiological display convention as in ITK-SNAP / 3D Slicer axial views.
 */
import type { Affine } from '../../common/types'

const POSITIVE = ['R', 'A', 'S'] as const
const NEGATIVE = ['L', 'P', 'I'] as const

/**
 * Axis codes of the voxel axes: for each voxel axis i, j, k, the world direction it points to.
 *
 * Each voxel axis gets the world axis its (normalised) column points along most; a world axis is used once,
 * assigned greedily by decreasing |cosine| (nibabel's io_orientation uses an SVD first; the two agree except for
 * strongly sheared affines).
 *
 * @param affine Voxel → world RAS+ mm.
 * @returns Three letters, e.g. 'LPS' for BraTS (i → Left, j → Posterior, k → Superior), 'RAS' for the identity.
 *   A voxel axis whose column is zero gets '?'.
 */
export function axisCodes(affine: Affine): string {
  const cols = [0, 1, 2].map((c) => {
    const v = [affine[0][c], affine[1][c], affine[2][c]]
    const n = Math.hypot(v[0], v[1], v[2])
    return n > 0 ? v.map((x) => x / n) : [0, 0, 0]
  })
  const codes = ['?', '?', '?']
  const usedVoxel = new Set<number>()
  const usedWorld = new Set<number>()
  for (let step = 0; step < 3; step++) {
    let best = { v: -1, w: -1, abs: 0 }
    for (let v = 0; v < 3; v++) {
      if (usedVoxel.has(v)) continue
      for (let w = 0; w < 3; w++) {
        if (usedWorld.has(w)) continue
        const abs = Math.abs(cols[v][w])
        if (abs > best.abs) best = { v, w, abs }
      }
    }
    if (best.v < 0) break
    usedVoxel.add(best.v)
    usedWorld.add(best.w)
    codes[best.v] = cols[best.v][best.w] > 0 ? POSITIVE[best.w] : NEGATIVE[best.w]
  }
  return codes.join('')
}

/** How to turn a raw axial slice `[ny, nx]` (row j, column i) into the radiological display. */
export interface DisplayTransform {
  /** Swap rows and columns first (when voxel axis j, not i, runs left-right). */
  transpose: boolean
  /** Then mirror columns (so that screen right = patient left). */
  flipColumns: boolean
  /** Then mirror rows (so that screen down = posterior). */
  flipRows: boolean
}

/**
 * The display transform of axial slices for a grid.
 *
 * Columns must run towards patient Left and rows (downwards) towards Posterior. If the in-plane axes are not
 * left-right / anterior-posterior (a non-axial acquisition), screen down goes Inferior and screen right Left
 * where those axes exist, and otherwise the slice is left as stored.
 *
 * @param affine Voxel → world RAS+ mm.
 * @returns Identity `{ false, false, false }` on the BraTS grid ('LPS').
 */
export function radiologicalTransform(affine: Affine): DisplayTransform {
  const codes = axisCodes(affine)
  const [ci, cj] = [codes[0], codes[1]]
  const leftRight = (c: string): boolean => c === 'L' || c === 'R'
  const transpose = leftRight(cj) && !leftRight(ci)
  const col = transpose ? cj : ci
  const row = transpose ? ci : cj
  return {
    transpose,
    flipColumns: col === 'R' || (col === 'A' && !leftRight(row)),
    flipRows: row === 'A' || row === 'S',
  }
}

/** Typed arrays a slice can be held in. */
export type SliceArray = Float32Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Float64Array

/**
 * A copy of an axial slice laid out for radiological display.
 *
 * @param slice  Raw axial slice `[ny, nx]` row-major (row j, column i): `data.subarray(k·nx·ny, (k+1)·nx·ny)`.
 * @param dims   Grid dims; only nx = dims[0] and ny = dims[1] are used.
 * @param affine Voxel → world RAS+ mm of the grid.
 * @returns `{ data, height, width }`: a new array of the same type, `[height, width]` row-major; height = ny and
 *   width = nx unless transposed. On the BraTS grid the copy equals the input.
 * @throws RangeError if slice.length ≠ nx·ny (a programming error, not a user error).
 */
export function radiologicalSlice<T extends SliceArray>(
  slice: T,
  dims: readonly number[],
  affine: Affine,
): { data: T; height: number; width: number } {
  const [nx, ny] = [dims[0], dims[1]]
  if (slice.length !== nx * ny) throw new RangeError(`slice has ${slice.length} pixels, expected ${nx}×${ny}`)
  const t = radiologicalTransform(affine)
  const height = t.transpose ? nx : ny
  const width = t.transpose ? ny : nx
  const out = new (slice.constructor as new (n: number) => T)(slice.length)
  for (let r = 0; r < height; r++) {
    const rr = t.flipRows ? height - 1 - r : r
    for (let c = 0; c < width; c++) {
      const cc = t.flipColumns ? width - 1 - c : c
      // (rr, cc) in the transposed frame → (j, i) in the stored slice
      const src = t.transpose ? cc * nx + rr : rr * nx + cc
      out[r * width + c] = slice[src]
    }
  }
  return { data: out, height, width }
}
