/**
 * The prediction overlays of one study as Cornerstone volumes: three uint8 volumes on the FLAIR's grid — full-image
 * and tiled probabilities (p → round(255·p)) and their difference (d = full − tiled → round(127.5·(d + 1))) — plus
 * the float32 slices as received (for contours and the cursor readout). Slices arrive one at a time; each write
 * touches only that slice's texture.
 */
import type { Types } from '@cornerstonejs/core'
import { isoContourPath } from './isoContour'
import { createOverlayVolume, markSliceModified } from './volumeLoading'
import type { HeatId } from './viewerTypes'

export const HEATS: HeatId[] = ['full', 'tiled', 'diff']

export class HeatVolumes {
  private readonly data: Record<HeatId, Uint8Array>
  private readonly volumes: Record<HeatId, Types.IImageVolume>
  private readonly probs: Record<'full' | 'tiled', (Float32Array | null)[]>
  private readonly contours = new Map<string, string>()
  private readonly plane: number

  /**
   * @param key Unique suffix of the volume ids.
   * @param flair The FLAIR volume whose grid the overlays share.
   * @param dims [nx, ny, nz].
   */
  constructor(
    private readonly key: string,
    flair: Types.IImageVolume,
    private readonly dims: [number, number, number],
  ) {
    const [nx, ny, nz] = dims
    this.plane = nx * ny
    const voxels = this.plane * nz
    this.data = { full: new Uint8Array(voxels), tiled: new Uint8Array(voxels), diff: new Uint8Array(voxels).fill(128) }
    this.volumes = {
      full: createOverlayVolume(this.volumeId('full'), flair, this.data.full),
      tiled: createOverlayVolume(this.volumeId('tiled'), flair, this.data.tiled),
      diff: createOverlayVolume(this.volumeId('diff'), flair, this.data.diff),
    }
    this.probs = { full: new Array(nz).fill(null), tiled: new Array(nz).fill(null) }
  }

  volumeId(h: HeatId): string {
    return `tilelab-${h}-${this.key}`
  }

  /**
   * Writes one predicted slice (and the difference slice when both predictions of k are in).
   * @param probs `[ny, nx]` float32 probabilities, row-major (i fastest).
   * @throws Error when the slice has the wrong length or k is out of range.
   */
  put(mode: 'full' | 'tiled', k: number, probs: Float32Array): void {
    const nz = this.dims[2]
    if (probs.length !== this.plane) throw new Error(`${mode} slice ${k}: ${probs.length} values, expected ${this.plane}`)
    if (!(k >= 0 && k < nz)) throw new Error(`${mode} slice ${k} outside 0..${nz - 1}`)
    this.probs[mode][k] = probs
    this.contours.delete(`${mode}:${k}`)
    const out = this.data[mode].subarray(k * this.plane, (k + 1) * this.plane)
    for (let n = 0; n < this.plane; n++) out[n] = Math.round(255 * Math.min(1, Math.max(0, probs[n])))
    markSliceModified(this.volumes[mode], k)
    const f = this.probs.full[k]
    const t = this.probs.tiled[k]
    if (!f || !t) return
    const diff = this.data.diff.subarray(k * this.plane, (k + 1) * this.plane)
    for (let n = 0; n < this.plane; n++) diff[n] = Math.round(127.5 * (1 + Math.max(-1, Math.min(1, f[n] - t[n]))))
    markSliceModified(this.volumes.diff, k)
  }

  /** Forgets every slice of one prediction (and the difference). */
  clear(mode: 'full' | 'tiled'): void {
    this.probs[mode].fill(null)
    for (const key of [...this.contours.keys()]) if (key.startsWith(mode)) this.contours.delete(key)
    this.data[mode].fill(0)
    this.data.diff.fill(128)
    for (const h of [mode, 'diff'] as HeatId[]) (this.volumes[h] as unknown as { modified(): void }).modified()
  }

  /** Probability at pixel n (= i + nx·j) of slice k, or null when that slice has not arrived. */
  probAt(mode: 'full' | 'tiled', k: number, n: number): number | null {
    return this.probs[mode][k]?.[n] ?? null
  }

  /** The 0.5 iso-line of a slice as SVG path data in pixel indices ('' when absent); cached. */
  contour(mode: 'full' | 'tiled', k: number): string {
    const probs = this.probs[mode][k]
    if (!probs) return ''
    const key = `${mode}:${k}`
    let path = this.contours.get(key)
    if (path === undefined) {
      path = isoContourPath(probs, this.dims[0], this.dims[1], 0.5)
      this.contours.set(key, path)
    }
    return path
  }
}
