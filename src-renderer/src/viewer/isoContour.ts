/**
 * Iso-line of a probability slice (the 0.5 contour of a prediction), by marching squares on the pixel centres.
 *
 * @source Lorensen & Cline's marching cubes reduced to 2D ("marching squares"); the saddle cases (5, 10) are split by
 *   the value at the cell centre (mean of the four corners), as in scikit-image's find_contours.
 */

/**
 * Segments of the iso-line `level` of an `[H, W] = [ny, nx]` row-major slice, as SVG path data.
 * Coordinates are pixel indices (x = column i, y = row j), pixel centres on integers.
 *
 * @param values Slice, length nx·ny, row-major (i fastest).
 * @returns Path data "M x y L x y ..." (one M/L pair per segment); '' when the slice never crosses `level`.
 */
export function isoContourPath(values: ArrayLike<number>, nx: number, ny: number, level = 0.5): string {
  const out: string[] = []
  const f = (n: number) => n.toFixed(2)
  for (let j = 0; j < ny - 1; j++) {
    for (let i = 0; i < nx - 1; i++) {
      const a = values[i + nx * j] // top-left
      const b = values[i + 1 + nx * j] // top-right
      const c = values[i + 1 + nx * (j + 1)] // bottom-right
      const d = values[i + nx * (j + 1)] // bottom-left
      const code = (a >= level ? 8 : 0) | (b >= level ? 4 : 0) | (c >= level ? 2 : 0) | (d >= level ? 1 : 0)
      if (code === 0 || code === 15) continue
      const t = (v0: number, v1: number) => (level - v0) / (v1 - v0 || 1e-12)
      const top = () => [i + t(a, b), j]
      const right = () => [i + 1, j + t(b, c)]
      const bottom = () => [i + t(d, c), j + 1]
      const left = () => [i, j + t(a, d)]
      const seg = (p: number[], q: number[]) => out.push(`M${f(p[0])} ${f(p[1])}L${f(q[0])} ${f(q[1])}`)
      switch (code) {
        case 1: case 14: seg(left(), bottom()); break
        case 2: case 13: seg(bottom(), right()); break
        case 3: case 12: seg(left(), right()); break
        case 4: case 11: seg(top(), right()); break
        case 6: case 9: seg(top(), bottom()); break
        case 7: case 8: seg(left(), top()); break
        case 5:
        case 10: {
          const centreAbove = (a + b + c + d) / 4 >= level
          // code 5: b and d above; code 10: a and c above.
          if ((code === 5) === centreAbove) {
            seg(left(), top())
            seg(bottom(), right())
          } else {
            seg(top(), right())
            seg(left(), bottom())
          }
          break
        }
      }
    }
  }
  return out.join('')
}
