import { describe, expect, it } from 'vitest'
import { DESCENDER_HEIGHT, drawText, GLYPH_HEIGHT, glyphRows, hasGlyph, textHeight, textWidth } from './bitmapFont'
import { solidImage, type RgbaImage } from './rgbaImage'

/** The ink of an image as rows of '#' and '.', for readable assertions. */
function ink(image: RgbaImage): string[] {
  const rows: string[] = []
  for (let r = 0; r < image.height; r++) {
    let line = ''
    for (let c = 0; c < image.width; c++) line += image.data[(r * image.width + c) * 4] > 0 ? '#' : '.'
    rows.push(line)
  }
  return rows
}

describe('bitmapFont', () => {
  it('has a glyph for every printable ASCII character and for the captions\' − × · ≥', () => {
    for (let code = 32; code < 127; code++) expect(hasGlyph(String.fromCharCode(code))).toBe(true)
    for (const ch of ['−', '×', '·', '≥', '≤', '→', '…']) expect(hasGlyph(ch)).toBe(true)
    expect(hasGlyph('é')).toBe(false)
    expect(glyphRows('é')).toEqual(glyphRows('\u0000'))
  })

  it('measures text: 6 px advance per character minus the trailing gap, times the scale', () => {
    expect(textWidth('')).toBe(0)
    expect(textWidth('A')).toBe(5)
    expect(textWidth('Dice')).toBe(23)
    expect(textWidth('Dice', 2)).toBe(46)
    expect(textWidth('−1')).toBe(11)
    expect(textHeight(2)).toBe(2 * (GLYPH_HEIGHT + DESCENDER_HEIGHT))
  })

  it('draws glyphs pixel for pixel, descenders below the baseline, clipped at the border', () => {
    const img = solidImage(12, 9, [0, 0, 0])
    const end = drawText(img, 'Lp', 0, 0, [255, 255, 255])
    expect(end).toBe(12)
    expect(ink(img)).toEqual([
      '#...........',
      '#...........',
      '#.....####..',
      '#.....#...#.',
      '#.....#...#.',
      '#.....#...#.',
      '#####.####..',
      '......#.....',
      '......#.....',
    ])
    const scaled = solidImage(4, 4, [0, 0, 0])
    drawText(scaled, 'I', -2, 0, [255, 255, 255], 2) // clipped, no throw
    expect(ink(scaled)[0]).toBe('####')
  })
})
