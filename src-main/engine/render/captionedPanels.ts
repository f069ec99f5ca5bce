/**
 * A self-contained, labelled picture of one axial slice: the five panels of slicePanels.ts (FLAIR, ground truth,
 * whole-image heatmap, tiled heatmap, difference) with a heading, a title above every panel, caption lines below
 * every panel (Dice readouts, counts) and a legend (ground-truth outline colour, the probability and difference
 * colour bars with their ticks), all drawn into the pixels with the 5×7 bitmap font, so the PNG explains itself
 * when opened alone (the evaluation report writes its captions in HTML instead).
 *
 * Text is drawn at scale 2 (12 px per character) when every title and caption fits its panel, else at scale 1.
 *
 * @source Reina & Panchumarthy 2018, Figs. 4, 8-10 (panel contents); colour bars as matplotlib's colorbar.
 */
import { CONFIDENCE_COLORMAP, DIFFERENCE_COLORMAP, type Colormap } from '../../common/colormaps'
import { drawText, fillRect, GLYPH_HEIGHT, textHeight, textWidth } from './bitmapFont'
import { encodePng, outlineMask, solidImage, type RgbaImage } from './rgbaImage'
import { BACKGROUND_RGB, GROUND_TRUTH_RGB, type SlicePanelImage } from './slicePanels'

export interface CaptionedPanelsInput {
  /** The composed panels (composeSlicePanels). */
  panels: SlicePanelImage
  /** Heading lines above the panels; the first is drawn brighter. */
  heading: string[]
  /** One title per panel, left to right. */
  titles: string[]
  /** Caption lines under each panel (one array per panel; may be empty). */
  captions: string[][]
}

export interface CaptionedPanels {
  png: Uint8Array
  width: number
  height: number
  /** Text scale used (1 or 2). */
  textScale: number
}

const MARGIN = 12
const TEXT_RGB: [number, number, number] = [230, 230, 230]
const DIM_TEXT_RGB: [number, number, number] = [170, 170, 170]
/** Colour bars are drawn over this gray, as the heatmaps' transparent ends look over dark anatomy. */
const BAR_UNDERLAY = 48

/**
 * Renders the labelled picture.
 * @returns PNG bytes and size; the same inputs give the same bytes.
 */
export function renderCaptionedPanels(input: CaptionedPanelsInput): CaptionedPanels {
  const { panels } = input
  const { panelWidth, panelHeight, gap } = panels
  const panelCount = Math.round((panels.image.width + gap) / (panelWidth + gap))
  const fits = (s: number): boolean =>
    [...input.titles, ...input.captions.flat()].every((t) => textWidth(t, s) <= panelWidth - 4)
  const scale = fits(2) ? 2 : 1
  const line = textHeight(scale) + 3 * scale
  const captionLines = Math.max(0, ...input.captions.map((c) => c.length))
  const legend = legendLayout(scale)
  const width = Math.max(panels.image.width, legend.width, ...input.heading.map((h) => textWidth(h, scale))) + 2 * MARGIN
  const headingHeight = input.heading.length * line
  const panelsTop = MARGIN + headingHeight + (headingHeight > 0 ? line / 2 : 0) + line
  const height = panelsTop + panelHeight + line / 2 + captionLines * line + line + legend.height + MARGIN
  const out = solidImage(width, height, BACKGROUND_RGB)

  input.heading.forEach((h, i) => drawText(out, h, MARGIN, MARGIN + i * line, i === 0 ? TEXT_RGB : DIM_TEXT_RGB, scale))
  paste(out, panels.image, MARGIN, panelsTop)
  for (let p = 0; p < panelCount; p++) {
    const x0 = MARGIN + p * (panelWidth + gap)
    const title = input.titles[p] ?? ''
    drawText(out, title, x0 + (panelWidth - textWidth(title, scale)) / 2, panelsTop - line, TEXT_RGB, scale)
    ;(input.captions[p] ?? []).forEach((c, i) =>
      drawText(out, c, x0 + 2, panelsTop + panelHeight + line / 2 + i * line, i === 0 ? TEXT_RGB : DIM_TEXT_RGB, scale),
    )
  }
  drawLegend(out, MARGIN, height - MARGIN - legend.height, scale)
  return { png: encodePng(out), width, height, textScale: scale }
}

/** Copies `src` into `dst` with its top-left corner at (x, y), clipped. */
export function paste(dst: RgbaImage, src: RgbaImage, x: number, y: number): void {
  for (let r = 0; r < src.height; r++) {
    const dr = y + r
    if (dr < 0 || dr >= dst.height) continue
    const c0 = Math.max(0, -x)
    const c1 = Math.min(src.width, dst.width - x)
    if (c1 <= c0) continue
    dst.data.set(src.data.subarray((r * src.width + c0) * 4, (r * src.width + c1) * 4), (dr * dst.width + x + c0) * 4)
  }
}

interface LegendLayout {
  width: number
  height: number
  barWidth: number
  barHeight: number
}

const GT_LABEL = 'ground-truth outline'
const PROB_LABEL = 'probability'
const DIFF_LABEL = 'whole − tiled'

function legendLayout(scale: number): LegendLayout {
  const barWidth = 128 * scale
  const barHeight = 6 * scale
  const item = (label: string): number => textWidth(label, scale) + 8 * scale + barWidth
  const swatch = 10 * scale + 6 * scale + textWidth(GT_LABEL, scale)
  const width = swatch + item(PROB_LABEL) + item(DIFF_LABEL) + 2 * 24 * scale
  return { width, height: barHeight + 4 * scale + textHeight(scale), barWidth, barHeight }
}

/** Ground-truth swatch, then the probability bar (0, 0.5, 1) and the difference bar (−1, 0, +1) with ticks. */
function drawLegend(out: RgbaImage, x: number, y: number, scale: number): void {
  const { barWidth, barHeight } = legendLayout(scale)
  const capHeight = GLYPH_HEIGHT * scale
  // ground truth: an outlined square
  const sw = 10 * scale
  const square = solidImage(sw, sw, [BAR_UNDERLAY, BAR_UNDERLAY, BAR_UNDERLAY])
  outlineMask(square, new Uint8Array(sw * sw).fill(1), GROUND_TRUTH_RGB)
  paste(out, square, x, y)
  let cx = drawText(out, GT_LABEL, x + sw + 6 * scale, y + (sw - capHeight) / 2, TEXT_RGB, scale) + 24 * scale
  cx = drawBar(out, CONFIDENCE_COLORMAP, PROB_LABEL, ['0', '0.5', '1'], cx, y, barWidth, barHeight, scale) + 24 * scale
  drawBar(out, DIFFERENCE_COLORMAP, DIFF_LABEL, ['−1', '0', '+1'], cx, y, barWidth, barHeight, scale)
}

/** A label, then a colour bar with three ticks under it (domain low, middle, high). Returns the right edge. */
function drawBar(
  out: RgbaImage,
  colormap: Colormap,
  label: string,
  ticks: [string, string, string],
  x: number,
  y: number,
  barWidth: number,
  barHeight: number,
  scale: number,
): number {
  const lx = drawText(out, label, x, y, TEXT_RGB, scale) + 7 * scale
  const bar = solidImage(barWidth, barHeight, [BAR_UNDERLAY, BAR_UNDERLAY, BAR_UNDERLAY])
  for (let c = 0; c < barWidth; c++) {
    const k = Math.round((c / (barWidth - 1)) * 255) * 4
    const a = colormap.lut[k + 3] / 255
    const rgb = [0, 1, 2].map((j) => Math.round(BAR_UNDERLAY * (1 - a) + colormap.lut[k + j] * a)) as [number, number, number]
    fillRect(bar, c, 0, 1, barHeight, rgb)
  }
  paste(out, bar, lx, y)
  const tickY = y + barHeight + 4 * scale
  ticks.forEach((t, i) => {
    const at = lx + (i * (barWidth - 1)) / 2
    fillRect(out, at, y + barHeight, scale, 2 * scale, TEXT_RGB)
    const tx = i === 0 ? at : i === 2 ? at - textWidth(t, scale) + scale : at - textWidth(t, scale) / 2
    drawText(out, t, tx, tickY, DIM_TEXT_RGB, scale)
  })
  return lx + barWidth
}
