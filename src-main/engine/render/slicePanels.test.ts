import { PNG } from 'pngjs'
import { describe, expect, it } from 'vitest'
import type { Affine } from '../../common/types'
import { GROUND_TRUTH_RGB, intensityWindow, renderSlicePanels, tileGridMask } from './slicePanels'

const BRATS: Affine = [[-1, 0, 0, 0], [0, -1, 0, 239], [0, 0, 1, 0], [0, 0, 0, 1]]
const RAS: Affine = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]

/** A 16×8 slice (nx 16, ny 8): FLAIR bright in the left column block, tumour at (row 2..4, col 1..3). */
function input(affine: Affine) {
  const nx = 16
  const ny = 8
  const flair = new Float32Array(nx * ny).fill(10)
  const gt = new Uint8Array(nx * ny)
  const full = new Float32Array(nx * ny)
  const tiled = new Float32Array(nx * ny)
  for (let r = 2; r <= 4; r++)
    for (let c = 1; c <= 3; c++) {
      gt[r * nx + c] = 1
      flair[r * nx + c] = 100
      full[r * nx + c] = 1
      tiled[r * nx + c] = 0.4
    }
  return { flair, groundTruth: gt, full, tiled, nx, ny, affine, window: [0, 100] as [number, number], minSide: 16, crop: false }
}

function decode(png: Uint8Array): PNG {
  return PNG.sync.read(Buffer.from(png))
}

describe('renderSlicePanels', () => {
  it('five panels of the slice side by side, 4 px apart, deterministic bytes', () => {
    const a = renderSlicePanels(input(BRATS))
    expect(a).toMatchObject({ width: 5 * 16 + 4 * 4, height: 8, panelWidth: 16 })
    const img = decode(a.png)
    expect([img.width, img.height]).toEqual([96, 8])
    expect(Buffer.from(renderSlicePanels(input(BRATS)).png).equals(Buffer.from(a.png))).toBe(true)
  })

  it('FLAIR panel is the windowed gray; tumour in white, background dark; ground truth outlined in green', () => {
    const img = decode(renderSlicePanels(input(BRATS)).png)
    const px = (x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4))
    expect(px(2, 3)).toEqual([255, 255, 255, 255]) // BraTS grid (LPS) is already radiological: no flip
    expect(px(10, 3)).toEqual([26, 26, 26, 255]) // 10/100 of the window
    expect(px(20 + 1, 2)).toEqual([...GROUND_TRUTH_RGB, 255]) // panel 2, boundary pixel of the tumour
  })

  it('radiological orientation: an RAS grid is mirrored left-right and up-down', () => {
    const img = decode(renderSlicePanels(input(RAS)).png)
    const gray = (x: number, y: number) => img.data[(y * img.width + x) * 4]
    // tumour columns 1..3 → 12..14 and rows 2..4 → 3..5 after both flips
    expect(gray(13, 4)).toBe(255)
    expect(gray(2, 3)).toBe(26)
  })

  it('upscales small slices by an integer factor to at least minSide', () => {
    const p = renderSlicePanels({ ...input(BRATS), minSide: 40 })
    expect(p).toMatchObject({ panelWidth: 48, height: 24 }) // ⌈40 / 16⌉ = 3
  })
})

describe('cropping', () => {
  it('crops every panel to the head plus an 8-pixel margin', () => {
    const nx = 40
    const ny = 30
    const flair = new Float32Array(nx * ny)
    for (let r = 10; r < 20; r++) for (let c = 12; c < 22; c++) flair[r * nx + c] = 50 // head: rows 10-19, cols 12-21
    const zeros = new Float32Array(nx * ny)
    const p = renderSlicePanels({ flair, groundTruth: new Uint8Array(nx * ny), full: zeros, tiled: zeros, nx, ny,
      affine: BRATS, window: [0, 100], minSide: 1 })
    expect(p.panelWidth).toBe(10 + 16)
    expect(p.height).toBe(10 + 16)
    // the ground truth is cropped with the same box as the FLAIR: its outline sits on the head's top-left corner
    const gt = new Uint8Array(nx * ny)
    gt[10 * nx + 12] = 1
    const q = renderSlicePanels({ flair, groundTruth: gt, full: zeros, tiled: zeros, nx, ny, affine: BRATS, window: [0, 100], minSide: 1 })
    const img = PNG.sync.read(Buffer.from(q.png))
    const at = (x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3))
    expect(at(q.panelWidth + 4 + 8, 8)).toEqual(GROUND_TRUTH_RGB)
  })
})

describe('intensityWindow and tileGridMask', () => {
  it('window: percentiles of the non-background voxels', () => {
    const data = new Float32Array(1000)
    for (let i = 500; i < 1000; i++) data[i] = i - 499 // background 0, then 1 … 500
    const [lo, hi] = intensityWindow(data, 1, 99)
    // samples 1 … 500 sorted; index ⌊p/100 · 499⌋
    expect(lo).toBe(5)
    expect(hi).toBe(495)
    expect(intensityWindow(new Float32Array(10).fill(3))).toEqual([3, 4])
  })

  it('tile borders are dashed and clipped to the slice', () => {
    const m = tileGridMask(8, 8, [[0, 0]], 6)
    expect(Array.from(m.subarray(0, 8))).toEqual([1, 1, 0, 0, 1, 1, 0, 0].map((v, c) => (c < 6 ? v : 0)))
    expect(m[5 * 8 + 5]).toBe((5 + 5) % 4 < 2 ? 1 : 0)
  })
})
