/** Types shared by the viewer classes and the UI state (plain data only). */
import type { Tiling } from '../../../src-main/common/types'

export type PaneId = 'main' | 'side'
export type Layout = 'single' | 'side'
export type HeatId = 'full' | 'tiled' | 'diff'
export type LeftTool = 'windowLevel' | 'pan' | 'zoom'

/** Which overlays the user has switched on. */
export interface OverlayFlags {
  gt: boolean
  fullHeat: boolean
  fullContour: boolean
  tiledHeat: boolean
  tiledContour: boolean
  diff: boolean
  grid: boolean
}

/** What is under the mouse. */
export interface CursorReadout {
  pane: PaneId
  /** Voxel indices (NIfTI order). */
  ijk: [number, number, number]
  /** FLAIR value at the voxel (scl scaling applied). */
  value: number
  /** World RAS+ mm from the study's affine. */
  worldMm: [number, number, number]
  full: number | null
  tiled: number | null
  gt: number | null
}

/** Callbacks from the viewer to the UI. */
export interface ViewerEvents {
  onSlice(k: number): void
  onVoi(lower: number, upper: number): void
  onCursor(c: CursorReadout | null): void
  onZoom(zoom: number): void
  onContextLost(): void
}

/** The view state a viewer starts from (and keeps). */
export interface ViewerState {
  layout: Layout
  flags: OverlayFlags
  opacity: number
  tiling: Tiling
  voi: { lower: number; upper: number }
  slice: number
}
