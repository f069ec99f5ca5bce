/**
 * The paper's headline numbers, shared by the CLI's report (engine/evaluation/reportHtml.ts, paperTable.ts) and the
 * app's results view, so both print the same "paper" column. Pure TS.
 *
 * @source Reina & Panchumarthy 2018 §4; the authors' notebook (TSI d05d0ae) where the text is silent
 *   (paper-spec §5, §6). fractionFullBetterOrEqual and fractionFullBetterBy0_1 are from the paper's text only.
 */
export const PAPER_NUMBERS = {
  slices: 8215,
  studies: 53,
  meanDiceFull: 0.874,
  meanDiceTiled: 0.829,
  meanDiceTiledThresholded: 0.862,
  meanDifference: 0.045,
  fractionFullBetter: 0.8699,
  fractionFullBetterOrEqual: 0.87,
  fractionFullBetterBy0_1: 0.075,
  fractionTiledBetterBy0_1: 0.00767,
} as const
