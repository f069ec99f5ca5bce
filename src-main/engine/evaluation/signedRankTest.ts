/**
 * Wilcoxon signed-rank test of the per-slice differences full − tiled (H0: symmetric around 0), two-sided, through
 * @stdlib/stats-wilcoxon 0.2 (which follows R's `wilcox.test`). How that library treats the awkward cases, read from
 * its source (lib/main.js) and relied on here:
 *
 * - Zeros: `zeroMethod: 'wilcox'` (its default, also scipy's): differences exactly 0 are dropped before ranking.
 *   Exact ties are common for soft Dice only on slices where both predictions are identical (e.g. one tile covers
 *   the whole slice); they are counted in `zeros`.
 * - Ties among |d|: average ranks, and the variance gets the usual tie correction Σ(t³ − t)/48.
 * - Exact vs normal: the exact null distribution is used only when n ≤ 50 non-zero differences AND there are no
 *   zeros and no ties; otherwise the normal approximation with a continuity correction of 0.5 (R's `correct = TRUE`;
 *   scipy's `correction=True`). For a cohort (thousands of slices) it is always the normal approximation.
 * - Large n: p = 2·(1 − Φ(|z|)) in double precision underflows to exactly 0 once |z| ≳ 8.3 (p < ~1e-16). A reported
 *   0 means "below 1e-16", not zero; `z` is given so the size of the effect can still be read.
 * - Cost: its tie bookkeeping (`utils-tabulate`) is quadratic in the number of distinct ranks: about 0.5 s for
 *   8,215 slices, 4.5 s for 50,000 on one core (measured).
 * - It throws when fewer than two values are given or when every difference is 0; here those cases give null.
 *
 * The test treats slices as independent; slices of one patient are not. Read p together with the per-study table and
 * the study-level bootstrap interval.
 *
 * @source @stdlib/stats-wilcoxon (Apache-2.0); Wilcoxon 1945; Hollander & Wolfe, Nonparametric Statistical Methods
 *   (tie-corrected variance); scipy.stats.wilcoxon (same zero and correction options, used to check the tests).
 */
import wilcoxon from '@stdlib/stats-wilcoxon'

export interface SignedRankResult {
  /** Two-sided p-value (0 means below double precision, see the file comment). */
  pValue: number
  /** W+: the sum of the ranks of the positive differences (full better). */
  statistic: number
  /** Non-zero differences that were ranked. */
  n: number
  /** Differences exactly 0, dropped. */
  zeros: number
  /** 'exact' (n ≤ 50, no zeros, no ties) or 'normal' (approximation with continuity correction). */
  method: 'exact' | 'normal'
  /** Standardised statistic (W+ − n(n+1)/4 − 0.5·sign) / σ with the tie correction (what the normal path uses). */
  z: number
}

/**
 * Two-sided Wilcoxon signed-rank test of paired differences against 0.
 *
 * @param differences Per-slice full − tiled (any finite numbers).
 * @returns The test, or null when it is undefined (fewer than 2 values, or all differences 0).
 */
export function signedRankTest(differences: ArrayLike<number>): SignedRankResult | null {
  const values = Array.from(differences)
  const nonZero = values.filter((d) => d !== 0)
  if (values.length < 2 || nonZero.length === 0) return null
  const zeros = values.length - nonZero.length
  const result = wilcoxon(values, { alternative: 'two-sided', zeroMethod: 'wilcox', correction: true })
  const { z, ties } = normalStatistic(nonZero, result.statistic)
  const method = nonZero.length > 50 || zeros > 0 || ties ? 'normal' : 'exact'
  return { pValue: Math.min(1, result.pValue), statistic: result.statistic, n: nonZero.length, zeros, method, z }
}

/** The z of the normal approximation (for reporting), with R's tie correction and continuity correction. */
function normalStatistic(nonZero: number[], statistic: number): { z: number; ties: boolean } {
  const n = nonZero.length
  const abs = nonZero.map(Math.abs).sort((a, b) => a - b)
  let tieTerm = 0
  let ties = false
  for (let i = 0; i < n; ) {
    let j = i
    while (j + 1 < n && abs[j + 1] === abs[i]) j++
    const t = j - i + 1
    if (t > 1) {
      ties = true
      tieTerm += t * t * t - t
    }
    i = j + 1
  }
  const mean = (n * (n + 1)) / 4
  const sd = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48)
  const diff = statistic - mean
  return { z: sd > 0 ? (diff - 0.5 * Math.sign(diff)) / sd : 0, ties }
}
