import { describe, expect, it } from 'vitest'
import { PNG } from 'pngjs'
import { encodePreviewPng } from './previewMontage'
import { renderSynthCase } from './renderSynthCase'
import { sampleCaseParams } from './sampleCaseParams'

describe('encodePreviewPng', () => {
  it('draws a 4-column grid of axial slices with coloured label borders', () => {
    const r = renderSynthCase(sampleCaseParams(7, 0), { dims: [80, 80, 52] })
    const png = PNG.sync.read(Buffer.from(encodePreviewPng(r, 8)))
    expect([png.width, png.height]).toEqual([320, 160])
    let oedemaBorder = 0, grey = 0
    for (let o = 0; o < png.data.length; o += 4) {
      const [red, green, blue] = [png.data[o], png.data[o + 1], png.data[o + 2]]
      if (red === 40 && green === 230 && blue === 40) oedemaBorder++
      else if (red === green && green === blue && red > 0) grey++
    }
    expect(oedemaBorder).toBeGreaterThan(20)
    expect(grey).toBeGreaterThan(5000)
  })
})
