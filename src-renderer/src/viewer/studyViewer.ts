/**
 * The Cornerstone3D side of the viewer for one open study: a plain class (never put in Svelte state) that owns a
 * RenderingEngine with one or two axial ORTHOGRAPHIC viewports ('main', and 'side' in side-by-side layout), the
 * FLAIR volume, three uint8 heat volumes (full, tiled, difference), the ground-truth labelmap drawn as an outline,
 * a tool group (W/L, pan, zoom, wheel scroll) and one vector overlay per pane (overlayLayer.ts).
 *
 * Slices are addressed by NIfTI k everywhere in TileLab. The axial viewport's own slice index runs the other way
 * (renderer-notes.md), so slices are set and read through world coordinates.
 *
 * Layout rules: single → 'main' shows every enabled overlay; side-by-side → 'main' shows the full-image prediction
 * and 'side' the tiled one (the difference map is a single-view overlay); the ground truth shows on both; cameras
 * and window/level stay in sync.
 *
 * Lifetime: one instance per study; `destroy()` frees everything (also the way to recover from a lost WebGL context:
 * destroy and create again).
 */
import { cache, Enums, RenderingEngine, utilities, type Types } from '@cornerstonejs/core'
import { Enums as ToolsEnums, ToolGroupManager } from '@cornerstonejs/tools'
import type { StudyInfo } from '../../../src-main/common/api'
import { tileLayout } from '../../../src-main/common/tileLayout'
import type { Tiling } from '../../../src-main/common/types'
import {
  CONFIDENCE_COLORMAP, confidenceOpacityMapping, DIFFERENCE_COLORMAP, differenceOpacityMapping, MODE_COLORS,
} from './colormaps'
import { poolCanvases, watchContextLoss } from './contextLoss'
import { setupCornerstone, TOOL_NAMES } from './cornerstoneSetup'
import { GroundTruthOutline } from './groundTruthOutline'
import { HEATS, HeatVolumes } from './heatVolumes'
import { OverlayLayer } from './overlayLayer'
import { orientationOf } from './orientation'
import { contourModes, gridVisible, heatVisible } from './paneRules'
import { loadFlairVolume } from './volumeLoading'
import type {
  CursorReadout, Layout, LeftTool, OverlayFlags, PaneId, ViewerEvents, ViewerState,
} from './viewerTypes'

let instances = 0

export class StudyViewer {
  private readonly n = ++instances
  private readonly re: RenderingEngine
  private readonly toolGroupId: string
  private readonly heats: HeatVolumes
  private readonly gt: GroundTruthOutline | null
  private readonly wholeTumor: Uint8Array | null
  private readonly overlays = new Map<PaneId, OverlayLayer>()
  private readonly enabled = new Set<PaneId>()
  /** Panes whose heat volumes and GT outline have been added (after their first frame). */
  private readonly dressed = new Set<PaneId>()
  private readonly cleanups = new Map<PaneId, () => void>()
  private readonly globalCleanups: (() => void)[] = []
  private readonly nx: number
  private readonly ny: number
  private readonly nz: number
  private syncing = false
  private slice = -1
  private initialScale = 0
  private renderQueued = false
  private readonly dirty = new Set<PaneId>()
  private destroyed = false
  private state: ViewerState

  private constructor(
    private readonly elements: Record<PaneId, HTMLDivElement>,
    private readonly study: StudyInfo,
    private readonly flair: Types.IImageVolume,
    labelBytes: Uint8Array | null,
    private readonly events: ViewerEvents,
    initial: ViewerState,
  ) {
    ;[this.nx, this.ny, this.nz] = study.dims
    this.state = structuredClone(initial)
    this.re = new RenderingEngine(`tilelab-re-${this.n}`)
    this.toolGroupId = `tilelab-tools-${this.n}`
    this.heats = new HeatVolumes(String(this.n), flair, study.dims)
    this.wholeTumor = labelBytes ? labelBytes.map((v) => (v > 0 ? 1 : 0)) : null
    this.gt = this.wholeTumor ? new GroundTruthOutline(`tilelab-gt-${this.n}`, flair.volumeId, this.wholeTumor) : null
  }

  /**
   * Loads the study's FLAIR and label and shows them.
   * @param flairBytes NIfTI bytes of the FLAIR (StudyInfo.imageUrl).
   * @param labelBytes Raw uint8 label voxels (StudyInfo.labelUrl), i fastest; null without a label.
   * @throws Error when the FLAIR cannot be loaded or its grid differs from StudyInfo.dims.
   */
  static async create(
    elements: Record<PaneId, HTMLDivElement>,
    study: StudyInfo,
    flairBytes: ArrayBuffer,
    labelBytes: Uint8Array | null,
    events: ViewerEvents,
    initial: ViewerState,
  ): Promise<StudyViewer> {
    setupCornerstone()
    const flair = await loadFlairVolume(flairBytes, `${study.studyId}-${instances + 1}`)
    performance.mark('tilelab:flair-volume')
    const [nx, ny, nz] = study.dims
    if (flair.dimensions.join() !== study.dims.join())
      throw new Error(`FLAIR grid ${flair.dimensions.join('×')} differs from the study's ${study.dims.join('×')}`)
    if (labelBytes && labelBytes.length !== nx * ny * nz)
      throw new Error(`label has ${labelBytes.length} voxels, the FLAIR ${nx * ny * nz}`)
    const viewer = new StudyViewer(elements, study, flair, labelBytes, events, initial)
    await viewer.init()
    return viewer
  }

  private viewportId(p: PaneId): string {
    return `${p}-${this.n}`
  }
  private viewport(p: PaneId): Types.IVolumeViewport | null {
    if (!this.enabled.has(p)) return null
    return (this.re.getViewport(this.viewportId(p)) as Types.IVolumeViewport | undefined) ?? null
  }

  private async init(): Promise<void> {
    const tg = ToolGroupManager.createToolGroup(this.toolGroupId)
    if (!tg) throw new Error(`tool group ${this.toolGroupId} exists`)
    for (const name of Object.values(TOOL_NAMES)) tg.addTool(name)
    const MB = ToolsEnums.MouseBindings
    tg.setToolActive(TOOL_NAMES.windowLevel, { bindings: [{ mouseButton: MB.Primary }] })
    tg.setToolActive(TOOL_NAMES.pan, { bindings: [{ mouseButton: MB.Auxiliary }] })
    tg.setToolActive(TOOL_NAMES.zoom, { bindings: [{ mouseButton: MB.Secondary }] })
    tg.setToolActive(TOOL_NAMES.scroll, { bindings: [{ mouseButton: MB.Wheel }] })

    await this.enablePane('main')
    performance.mark('tilelab:pane-main')
    if (this.state.layout === 'side') await this.enablePane('side')
    performance.mark('tilelab:pane-side')
    this.globalCleanups.push(watchContextLoss(this.re, () => !this.destroyed && this.events.onContextLost()))
    const observer = new ResizeObserver(() => this.resize())
    observer.observe(this.elements.main)
    observer.observe(this.elements.side)
    this.globalCleanups.push(() => observer.disconnect())
    this.setVoi(this.state.voi.lower, this.state.voi.upper)
    this.setSlice(this.state.slice)
    this.requestRender()
  }

  // ---------------------------------------------------------------------------------------------------------
  // Panes

  private async enablePane(p: PaneId): Promise<void> {
    const element = this.elements[p]
    const viewportId = this.viewportId(p)
    this.re.enableElement({
      viewportId,
      type: Enums.ViewportType.ORTHOGRAPHIC,
      element,
      defaultOptions: { orientation: Enums.OrientationAxis.AXIAL, background: [0, 0, 0] as Types.Point3 },
    })
    this.enabled.add(p)
    const vp = this.re.getViewport(viewportId) as Types.IVolumeViewport
    // The FLAIR alone first: the heat volumes join after the first frame (addHeatActors), which keeps their
    // texture uploads out of the time to the first image.
    await vp.setVolumes([{ volumeId: this.flair.volumeId }])
    ToolGroupManager.getToolGroup(this.toolGroupId)?.addViewport(viewportId, this.re.id)
    const overlay = new OverlayLayer(element.parentElement ?? element)
    this.overlays.set(p, overlay)
    const other = this.viewport(p === 'main' ? 'side' : 'main')
    if (other) {
      const cam = other.getCamera()
      vp.setCamera({ focalPoint: cam.focalPoint, position: cam.position, parallelScale: cam.parallelScale, viewUp: cam.viewUp })
      vp.setProperties({ voiRange: { ...this.state.voi } }, this.flair.volumeId)
    }
    if (p === 'main') this.initialScale = vp.getCamera().parallelScale ?? 1
    this.listenPane(p, vp)
    this.applyVisibility()
  }

  /**
   * After a pane's first frame (FLAIR only, the fastest first image): adds the three heat volumes, then the
   * ground-truth outline on top of them. Once per pane.
   */
  private async afterFirstFrame(p: PaneId): Promise<void> {
    const vp = this.viewport(p)
    if (!vp || this.destroyed || this.dressed.has(p)) return
    this.dressed.add(p)
    const unitDistance = ({ volumeActor }: { volumeActor: Types.VolumeActor }) =>
      // Overlay opacity is "per mm" (cornerstone3D #826): make it literal on a thin slab (renderer-notes.md).
      volumeActor.getProperty().setScalarOpacityUnitDistance(0, vp.getSlabThickness())
    await vp.addVolumes(HEATS.map((h) => ({ volumeId: this.heats.volumeId(h), callback: unitDistance })))
    if (this.destroyed || !this.enabled.has(p)) return
    this.applyHeatProperties(vp)
    performance.mark(`tilelab:heat-${p}`)
    await this.gt?.addTo(this.viewportId(p))
    if (this.destroyed || !this.enabled.has(p)) return
    performance.mark(`tilelab:gt-${p}`)
    this.applyVisibility()
  }

  private disablePane(p: PaneId): void {
    if (!this.enabled.has(p)) return
    const viewportId = this.viewportId(p)
    this.cleanups.get(p)?.()
    this.cleanups.delete(p)
    this.gt?.removeFrom(viewportId)
    ToolGroupManager.getToolGroup(this.toolGroupId)?.removeViewports(this.re.id, viewportId)
    this.re.disableElement(viewportId)
    this.enabled.delete(p)
    this.dressed.delete(p)
    this.overlays.get(p)?.destroy()
    this.overlays.delete(p)
  }

  private listenPane(p: PaneId, vp: Types.IVolumeViewport): void {
    const element = this.elements[p]
    const onCamera = () => this.onCamera(p)
    let first = true
    const onRendered = () => {
      if (first) {
        first = false
        performance.mark(`tilelab:rendered-${p}`)
        setTimeout(() => void this.afterFirstFrame(p), 0)
      }
      this.drawOverlay(p)
    }
    const onVoi = (e: Event) => {
      const d = (e as CustomEvent).detail as { volumeId?: string; range?: { lower: number; upper: number } }
      if (d.volumeId !== this.flair.volumeId || !d.range || this.syncing) return
      this.state.voi = { lower: d.range.lower, upper: d.range.upper }
      const other = this.viewport(p === 'main' ? 'side' : 'main')
      if (other) {
        this.syncing = true
        other.setProperties({ voiRange: { ...d.range } }, this.flair.volumeId)
        other.render()
        this.syncing = false
      }
      this.events.onVoi(d.range.lower, d.range.upper)
    }
    const onMove = (e: MouseEvent) => this.events.onCursor(this.readout(p, vp, e))
    const onLeave = () => this.events.onCursor(null)
    const noMenu = (e: Event) => e.preventDefault()
    element.addEventListener(Enums.Events.CAMERA_MODIFIED, onCamera)
    element.addEventListener(Enums.Events.IMAGE_RENDERED, onRendered)
    element.addEventListener(Enums.Events.VOI_MODIFIED, onVoi)
    element.addEventListener('mousemove', onMove)
    element.addEventListener('mouseleave', onLeave)
    element.addEventListener('contextmenu', noMenu)
    this.cleanups.set(p, () => {
      element.removeEventListener(Enums.Events.CAMERA_MODIFIED, onCamera)
      element.removeEventListener(Enums.Events.IMAGE_RENDERED, onRendered)
      element.removeEventListener(Enums.Events.VOI_MODIFIED, onVoi)
      element.removeEventListener('mousemove', onMove)
      element.removeEventListener('mouseleave', onLeave)
      element.removeEventListener('contextmenu', noMenu)
    })
  }

  private onCamera(p: PaneId): void {
    if (this.syncing || this.destroyed) return
    const vp = this.viewport(p)
    if (!vp) return
    const cam = vp.getCamera()
    const other = this.viewport(p === 'main' ? 'side' : 'main')
    if (other) {
      this.syncing = true
      other.setCamera({ focalPoint: cam.focalPoint, position: cam.position, parallelScale: cam.parallelScale, viewUp: cam.viewUp })
      other.render()
      this.syncing = false
    }
    const k = this.sliceOf(vp)
    if (k !== this.slice) {
      this.slice = k
      this.events.onSlice(k)
    }
    this.events.onZoom(this.initialScale / (cam.parallelScale || this.initialScale))
  }

  private sliceOf(vp: Types.IVolumeViewport): number {
    const k = utilities.transformWorldToIndexContinuous(this.flair.imageData!, vp.getCamera().focalPoint!)[2]
    return Math.max(0, Math.min(this.nz - 1, Math.round(k)))
  }

  // ---------------------------------------------------------------------------------------------------------
  // Public controls

  getSlice(): number {
    return this.slice
  }

  /** Shows axial slice k (NIfTI index), keeping pan and zoom. */
  setSlice(k: number): void {
    const vp = this.viewport('main')
    if (!vp) return
    const kk = Math.max(0, Math.min(this.nz - 1, Math.round(k)))
    const world = utilities.transformIndexToWorld(this.flair.imageData!, [0, 0, kk]) as Types.Point3
    // jumpToWorld renders when the slice changes (and CAMERA_MODIFIED syncs the other pane); nothing to do else.
    vp.jumpToWorld(world)
    if (this.slice !== kk) {
      this.slice = kk
      this.events.onSlice(kk)
    }
  }

  async setLayout(layout: Layout): Promise<void> {
    if (layout === this.state.layout) return
    this.state.layout = layout
    if (layout === 'side') await this.enablePane('side')
    else this.disablePane('side')
    this.resize()
    this.applyVisibility()
  }

  setFlags(flags: OverlayFlags): void {
    const before = this.state.flags
    this.state.flags = { ...flags }
    const svgOnly: (keyof OverlayFlags)[] = ['fullContour', 'tiledContour', 'grid']
    const changed = (Object.keys(flags) as (keyof OverlayFlags)[]).filter((key) => flags[key] !== before[key])
    if (changed.every((key) => svgOnly.includes(key))) for (const p of this.enabled) this.drawOverlay(p)
    else this.applyVisibility()
  }

  setOpacity(opacity: number): void {
    this.state.opacity = opacity
    for (const p of this.dressed) {
      const vp = this.viewport(p)
      if (vp) this.applyHeatProperties(vp)
    }
    this.requestRender()
  }

  setTiling(tiling: Tiling): void {
    this.state.tiling = { ...tiling }
    for (const p of this.enabled) this.drawOverlay(p)
  }

  setVoi(lower: number, upper: number): void {
    if (!(upper > lower)) return
    this.state.voi = { lower, upper }
    this.syncing = true
    for (const p of this.enabled) this.viewport(p)?.setProperties({ voiRange: { lower, upper } }, this.flair.volumeId)
    this.syncing = false
    this.events.onVoi(lower, upper)
    this.requestRender()
  }

  setLeftTool(tool: LeftTool): void {
    const tg = ToolGroupManager.getToolGroup(this.toolGroupId)
    if (!tg) return
    for (const t of ['windowLevel', 'pan', 'zoom'] as LeftTool[]) if (t !== tool) tg.setToolPassive(TOOL_NAMES[t])
    tg.setToolActive(TOOL_NAMES[tool], { bindings: [{ mouseButton: ToolsEnums.MouseBindings.Primary }] })
  }

  /** Fits the slice to the pane again (zoom 1, centred), keeping the slice. */
  resetView(): void {
    const k = this.slice
    for (const p of this.enabled) this.viewport(p)?.resetCamera()
    this.setSlice(k)
  }

  /**
   * Shows one predicted slice (HeatVolumes.put) and redraws the panes that show it, if it is the slice on screen.
   * @param probs `[ny, nx]` float32 probabilities, row-major (i fastest).
   * @throws Error when the slice has the wrong length or k is out of range.
   */
  putPrediction(mode: 'full' | 'tiled', k: number, probs: Float32Array): void {
    this.heats.put(mode, k, probs)
    if (k !== this.slice) return
    const { layout, flags } = this.state
    this.requestRender(
      [...this.enabled].filter((p) => heatVisible(layout, flags, p, mode) || heatVisible(layout, flags, p, 'diff')),
    )
    // Contours are SVG: redraw them without a Cornerstone frame.
    for (const p of this.enabled) if (contourModes(layout, flags, p).includes(mode)) this.drawOverlay(p)
  }

  /** Forgets every slice of one prediction (a new tiling is on its way). */
  clearPrediction(mode: 'full' | 'tiled'): void {
    this.heats.clear(mode)
    this.requestRender()
  }

  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    for (const p of [...this.enabled]) this.cleanups.get(p)?.()
    for (const c of this.globalCleanups) c()
    this.gt?.destroy()
    ToolGroupManager.destroyToolGroup(this.toolGroupId)
    for (const o of this.overlays.values()) o.destroy()
    this.overlays.clear()
    try {
      this.re.destroy()
    } catch {
      /* a lost context can make vtk throw while releasing */
    }
    cache.purgeCache()
  }

  // ---------------------------------------------------------------------------------------------------------
  // Internals

  private applyHeatProperties(vp: Types.IVolumeViewport): void {
    const o = this.state.opacity
    for (const h of HEATS) {
      const name = h === 'diff' ? DIFFERENCE_COLORMAP : CONFIDENCE_COLORMAP
      const opacity = h === 'diff' ? differenceOpacityMapping(o) : confidenceOpacityMapping(o)
      vp.setProperties(
        { voiRange: { lower: 0, upper: 255 }, colormap: { name, opacity } } as unknown as Types.ViewportProperties,
        this.heats.volumeId(h),
      )
    }
  }

  private applyVisibility(): void {
    for (const p of this.enabled) {
      const vp = this.viewport(p)
      if (!vp) continue
      for (const h of HEATS) {
        const entry = vp.getActors().find((a) => a.referencedId === this.heats.volumeId(h) || a.uid === this.heats.volumeId(h))
        ;(entry?.actor as unknown as { setVisibility(b: boolean): void } | undefined)?.setVisibility(
          heatVisible(this.state.layout, this.state.flags, p, h),
        )
      }
      this.gt?.setVisible(this.viewportId(p), this.state.flags.gt)
    }
    this.requestRender()
  }

  /**
   * Renders the given panes (all by default) at the next animation frame, coalescing requests. Under software
   * WebGL a frame costs hundreds of ms (the copy to the on-screen canvas waits for the GPU), so only panes whose
   * content changed are rendered.
   */
  private requestRender(panes: Iterable<PaneId> = this.enabled): void {
    if (this.destroyed) return
    for (const p of panes) this.dirty.add(p)
    if (this.renderQueued) return
    this.renderQueued = true
    requestAnimationFrame(() => {
      this.renderQueued = false
      if (this.destroyed) return
      const ids = [...this.dirty].filter((p) => this.enabled.has(p)).map((p) => this.viewportId(p))
      this.dirty.clear()
      if (ids.length) this.re.renderViewports(ids)
    })
  }

  private resize(): void {
    if (this.destroyed) return
    this.re.resize(true, true)
    this.requestRender()
  }

  /** Redraws the SVG overlay of a pane after Cornerstone rendered it. */
  private drawOverlay(p: PaneId): void {
    const vp = this.viewport(p)
    const overlay = this.overlays.get(p)
    if (!vp || !overlay) return
    const k = this.slice
    const toCanvas = (i: number, j: number) =>
      vp.worldToCanvas(utilities.transformIndexToWorld(this.flair.imageData!, [i, j, k]) as Types.Point3)
    const o = toCanvas(0, 0)
    const ei = toCanvas(1, 0)
    const ej = toCanvas(0, 1)
    overlay.setSliceTransform([ei[0] - o[0], ei[1] - o[1], ej[0] - o[0], ej[1] - o[1], o[0], o[1]])
    const { layout, flags } = this.state
    overlay.setContours(
      contourModes(layout, flags, p).map((mode) => ({ id: mode, path: this.heats.contour(mode, k), color: MODE_COLORS[mode] })),
    )
    overlay.setTileGrid(gridVisible(layout, flags, p) ? tileLayout(this.nx, this.ny, this.state.tiling) : null, '#f5d04c')
    const { clientWidth: w, clientHeight: h } = this.elements[p]
    overlay.setOrientation(orientationOf(vp.getCamera()), w, h)
    overlay.setScale(Math.hypot(ei[0] - o[0], ei[1] - o[1]) / (this.study.spacingMm[0] || 1), w, h)
  }

  private readout(p: PaneId, vp: Types.IVolumeViewport, e: MouseEvent): CursorReadout | null {
    const rect = this.elements[p].getBoundingClientRect()
    const world = vp.canvasToWorld([e.clientX - rect.left, e.clientY - rect.top] as Types.Point2)
    const idx = utilities.transformWorldToIndexContinuous(this.flair.imageData!, world)
    const [i, j] = [Math.round(idx[0]), Math.round(idx[1])]
    const k = this.slice
    if (i < 0 || j < 0 || i >= this.nx || j >= this.ny || k < 0) return null
    const vm = this.flair.voxelManager as unknown as { getAtIJK(i: number, j: number, k: number): number }
    const a = this.study.affine
    const worldMm = [0, 1, 2].map((r) => a[r][0] * i + a[r][1] * j + a[r][2] * k + a[r][3]) as [number, number, number]
    const n = i + this.nx * j
    return {
      pane: p,
      ijk: [i, j, k],
      value: Number(vm.getAtIJK(i, j, k)),
      worldMm,
      full: this.heats.probAt('full', k, n),
      tiled: this.heats.probAt('tiled', k, n),
      gt: this.wholeTumor ? this.wholeTumor[n + this.nx * this.ny * k] : null,
    }
  }

  /** The axial slice k each enabled pane's camera is on (for the e2e harness: sync checks). */
  paneSlices(): Partial<Record<PaneId, number>> {
    const out: Partial<Record<PaneId, number>> = {}
    for (const p of this.enabled) {
      const vp = this.viewport(p)
      if (vp) out[p] = this.sliceOf(vp)
    }
    return out
  }

  /** The FLAIR window [lower, upper] each enabled pane's viewport applies (for the e2e harness: sync checks). */
  paneVoi(): Partial<Record<PaneId, [number, number]>> {
    const out: Partial<Record<PaneId, [number, number]>> = {}
    for (const p of this.enabled) {
      const r = this.viewport(p)?.getProperties(this.flair.volumeId)?.voiRange
      if (r) out[p] = [Math.round(r.lower * 1000) / 1000, Math.round(r.upper * 1000) / 1000]
    }
    return out
  }

  /** For the e2e harness: the WebGL canvases of this viewer's context pool. */
  glCanvases(): HTMLCanvasElement[] {
    return poolCanvases(this.re)
  }
}
