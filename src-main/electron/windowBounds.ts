/**
 * Where the viewer window opens: the saved bounds when they still fit a connected display, otherwise a default
 * size centred on the primary display. Guards against a window restored onto a monitor that is gone (invisible
 * window) or larger than the screen now is. Pure TS: the caller passes Electron's `screen` work areas.
 */
import type { WindowBounds } from './settingsStore'

export interface Rect {
  x: number
  y: number
  width: number
  height: number
}

/** Default window size in device-independent pixels (a workstation-like 1600×1000). */
export const DEFAULT_WINDOW_SIZE = { width: 1600, height: 1000 } as const
/** Smallest window the layout works in. */
export const MIN_WINDOW_SIZE = { width: 960, height: 640 } as const
/** A restored window must show at least this much of itself on a display (px), else it is re-centred. */
const MIN_VISIBLE = { width: 160, height: 40 }

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)),
    height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)),
  }
}

/**
 * Chooses the bounds of the viewer window.
 * @param saved Bounds saved at the last close, or null.
 * @param workAreas Work areas of the connected displays (Electron `screen.getAllDisplays()[i].workArea`), the
 *   primary display first.
 * @returns Integer bounds, never smaller than MIN_WINDOW_SIZE unless the display is, and never larger than the
 *   display the window lands on; plus `maximized` and `fullScreen` as saved (full screen only when the saved
 *   display is still there).
 */
export function fitWindowBounds(
  saved: WindowBounds | null,
  workAreas: Rect[],
): Rect & { maximized: boolean; fullScreen: boolean } {
  const primary = workAreas[0] ?? { x: 0, y: 0, ...DEFAULT_WINDOW_SIZE }
  if (saved) {
    // The display showing most of the window, if it shows enough of it to be grabbed; clamping below then brings
    // the title bar onto that display.
    let host: Rect | undefined
    let best = 0
    for (const a of workAreas) {
      const o = overlap(saved, a)
      if (o.width >= MIN_VISIBLE.width && o.height >= MIN_VISIBLE.height && o.width * o.height > best) {
        host = a
        best = o.width * o.height
      }
    }
    if (host) {
      const width = Math.min(saved.width, host.width)
      const height = Math.min(saved.height, host.height)
      const x = Math.min(Math.max(saved.x, host.x), host.x + host.width - width)
      const y = Math.min(Math.max(saved.y, host.y), host.y + host.height - height)
      return { x, y, width, height, maximized: saved.maximized, fullScreen: saved.fullScreen ?? false }
    }
  }
  const width = Math.min(Math.max(Math.round(primary.width * 0.9), MIN_WINDOW_SIZE.width), DEFAULT_WINDOW_SIZE.width, primary.width)
  const height = Math.min(Math.max(Math.round(primary.height * 0.9), MIN_WINDOW_SIZE.height), DEFAULT_WINDOW_SIZE.height, primary.height)
  return {
    x: Math.round(primary.x + (primary.width - width) / 2),
    y: Math.round(primary.y + (primary.height - height) / 2),
    width,
    height,
    maximized: saved?.maximized ?? false,
    fullScreen: false,
  }
}
