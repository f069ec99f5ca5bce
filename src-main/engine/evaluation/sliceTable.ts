/**
 * The per-slice table of an evaluation: one `SliceRecord` per evaluated axial slice, and its file form
 * `slices.csv` (csv-stringify / csv-parse). Every number of summary.json is a function of this table alone.
 *
 * Columns, in order (the first eight are the stable contract other tools read):
 * | column                 | meaning                                                                          |
 * |------------------------|----------------------------------------------------------------------------------|
 * | study                  | study id: its folder relative to the cohort root ('/'-separated)                 |
 * | slice                  | axial slice index k (third voxel axis, 0-based)                                  |
 * | tumorPixels            | ground-truth whole-tumour pixels in the slice                                    |
 * | diceFull               | the paper's soft Dice (smooth 1) of the whole-image prediction                    |
 * | diceTiled              | the same for the tiled prediction (probabilities blended over tiles)              |
 * | diceTiledThresholded   | the paper's "threshold" variant: tiled probabilities < 0.5 zeroed, others soft    |
 * | binaryDiceFull         | binary Dice at 0.5, full; empty cell when ground truth and prediction are empty   |
 * | binaryDiceTiled        | binary Dice at 0.5, tiled; empty cell likewise                                    |
 * | difference             | diceFull − diceTiled (double arithmetic; > 0: whole image better)                 |
 * | falsePositivesFull     | pixels with p ≥ 0.5 outside the ground truth, full                                |
 * | falseNegativesFull     | ground-truth pixels with p < 0.5, full                                            |
 * | falsePositivesTiled    | as above, tiled                                                                   |
 * | falseNegativesTiled    |                                                                                   |
 * | predictedPixelsFull    | pixels with p ≥ 0.5, full                                                         |
 * | predictedPixelsTiled   | pixels with p ≥ 0.5, tiled                                                        |
 * | tilesPerSlice          | forward passes of the tiled prediction of this slice                              |
 *
 * Numbers are written with JavaScript's shortest round-trip form, so parsing the CSV gives back the exact doubles.
 * Rows are ordered by study id (code-point order), then slice; the same records always give the same bytes.
 *
 * @source paper-spec §5 (the three per-slice arrays: full_image_dice, tiled_dice, threshold_dice).
 */
import { parse } from 'csv-parse/sync'
import { stringify } from 'csv-stringify/sync'
import { EngineError } from '../../common/errors'

/** One evaluated axial slice. */
export interface SliceRecord {
  study: string
  slice: number
  tumorPixels: number
  diceFull: number
  diceTiled: number
  diceTiledThresholded: number
  /** null when ground truth and prediction are both empty (undefined binary Dice). */
  binaryDiceFull: number | null
  binaryDiceTiled: number | null
  /** diceFull − diceTiled. */
  difference: number
  falsePositivesFull: number
  falseNegativesFull: number
  falsePositivesTiled: number
  falseNegativesTiled: number
  predictedPixelsFull: number
  predictedPixelsTiled: number
  tilesPerSlice: number
}

/** The CSV header, in column order. */
export const SLICE_COLUMNS = [
  'study',
  'slice',
  'tumorPixels',
  'diceFull',
  'diceTiled',
  'diceTiledThresholded',
  'binaryDiceFull',
  'binaryDiceTiled',
  'difference',
  'falsePositivesFull',
  'falseNegativesFull',
  'falsePositivesTiled',
  'falseNegativesTiled',
  'predictedPixelsFull',
  'predictedPixelsTiled',
  'tilesPerSlice',
] as const satisfies readonly (keyof SliceRecord)[]

const NULLABLE = new Set<string>(['binaryDiceFull', 'binaryDiceTiled'])

/** Code-point order of study ids, then slice index: the row order of slices.csv. */
export function compareRecords(a: SliceRecord, b: SliceRecord): number {
  if (a.study !== b.study) return a.study < b.study ? -1 : 1
  return a.slice - b.slice
}

/**
 * The text of slices.csv (header + one row per record, '\n' line ends), rows sorted by study then slice.
 * @param records Any order; not modified.
 */
export function formatSliceCsv(records: readonly SliceRecord[]): string {
  const rows = [...records].sort(compareRecords).map((r) => SLICE_COLUMNS.map((c) => r[c] ?? null))
  return stringify(rows, {
    header: true,
    columns: [...SLICE_COLUMNS],
    record_delimiter: '\n',
    cast: { number: (v) => numberText(v) },
  })
}

/**
 * Parses slices.csv back into records.
 *
 * @param text  The file's text.
 * @param label Name of the file for error messages.
 * @throws EngineError E_IO naming the file, line and column when a header is missing, a number does not parse, or a
 *   non-nullable cell is empty.
 */
export function parseSliceCsv(text: string, label = 'slices.csv'): SliceRecord[] {
  let rows: Record<string, string>[]
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[]
  } catch (err) {
    throw new EngineError('E_IO', `${label}: not a valid CSV: ${(err as Error).message}`, { cause: err })
  }
  if (rows.length > 0) {
    const missing = SLICE_COLUMNS.filter((c) => !(c in rows[0]))
    if (missing.length > 0) throw new EngineError('E_IO', `${label}: missing columns ${missing.join(', ')}`)
  }
  return rows.map((row, i) => {
    const rec: Record<string, string | number | null> = { study: row.study }
    for (const c of SLICE_COLUMNS) {
      if (c === 'study') continue
      const cell = row[c]
      if (cell === '' && NULLABLE.has(c)) rec[c] = null
      else {
        const v = Number(cell)
        if (cell === '' || !Number.isFinite(v))
          throw new EngineError('E_IO', `${label}: line ${i + 2}, column ${c}: ${JSON.stringify(cell)} is not a number`)
        rec[c] = v
      }
    }
    return rec as unknown as SliceRecord
  })
}

/** Shortest round-trip decimal form; -0 is written as 0. */
function numberText(v: number): string {
  return Object.is(v, -0) ? '0' : String(v)
}
