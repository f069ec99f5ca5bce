/**
 * The vector overlay of one viewport pane, drawn in an SVG above Cornerstone's canvas: 0.5 contours of the
 * predictions, the tile grid of the current tiling, the orientation letters at the edges and a scale bar.
 *
 * Geometry: contours and tiles are given in pixel indices of the current axial slice (x = column i, y = row j,
 * pixel centres on integers); `setSliceTransform` maps them to canvas pixels with the 2D affine
 * canvas = o + i·ei + j·ej, taken from Cornerstone's worldToCanvas at three voxels (studyViewer.ts).
 */
import type { TileRect } from '../../../src-main/common/tileLayout'

const SVG_NS = 'http://www.w3.org/2000/svg'

export interface Orientation {
  top: string
  bottom: string
  left: string
  right: string
}

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string> = {}): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, name)
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v)
  return e
}

export class OverlayLayer {
  readonly svg: SVGSVGElement
  private readonly slice: SVGGElement
  private readonly gridGroup: SVGGElement
  private readonly contourGroup: SVGGElement
  private readonly letters: Record<keyof Orientation, SVGTextElement>
  private readonly scaleBar: SVGGElement
  private readonly scaleLine: SVGPathElement
  private readonly scaleText: SVGTextElement

  constructor(parent: HTMLElement) {
    this.svg = el('svg', { class: 'overlay-layer', 'data-testid': 'overlay-layer' })
    this.slice = el('g', { class: 'slice-space' })
    this.gridGroup = el('g', { class: 'tile-grid', 'data-testid': 'tile-grid' })
    this.contourGroup = el('g', { class: 'contours' })
    this.slice.append(this.gridGroup, this.contourGroup)
    const letter = (cls: string) => {
      const t = el('text', { class: `orientation ${cls}` })
      this.svg.append(t)
      return t
    }
    this.svg.append(this.slice)
    this.letters = { top: letter('top'), bottom: letter('bottom'), left: letter('left'), right: letter('right') }
    this.scaleBar = el('g', { class: 'scale-bar' })
    this.scaleLine = el('path', {})
    this.scaleText = el('text', {})
    this.scaleBar.append(this.scaleLine, this.scaleText)
    this.svg.append(this.scaleBar)
    parent.append(this.svg)
  }

  /** Maps slice pixel indices to canvas pixels: [ei.x, ei.y, ej.x, ej.y, o.x, o.y] (SVG matrix order). */
  setSliceTransform(m: [number, number, number, number, number, number] | null): void {
    if (!m || m.some((v) => !Number.isFinite(v))) {
      this.slice.setAttribute('visibility', 'hidden')
      return
    }
    this.slice.removeAttribute('visibility')
    this.slice.setAttribute('transform', `matrix(${m.map((v) => v.toFixed(4)).join(' ')})`)
  }

  /** Replaces the contours: path data in slice pixel indices, one colour each. */
  setContours(contours: { id: string; path: string; color: string }[]): void {
    this.contourGroup.replaceChildren(
      ...contours
        .filter((c) => c.path)
        .map((c) => el('path', { d: c.path, stroke: c.color, class: 'contour', 'data-contour': c.id })),
    )
  }

  /** Replaces the tile grid (null hides it). Tile edges lie on pixel borders: index − 0.5. */
  setTileGrid(tiles: TileRect[] | null, color: string): void {
    if (!tiles) return void this.gridGroup.replaceChildren()
    this.gridGroup.replaceChildren(
      ...tiles.map((t, n) =>
        el('rect', {
          x: String(t.x0 - 0.5),
          y: String(t.y0 - 0.5),
          width: String(t.width),
          height: String(t.height),
          stroke: color,
          class: `tile tile-${n % 2 ? 'odd' : 'even'}`,
        }),
      ),
    )
  }

  /** Orientation letters at the edge midpoints of a `width`×`height` canvas. */
  setOrientation(o: Orientation | null, width: number, height: number): void {
    const pos: Record<keyof Orientation, [number, number, string]> = {
      top: [width / 2, 16, 'middle'],
      bottom: [width / 2, height - 8, 'middle'],
      left: [10, height / 2 + 5, 'start'],
      right: [width - 10, height / 2 + 5, 'end'],
    }
    for (const key of Object.keys(pos) as (keyof Orientation)[]) {
      const t = this.letters[key]
      t.textContent = o ? o[key] : ''
      t.setAttribute('x', String(pos[key][0]))
      t.setAttribute('y', String(pos[key][1]))
      t.setAttribute('text-anchor', pos[key][2])
    }
  }

  /** A vertical scale bar of a round length in mm at the right edge, given the canvas pixels per mm. */
  setScale(pxPerMm: number, width: number, height: number): void {
    if (!(pxPerMm > 0)) return void this.scaleBar.setAttribute('visibility', 'hidden')
    const mm = [5, 10, 20, 50, 100].find((m) => m * pxPerMm >= 60) ?? 100
    const len = mm * pxPerMm
    const x = width - 14
    const y0 = height / 2 + 28
    this.scaleBar.removeAttribute('visibility')
    this.scaleLine.setAttribute('d', `M${x - 5} ${y0}H${x}V${y0 + len}H${x - 5}`)
    this.scaleText.setAttribute('x', String(x - 8))
    this.scaleText.setAttribute('y', String(y0 + len / 2 + 4))
    this.scaleText.setAttribute('text-anchor', 'end')
    this.scaleText.textContent = mm >= 10 ? `${mm / 10} cm` : `${mm} mm`
  }

  destroy(): void {
    this.svg.remove()
  }
}
