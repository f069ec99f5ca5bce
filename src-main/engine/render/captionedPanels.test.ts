import { PNG } from 'pngjs'
import { describe, expect, it } from 'vitest'
import type { Affine } from '../../common/types'
import { renderCaptionedPanels, paste } from './captionedPanels'
import { solidImage } from './rgbaImage'
import { composeSlicePanels, renderSlicePanels, type SlicePanelInput } from './slicePanels'

const AFFINE: Affine = [
  [-1, 0, 0, 0],
  [0, -1, 0, 239],
  [0, 0, 1, 0],
  [0, 0, 0, 1],
]

function input(): SlicePanelInput {
  const n = 64
  const flair = new Float32Array(n * n)
  const gt = new Uint8Array(n * n)
  const full = new Float32Array(n * n)
  const tiled = new Float32Array(n * n)
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++) {
      const i = r * n + c
      const d = Math.hypot(r - 30, c - 34)
      flair[i] = d < 28 ? 100 + (d < 8 ? 150 : 0) : 0
      gt[i] = d < 8 ? 1 : 0
      full[i] = d < 9 ? 0.9 : 0.02
      tiled[i] = d < 7 ? 0.8 : 0.02
    }
  return { flair, groundTruth: gt, full, tiled, nx: n, ny: n, affine: AFFINE, window: [0, 250], tiles: { origins: [[0, 0], [0, 32], [32, 0], [32, 32]], tile: 32 }, minSide: 320 }
}

describe('captionedPanels', () => {
  it('composeSlicePanels is what renderSlicePanels encodes', () => {
    const composed = composeSlicePanels(input())
    const rendered = renderSlicePanels(input())
    const png = PNG.sync.read(Buffer.from(rendered.png))
    expect([png.width, png.height]).toEqual([composed.image.width, composed.image.height])
    expect(Buffer.compare(png.data, Buffer.from(composed.image.data))).toBe(0)
    expect(composed.image.width).toBe(5 * composed.panelWidth + 4 * composed.gap)
    expect(composed.panelHeight).toBe(composed.image.height)
  })

  it('adds heading, titles, captions and legend around the panels, at text scale 2 when it fits', () => {
    const panels = composeSlicePanels(input())
    const titles = ['FLAIR', 'Ground truth', 'Whole image', 'Tiled (4 tiles)', 'Whole − tiled']
    const captions = [['window 0 to 250'], ['113 px'], ['soft Dice 0.874', 'binary Dice 0.900'], ['soft Dice 0.829'], ['Dice diff +0.045']]
    const a = renderCaptionedPanels({ panels, heading: ['case · axial slice 3', 'model m'], titles, captions })
    const b = renderCaptionedPanels({ panels, heading: ['case · axial slice 3', 'model m'], titles, captions })
    expect(a.png).toEqual(b.png)
    expect(a.textScale).toBe(2)
    const png = PNG.sync.read(Buffer.from(a.png))
    expect(png.width).toBe(a.width)
    expect(a.width).toBeGreaterThan(panels.image.width)
    // line height at scale 2: 9-row glyph cell + 3 rows of leading = 24 px
    const line = 24
    expect(a.height).toBe(12 + 2 * line + line / 2 + line + panels.image.height + line / 2 + 2 * line + line + (12 + 8 + 18) + 12)
    // the panels are pasted unchanged below the heading and titles
    const top = 12 + 2 * line + line / 2 + line
    const at = (img: { width: number; data: Uint8Array | Buffer }, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4))
    for (const [x, y] of [[0, 0], [100, 50], [panels.image.width - 1, panels.image.height - 1]])
      expect(at(png, 12 + x, top + y)).toEqual(at(panels.image, x, y))
    // a caption too wide for a panel drops the text to scale 1
    const wide = renderCaptionedPanels({ panels, heading: [], titles, captions: [['x'.repeat(40)], [], [], [], []] })
    expect(wide.textScale).toBe(1)
  })

  it('paste clips at every border', () => {
    const dst = solidImage(4, 4, [0, 0, 0])
    paste(dst, solidImage(3, 3, [255, 0, 0]), 2, -1)
    const red = (x: number, y: number) => dst.data[(y * 4 + x) * 4] === 255
    expect([red(2, 0), red(3, 1), red(1, 0), red(2, 2), red(3, 2)]).toEqual([true, true, false, false, false])
  })
})
