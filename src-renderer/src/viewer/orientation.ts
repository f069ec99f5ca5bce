/**
 * Orientation letters of a 2D view: which patient direction each screen edge faces.
 * Cornerstone's world is DICOM LPS (x → patient left, y → posterior, z → superior); the camera gives the view-up
 * vector and the view-plane normal (pointing from the focal point towards the camera).
 *
 * @source DICOM PS3.3 C.7.6.2.1.1 (patient orientation letters L/R, A/P, H/F — written S/I here, as NIfTI tools do).
 */
import type { Orientation } from './overlayLayer'

type Vec3 = [number, number, number] | number[]

/** The letter of the patient direction a vector points to (its dominant LPS axis). */
export function directionLetter(v: Vec3): string {
  const axis = [0, 1, 2].reduce((best, i) => (Math.abs(v[i]) > Math.abs(v[best]) ? i : best), 0)
  return v[axis] >= 0 ? 'LPS'[axis] : 'RAI'[axis]
}

/**
 * Letters at the four screen edges.
 * @param viewUp Screen-up direction in LPS.
 * @param viewPlaneNormal Normal of the view plane in LPS, towards the viewer.
 * @returns null when the camera is not set yet.
 */
export function orientationOf(cam: { viewUp?: Vec3; viewPlaneNormal?: Vec3 }): Orientation | null {
  const up = cam.viewUp
  const n = cam.viewPlaneNormal
  if (!up || !n) return null
  // Screen right = direction of projection × view up, the direction of projection being −normal.
  const dop = [-n[0], -n[1], -n[2]]
  const right = [dop[1] * up[2] - dop[2] * up[1], dop[2] * up[0] - dop[0] * up[2], dop[0] * up[1] - dop[1] * up[0]]
  const neg = (v: Vec3) => [-v[0], -v[1], -v[2]]
  return { top: directionLetter(up), bottom: directionLetter(neg(up)), right: directionLetter(right), left: directionLetter(neg(right)) }
}
