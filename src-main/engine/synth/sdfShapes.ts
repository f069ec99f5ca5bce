/**
 * Signed-distance helpers of the synthetic anatomy, in mm: negative inside a shape, positive outside, ~|distance|
 * near the surface. Approximations good to first order near the surface, which is where tissue boundaries and
 * partial-volume ramps are evaluated.
 *
 * @source I. Quilez, "distance functions" (ellipsoid bound k0·(k0−1)/k1, polynomial smooth minimum).
 */

/**
 * Approximate signed distance from (x, y, z) to the ellipsoid with semi-axes (a, b, c) centred at the origin.
 * Exact on the surface and along the axes; within a few % of the true distance within ~20% of the radius.
 */
export function ellipsoidSdf(x: number, y: number, z: number, a: number, b: number, c: number): number {
  const px = x / a, py = y / b, pz = z / c
  const k0 = Math.sqrt(px * px + py * py + pz * pz)
  const qx = px / a, qy = py / b, qz = pz / c
  const k1 = Math.sqrt(qx * qx + qy * qy + qz * qz)
  if (k1 === 0) return -Math.min(a, b, c)
  return (k0 * (k0 - 1)) / k1
}

/**
 * Signed distance to a round cone: the segment from p0 to p1 with radius r0 at p0 and r1 at p1 (linear in
 * between, assuming |r1 − r0| is small against the segment length).
 */
export function capsuleSdf(
  x: number, y: number, z: number,
  x0: number, y0: number, z0: number, r0: number,
  x1: number, y1: number, z1: number, r1: number,
): number {
  const dx = x1 - x0, dy = y1 - y0, dz = z1 - z0
  const px = x - x0, py = y - y0, pz = z - z0
  const len2 = dx * dx + dy * dy + dz * dz
  let t = len2 > 0 ? (px * dx + py * dy + pz * dz) / len2 : 0
  t = t < 0 ? 0 : t > 1 ? 1 : t
  const ex = px - t * dx, ey = py - t * dy, ez = pz - t * dz
  return Math.sqrt(ex * ex + ey * ey + ez * ez) - (r0 + t * (r1 - r0))
}

/** Smooth union of two signed distances, blending over `k` mm (polynomial smooth minimum). */
export function smoothMin(a: number, b: number, k: number): number {
  const h = Math.max(k - Math.abs(a - b), 0) / k
  return Math.min(a, b) - (h * h * k) / 4
}

/**
 * Partial-volume weight of the inside of a boundary: 1 well inside (sdf ≤ −w/2), 0 well outside (sdf ≥ w/2),
 * linear in between, 0.5 on the surface.
 *
 * @param sdf Signed distance in mm (negative inside).
 * @param widthMm Width w of the ramp in mm (> 0).
 */
export function insideWeight(sdf: number, widthMm: number): number {
  const v = 0.5 - sdf / widthMm
  return v <= 0 ? 0 : v >= 1 ? 1 : v
}

/** Rotation matrix (row-major 3×3) of yaw about z, then pitch about x, then roll about y, angles in degrees. */
export function rotationMatrix(yawDeg: number, pitchDeg: number, rollDeg: number): number[] {
  const [a, b, c] = [yawDeg, pitchDeg, rollDeg].map((d) => (d * Math.PI) / 180)
  const ca = Math.cos(a), sa = Math.sin(a), cb = Math.cos(b), sb = Math.sin(b), cc = Math.cos(c), sc = Math.sin(c)
  const rz = [ca, -sa, 0, sa, ca, 0, 0, 0, 1]
  const rx = [1, 0, 0, 0, cb, -sb, 0, sb, cb]
  const ry = [cc, 0, sc, 0, 1, 0, -sc, 0, cc]
  return mul3(ry, mul3(rx, rz))
}

function mul3(m: number[], n: number[]): number[] {
  const out = new Array<number>(9).fill(0)
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++) for (let k = 0; k < 3; k++) out[3 * r + c] += m[3 * r + k] * n[3 * k + c]
  return out
}
