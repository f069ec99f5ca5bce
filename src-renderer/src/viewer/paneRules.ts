/**
 * Which overlay shows in which pane. Single layout: the 'main' pane shows every overlay that is on. Side by side:
 * 'main' is the full-image prediction and 'side' the tiled one; the difference map is a single-view overlay; the
 * ground truth shows in both panes. Pure functions.
 */
import type { HeatId, Layout, OverlayFlags, PaneId } from './viewerTypes'

/** Whether heat volume `h` is visible in pane `p`. */
export function heatVisible(layout: Layout, flags: OverlayFlags, p: PaneId, h: HeatId): boolean {
  const on = h === 'full' ? flags.fullHeat : h === 'tiled' ? flags.tiledHeat : flags.diff
  if (layout === 'single') return p === 'main' && on
  if (h === 'diff') return false
  return on && p === (h === 'full' ? 'main' : 'side')
}

/** The predictions whose 0.5 contour is drawn in pane `p`. */
export function contourModes(layout: Layout, flags: OverlayFlags, p: PaneId): ('full' | 'tiled')[] {
  const modes: ('full' | 'tiled')[] = []
  if (flags.fullContour && p === 'main') modes.push('full')
  if (flags.tiledContour && p === (layout === 'single' ? 'main' : 'side')) modes.push('tiled')
  return modes
}

/** Whether the tile grid is drawn in pane `p` (where the tiled prediction is). */
export function gridVisible(layout: Layout, flags: OverlayFlags, p: PaneId): boolean {
  return flags.grid && p === (layout === 'single' ? 'main' : 'side')
}
