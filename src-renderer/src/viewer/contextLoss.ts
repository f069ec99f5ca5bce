/**
 * WebGL context loss. Cornerstone 5.0.13 has no handling for it (renderer-notes.md): after a loss the viewport stays
 * black. The viewer watches the canvases of the rendering engine's context pool and reports the loss, and the app
 * re-mounts the viewer (destroy, create again).
 */
import type { RenderingEngine } from '@cornerstonejs/core'

/** The WebGL canvases of a rendering engine's context pool (an internal of Cornerstone 5.0.13). */
export function poolCanvases(re: RenderingEngine): HTMLCanvasElement[] {
  const pool = (re as unknown as { _implementation?: { contextPool?: { offScreenCanvasContainers?: HTMLElement[] } } })
    ._implementation?.contextPool
  return (pool?.offScreenCanvasContainers ?? []).flatMap((c) => [...c.querySelectorAll('canvas')])
}

/**
 * Calls `onLost` when any pool canvas loses its context.
 * @returns The function that removes the listeners.
 */
export function watchContextLoss(re: RenderingEngine, onLost: () => void): () => void {
  const canvases = poolCanvases(re)
  const handler = (e: Event) => {
    e.preventDefault()
    onLost()
  }
  for (const c of canvases) c.addEventListener('webglcontextlost', handler)
  return () => {
    for (const c of canvases) c.removeEventListener('webglcontextlost', handler)
  }
}
