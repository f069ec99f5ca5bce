/**
 * One-time Cornerstone3D set-up for the page: core and tools init, the NIfTI image loader, TileLab's colour maps
 * (the shared ones of src-main/common/colormaps.ts, in the viewer's stored units) and the tools the viewports use.
 * Idempotent.
 *
 * `webGlContextCount: 2`: the default pool makes 7 WebGL contexts per rendering engine and Chromium caps a page at
 * 16 (renderer-notes.md); two viewports need one.
 */
import { init as csInit, imageLoader, utilities } from '@cornerstonejs/core'
import {
  addTool, init as csToolsInit, PanTool, StackScrollTool, WindowLevelTool, ZoomTool,
} from '@cornerstonejs/tools'
import { cornerstoneNiftiImageLoader } from '@cornerstonejs/nifti-volume-loader'
import { cornerstoneColormap } from './colormaps'

let done = false

/** Initialises Cornerstone once per page. */
export function setupCornerstone(): void {
  if (done) return
  csInit({ rendering: { webGlContextCount: 2 } } as unknown as Parameters<typeof csInit>[0])
  csToolsInit()
  imageLoader.registerImageLoader('nifti', cornerstoneNiftiImageLoader as unknown as Parameters<typeof imageLoader.registerImageLoader>[1])
  const register = utilities.colormap.registerColormap as (c: unknown) => void
  register(cornerstoneColormap('confidence'))
  register(cornerstoneColormap('difference'))
  for (const tool of [WindowLevelTool, PanTool, ZoomTool, StackScrollTool]) addTool(tool)
  done = true
}

export const TOOL_NAMES = {
  windowLevel: WindowLevelTool.toolName,
  pan: PanTool.toolName,
  zoom: ZoomTool.toolName,
  scroll: StackScrollTool.toolName,
} as const
