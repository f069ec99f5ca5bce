import { describe, expect, it } from 'vitest'
import { fitWindowBounds } from './windowBounds'

describe('window bounds on start', () => {
  const primary = { x: 0, y: 0, width: 1920, height: 1050 }
  const second = { x: 1920, y: 0, width: 1280, height: 1000 }

  it('keeps saved bounds that fit a display, and the maximized flag', () => {
    expect(fitWindowBounds({ x: 2000, y: 50, width: 1000, height: 800, maximized: true }, [primary, second])).toEqual({
      x: 2000, y: 50, width: 1000, height: 800, maximized: true, fullScreen: false,
    })
  })

  it('centres a default window when the saved display is gone', () => {
    expect(fitWindowBounds({ x: 4000, y: 50, width: 1000, height: 800, maximized: false }, [primary])).toEqual({
      x: 160, y: 53, width: 1600, height: 945, maximized: false, fullScreen: false,
    })
  })

  it('shrinks and moves a window larger than its display back onto it', () => {
    expect(fitWindowBounds({ x: 1900, y: -5, width: 1600, height: 1200, maximized: false }, [primary, second])).toEqual({
      x: 1920, y: 0, width: 1280, height: 1000, maximized: false, fullScreen: false,
    })
  })

  it('restores full screen only onto a display that is still there', () => {
    const saved = { x: 0, y: 0, width: 1920, height: 1050, maximized: false, fullScreen: true }
    expect(fitWindowBounds(saved, [primary]).fullScreen).toBe(true)
    expect(fitWindowBounds({ ...saved, x: 5000 }, [primary]).fullScreen).toBe(false)
  })

  it('without saved bounds: 90% of a small screen, at most 1600×1000 on a large one', () => {
    expect(fitWindowBounds(null, [{ x: 0, y: 0, width: 1280, height: 720 }])).toEqual({ x: 64, y: 36, width: 1152, height: 648, maximized: false, fullScreen: false })
    expect(fitWindowBounds(null, [{ x: 0, y: 0, width: 3840, height: 2100 }])).toMatchObject({ width: 1600, height: 1000 })
  })
})
