import { describe, expect, it } from 'vitest'
import { contourModes, gridVisible, heatVisible } from './paneRules'
import type { OverlayFlags } from './viewerTypes'

const all: OverlayFlags = { gt: true, fullHeat: true, fullContour: true, tiledHeat: true, tiledContour: true, diff: true, grid: true }

describe('pane rules', () => {
  it('single view: everything that is on shows in the main pane', () => {
    for (const h of ['full', 'tiled', 'diff'] as const) {
      expect(heatVisible('single', all, 'main', h)).toBe(true)
      expect(heatVisible('single', all, 'side', h)).toBe(false)
    }
    expect(contourModes('single', all, 'main')).toEqual(['full', 'tiled'])
    expect(gridVisible('single', all, 'main')).toBe(true)
  })

  it('side by side: full on the left, tiled (and its grid) on the right, no difference map', () => {
    expect(heatVisible('side', all, 'main', 'full')).toBe(true)
    expect(heatVisible('side', all, 'main', 'tiled')).toBe(false)
    expect(heatVisible('side', all, 'side', 'tiled')).toBe(true)
    expect(heatVisible('side', all, 'side', 'full')).toBe(false)
    expect(heatVisible('side', all, 'main', 'diff')).toBe(false)
    expect(contourModes('side', all, 'main')).toEqual(['full'])
    expect(contourModes('side', all, 'side')).toEqual(['tiled'])
    expect(gridVisible('side', all, 'side')).toBe(true)
    expect(gridVisible('side', all, 'main')).toBe(false)
  })

  it('switched-off overlays show nowhere', () => {
    const none: OverlayFlags = { gt: false, fullHeat: false, fullContour: false, tiledHeat: false, tiledContour: false, diff: false, grid: false }
    expect(heatVisible('single', none, 'main', 'full')).toBe(false)
    expect(contourModes('side', none, 'side')).toEqual([])
    expect(gridVisible('single', none, 'main')).toBe(false)
  })
})
