import { describe, expect, it } from 'vitest'
import { directionLetter, orientationOf } from './orientation'

describe('orientationOf', () => {
  it('gives the radiological axial view for Cornerstone’s axial camera (normal −z, up −y in LPS)', () => {
    // Patient's right on the screen's left, anterior at the top (renderer-notes: viewPlaneNormal [0, 0, −1]).
    expect(orientationOf({ viewUp: [0, -1, 0], viewPlaneNormal: [0, 0, -1] })).toEqual({
      top: 'A', bottom: 'P', left: 'R', right: 'L',
    })
  })

  it('flips left and right when looking from below', () => {
    expect(orientationOf({ viewUp: [0, -1, 0], viewPlaneNormal: [0, 0, 1] })).toEqual({
      top: 'A', bottom: 'P', left: 'L', right: 'R',
    })
  })

  it('is null without a camera', () => {
    expect(orientationOf({})).toBeNull()
  })

  it('names the dominant axis of an oblique vector', () => {
    expect(directionLetter([0.2, -0.9, 0.1])).toBe('A')
    expect(directionLetter([0, 0.1, -0.95])).toBe('I')
  })
})
