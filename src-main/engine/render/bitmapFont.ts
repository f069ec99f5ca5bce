/**
 * A 5×7 pixel bitmap font for captions drawn into PNG pictures (titles, Dice readouts, legend ticks), so a
 * picture stays labelled when it is opened on its own, outside any HTML. Printable ASCII (32-126) plus the few
 * typographic characters TileLab's captions use (− × · ≥ … are drawn or mapped to ASCII look-alikes); any other
 * character is drawn as an open box. Glyphs are drawn at an integer scale (scale 2: 10×14 pixels, advance 12).
 *
 * Glyph rows are written top to bottom as 5-character strings, '1' = ink, leftmost pixel first: 7 rows from the
 * cap height to the baseline, plus 2 descender rows for g, j, p, q, y, comma and semicolon. The glyphs were drawn
 * for TileLab (no font file is read, nothing is downloaded).
 */
import type { RgbaImage } from './rgbaImage'

/** Glyph cell: 5 pixels wide, 7 tall above the baseline and 2 below, plus one pixel of spacing after each glyph. */
export const GLYPH_WIDTH = 5
export const GLYPH_HEIGHT = 7
export const DESCENDER_HEIGHT = 2
const ADVANCE = GLYPH_WIDTH + 1

const GLYPH_ROWS: Record<string, string> = {
  ' ': '00000 00000 00000 00000 00000 00000 00000',
  '!': '00100 00100 00100 00100 00100 00000 00100',
  '"': '01010 01010 01010 00000 00000 00000 00000',
  '#': '01010 01010 11111 01010 11111 01010 01010',
  $: '00100 01111 10100 01110 00101 11110 00100',
  '%': '11000 11001 00010 00100 01000 10011 00011',
  '&': '01100 10010 10100 01000 10101 10010 01101',
  "'": '00100 00100 01000 00000 00000 00000 00000',
  '(': '00010 00100 01000 01000 01000 00100 00010',
  ')': '01000 00100 00010 00010 00010 00100 01000',
  '*': '00000 00100 10101 01110 10101 00100 00000',
  '+': '00000 00100 00100 11111 00100 00100 00000',
  ',': '00000 00000 00000 00000 00000 00110 00110 00010 00100',
  '-': '00000 00000 00000 01110 00000 00000 00000',
  '.': '00000 00000 00000 00000 00000 01100 01100',
  '/': '00000 00001 00010 00100 01000 10000 00000',
  '0': '01110 10001 10011 10101 11001 10001 01110',
  '1': '00100 01100 00100 00100 00100 00100 01110',
  '2': '01110 10001 00001 00010 00100 01000 11111',
  '3': '11111 00010 00100 00010 00001 10001 01110',
  '4': '00010 00110 01010 10010 11111 00010 00010',
  '5': '11111 10000 11110 00001 00001 10001 01110',
  '6': '00110 01000 10000 11110 10001 10001 01110',
  '7': '11111 00001 00010 00100 01000 01000 01000',
  '8': '01110 10001 10001 01110 10001 10001 01110',
  '9': '01110 10001 10001 01111 00001 00010 01100',
  ':': '00000 01100 01100 00000 01100 01100 00000',
  ';': '00000 00000 00110 00110 00000 00110 00110 00010 00100',
  '<': '00010 00100 01000 10000 01000 00100 00010',
  '=': '00000 00000 11111 00000 11111 00000 00000',
  '>': '01000 00100 00010 00001 00010 00100 01000',
  '?': '01110 10001 00001 00010 00100 00000 00100',
  '@': '01110 10001 00001 01101 10101 10101 01110',
  A: '01110 10001 10001 10001 11111 10001 10001',
  B: '11110 10001 10001 11110 10001 10001 11110',
  C: '01110 10001 10000 10000 10000 10001 01110',
  D: '11100 10010 10001 10001 10001 10010 11100',
  E: '11111 10000 10000 11110 10000 10000 11111',
  F: '11111 10000 10000 11110 10000 10000 10000',
  G: '01110 10001 10000 10111 10001 10001 01111',
  H: '10001 10001 10001 11111 10001 10001 10001',
  I: '01110 00100 00100 00100 00100 00100 01110',
  J: '00111 00010 00010 00010 00010 10010 01100',
  K: '10001 10010 10100 11000 10100 10010 10001',
  L: '10000 10000 10000 10000 10000 10000 11111',
  M: '10001 11011 10101 10101 10001 10001 10001',
  N: '10001 10001 11001 10101 10011 10001 10001',
  O: '01110 10001 10001 10001 10001 10001 01110',
  P: '11110 10001 10001 11110 10000 10000 10000',
  Q: '01110 10001 10001 10001 10101 10010 01101',
  R: '11110 10001 10001 11110 10100 10010 10001',
  S: '01111 10000 10000 01110 00001 00001 11110',
  T: '11111 00100 00100 00100 00100 00100 00100',
  U: '10001 10001 10001 10001 10001 10001 01110',
  V: '10001 10001 10001 10001 10001 01010 00100',
  W: '10001 10001 10001 10101 10101 10101 01010',
  X: '10001 10001 01010 00100 01010 10001 10001',
  Y: '10001 10001 10001 01010 00100 00100 00100',
  Z: '11111 00001 00010 00100 01000 10000 11111',
  '[': '01110 01000 01000 01000 01000 01000 01110',
  '\\': '00000 10000 01000 00100 00010 00001 00000',
  ']': '01110 00010 00010 00010 00010 00010 01110',
  '^': '00100 01010 10001 00000 00000 00000 00000',
  _: '00000 00000 00000 00000 00000 00000 11111',
  '`': '01000 00100 00010 00000 00000 00000 00000',
  a: '00000 00000 01110 00001 01111 10001 01111',
  b: '10000 10000 10110 11001 10001 10001 11110',
  c: '00000 00000 01110 10000 10000 10001 01110',
  d: '00001 00001 01101 10011 10001 10001 01111',
  e: '00000 00000 01110 10001 11111 10000 01110',
  f: '00110 01001 01000 11100 01000 01000 01000',
  g: '00000 00000 01111 10001 10001 10001 01111 00001 01110',
  h: '10000 10000 10110 11001 10001 10001 10001',
  i: '00100 00000 01100 00100 00100 00100 01110',
  j: '00010 00000 00110 00010 00010 00010 00010 10010 01100',
  k: '10000 10000 10010 10100 11000 10100 10010',
  l: '01100 00100 00100 00100 00100 00100 01110',
  m: '00000 00000 11010 10101 10101 10001 10001',
  n: '00000 00000 10110 11001 10001 10001 10001',
  o: '00000 00000 01110 10001 10001 10001 01110',
  p: '00000 00000 11110 10001 10001 10001 11110 10000 10000',
  q: '00000 00000 01111 10001 10001 10001 01111 00001 00001',
  r: '00000 00000 10110 11001 10000 10000 10000',
  s: '00000 00000 01110 10000 01110 00001 11110',
  t: '01000 01000 11100 01000 01000 01001 00110',
  u: '00000 00000 10001 10001 10001 10011 01101',
  v: '00000 00000 10001 10001 10001 01010 00100',
  w: '00000 00000 10001 10001 10101 10101 01010',
  x: '00000 00000 10001 01010 00100 01010 10001',
  y: '00000 00000 10001 10001 10001 10001 01111 00001 01110',
  z: '00000 00000 11111 00010 00100 01000 11111',
  '{': '00010 00100 00100 01000 00100 00100 00010',
  '|': '00100 00100 00100 00100 00100 00100 00100',
  '}': '01000 00100 00100 00010 00100 00100 01000',
  '~': '00000 00000 01000 10101 00010 00000 00000',
  // Typographic characters of TileLab's captions.
  '−': '00000 00000 00000 11111 00000 00000 00000',
  '×': '00000 10001 01010 00100 01010 10001 00000',
  '·': '00000 00000 00000 00100 00000 00000 00000',
  '≥': '01000 00100 00010 00100 01000 00000 11111',
  '≤': '00010 00100 01000 00100 00010 00000 11111',
  '→': '00000 00100 00010 11111 00010 00100 00000',
  '…': '00000 00000 00000 00000 00000 00000 10101',
}

const UNKNOWN_ROWS = '11111 10001 10001 10001 10001 10001 11111'

/** Glyph bitmaps as row masks (bit 4 = leftmost pixel): GLYPH_HEIGHT rows, or + DESCENDER_HEIGHT for descenders. */
const GLYPHS: Map<string, number[]> = new Map(Object.entries(GLYPH_ROWS).map(([ch, rows]) => [ch, parseRows(rows)]))
const UNKNOWN = parseRows(UNKNOWN_ROWS)

function parseRows(rows: string): number[] {
  const parts = rows.split(' ')
  const heights = [GLYPH_HEIGHT, GLYPH_HEIGHT + DESCENDER_HEIGHT]
  if (!heights.includes(parts.length) || parts.some((r) => !/^[01]{5}$/.test(r)))
    throw new Error(`bitmapFont: malformed glyph rows ${JSON.stringify(rows)}`)
  return parts.map((r) => parseInt(r, 2))
}

/** Whether `ch` has its own glyph (otherwise it is drawn as a box). */
export function hasGlyph(ch: string): boolean {
  return GLYPHS.has(ch)
}

/** The row masks of a character's glyph (the box for unknown characters). */
export function glyphRows(ch: string): readonly number[] {
  return GLYPHS.get(ch) ?? UNKNOWN
}

/** Width in pixels of `text` drawn at `scale` (no trailing spacing). */
export function textWidth(text: string, scale = 1): number {
  const n = [...text].length
  return n === 0 ? 0 : (n * ADVANCE - 1) * scale
}

/** Height in pixels of one line at `scale`, descenders included. */
export function textHeight(scale = 1): number {
  return (GLYPH_HEIGHT + DESCENDER_HEIGHT) * scale
}

/**
 * Draws one line of text into an image, in place; pixels outside the image are skipped.
 *
 * @param image  Target, RGBA.
 * @param text   One line (no newlines); characters without a glyph are drawn as a box.
 * @param x      Left edge of the first glyph, pixels.
 * @param y      Top edge of the line (cap height), pixels; descenders reach y + textHeight(scale).
 * @param rgb    Ink colour (opaque).
 * @param scale  Integer ≥ 1: each font pixel becomes scale × scale image pixels.
 * @returns The x just after the last glyph (x + textWidth + scale).
 */
export function drawText(
  image: RgbaImage,
  text: string,
  x: number,
  y: number,
  rgb: readonly [number, number, number],
  scale = 1,
): number {
  const s = Math.max(1, Math.floor(scale))
  let cx = Math.round(x)
  const top = Math.round(y)
  for (const ch of text) {
    const rows = glyphRows(ch)
    for (let r = 0; r < rows.length; r++)
      for (let c = 0; c < GLYPH_WIDTH; c++)
        if (rows[r] & (1 << (GLYPH_WIDTH - 1 - c))) fillRect(image, cx + c * s, top + r * s, s, s, rgb)
    cx += ADVANCE * s
  }
  return cx
}

/** Fills an axis-aligned rectangle with an opaque colour, clipped to the image, in place. */
export function fillRect(
  image: RgbaImage,
  x: number,
  y: number,
  width: number,
  height: number,
  rgb: readonly [number, number, number],
): void {
  const x0 = Math.max(0, Math.round(x))
  const y0 = Math.max(0, Math.round(y))
  const x1 = Math.min(image.width, Math.round(x + width))
  const y1 = Math.min(image.height, Math.round(y + height))
  for (let r = y0; r < y1; r++)
    for (let c = x0; c < x1; c++) {
      const o = (r * image.width + c) * 4
      image.data[o] = rgb[0]
      image.data[o + 1] = rgb[1]
      image.data[o + 2] = rgb[2]
      image.data[o + 3] = 255
    }
}
