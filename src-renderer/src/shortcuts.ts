/** The keyboard shortcuts of the viewer window: one table for the handler and the help overlay. */
import type { OverlayFlags } from './viewer/viewerTypes'

export interface Shortcut {
  keys: string
  what: string
}

/** Overlay toggles by key (lower case; Shift selects the contour variant). */
export const OVERLAY_KEYS: Record<string, keyof OverlayFlags> = {
  g: 'gt',
  f: 'fullHeat',
  F: 'fullContour',
  t: 'tiledHeat',
  T: 'tiledContour',
  d: 'diff',
  b: 'grid',
}

export const SHORTCUTS: { group: string; items: Shortcut[] }[] = [
  {
    group: 'Slices',
    items: [
      { keys: '↑ / ↓, wheel', what: 'next / previous axial slice' },
      { keys: 'PgUp / PgDn', what: '10 slices up / down' },
      { keys: 'Home / End', what: 'first / last slice' },
      { keys: 'M', what: 'slice with the most tumour' },
    ],
  },
  {
    group: 'Overlays',
    items: [
      { keys: 'G', what: 'ground truth outline' },
      { keys: 'F / Shift+F', what: 'full-image heatmap / 0.5 contour' },
      { keys: 'T / Shift+T', what: 'tiled heatmap / 0.5 contour' },
      { keys: 'D', what: 'difference full − tiled' },
      { keys: 'B', what: 'tile grid' },
      { keys: '[ / ]', what: 'overlay opacity − / +' },
    ],
  },
  {
    group: 'View',
    items: [
      { keys: 'S', what: 'side by side ↔ single view' },
      { keys: '1 / 2 / 3', what: 'window presets: auto, full, lesion' },
      { keys: 'W / P / Z', what: 'left mouse: window/level, pan, zoom' },
      { keys: 'R', what: 'reset zoom and pan' },
      { keys: 'O', what: 'open a study' },
      { keys: '?', what: 'this help' },
    ],
  },
  {
    group: 'Mouse',
    items: [
      { keys: 'left drag', what: 'tool of the toolbar (window/level by default)' },
      { keys: 'middle drag', what: 'pan' },
      { keys: 'right drag', what: 'zoom' },
    ],
  },
]
