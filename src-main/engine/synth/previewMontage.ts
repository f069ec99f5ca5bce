/**
 * A quick-look PNG of a rendered synthetic case: a grid of axial slices (FLAIR windowed at the 99.5th percentile
 * of the brain) with the label borders drawn over them (green oedema, yellow enhancing, red necrotic core).
 * Slices are spread evenly over the extent of the tumour, widened to a third of the brain.
 *
 * @source pngjs (PNG encoding).
 */
import { PNG } from 'pngjs'
import type { RenderedCase } from './renderSynthCase'
import { writeFileAtomic } from '../io/atomicWrite'

const LABEL_RGB: Record<number, [number, number, number]> = { 1: [255, 40, 40], 2: [40, 230, 40], 4: [255, 230, 0] }

/**
 * Encodes the montage.
 *
 * @param r Rendered case, NIfTI voxel order; rows of each tile are j (anterior at the top), columns i.
 * @param slices Number of axial slices (tiles), 4 per row.
 * @returns PNG bytes, (4·nx) × (rows·ny) pixels.
 */
export function encodePreviewPng(r: RenderedCase, slices = 8): Uint8Array {
  const [nx, ny, nz] = r.dims
  const plane = nx * ny
  const hasBrain = (k: number): boolean => r.flair.subarray(k * plane, (k + 1) * plane).some((v) => v > 0)
  const hasTumour = (k: number): boolean => r.seg.subarray(k * plane, (k + 1) * plane).some((v) => v > 0)
  const brain = range(nz).filter(hasBrain)
  const tumour = range(nz).filter(hasTumour)
  let lo = tumour.length ? tumour[0] : brain[0] ?? 0, hi = tumour.length ? tumour[tumour.length - 1] : brain[brain.length - 1] ?? nz - 1
  const minSpan = Math.round(brain.length / 3)
  if (hi - lo < minSpan) [lo, hi] = [Math.max(brain[0] ?? 0, Math.round((lo + hi - minSpan) / 2)), Math.min(nz - 1, Math.round((lo + hi + minSpan) / 2))]
  const ks = range(slices).map((s) => Math.round(lo + ((hi - lo) * (s + 0.5)) / slices))
  const sorted = Int16Array.from(r.flair.filter((v) => v > 0)).sort()
  const top = sorted.length ? sorted[Math.floor(sorted.length * 0.995)] : 1
  const cols = 4, rows = Math.ceil(slices / cols)
  const png = new PNG({ width: cols * nx, height: rows * ny })
  ks.forEach((k, t) => {
    const ox = (t % cols) * nx, oy = Math.floor(t / cols) * ny
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const n = k * plane + i + nx * j
        const g = Math.min(255, Math.round((255 * r.flair[n]) / top))
        const l = r.seg[n]
        const edge = l > 0 && (i === 0 || j === 0 || i === nx - 1 || j === ny - 1 ||
          r.seg[n - 1] !== l || r.seg[n + 1] !== l || r.seg[n - nx] !== l || r.seg[n + nx] !== l)
        const rgb = edge ? LABEL_RGB[l] : [g, g, g]
        const o = 4 * ((oy + j) * cols * nx + ox + i)
        png.data[o] = rgb[0]
        png.data[o + 1] = rgb[1]
        png.data[o + 2] = rgb[2]
        png.data[o + 3] = 255
      }
  })
  return PNG.sync.write(png)
}

/** Writes the montage to `path` atomically. @throws EngineError E_IO when the write fails. */
export async function writePreviewPng(path: string, r: RenderedCase, slices = 8): Promise<void> {
  await writeFileAtomic(path, encodePreviewPng(r, slices))
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i)
}
