/**
 * Vega-Lite specification of the live training curves: training loss (−log batch soft Dice) per step with the
 * epoch means on top, and validation soft Dice per epoch of the whole-image and the tiled prediction, the best
 * epoch (the checkpoint in the model folder) marked. Data arrive through named datasets ('steps', 'epochs',
 * 'dice', 'best') that the panel replaces as events come, so the chart is embedded once per job.
 *
 * @source the trainer's TrainEvents (common/events.ts); colours of the viewer (full: cyan, tiled: orange).
 */
import type { TopLevelSpec } from 'vega-lite'
import type { EpochPoint, StepPoint } from './trainingProgress'

export const CURVE_COLORS = { loss: '#c8d0da', epochLoss: '#f5d04c', full: '#4cc9f0', tiled: '#ff9f1c', best: '#3ddc84' } as const

const AXIS = {
  labelColor: '#9aa5b3', titleColor: '#9aa5b3', gridColor: '#222a33', domainColor: '#33404f', tickColor: '#33404f',
  labelFont: 'system-ui', titleFont: 'system-ui', labelFontSize: 10, titleFontSize: 10, titleFontWeight: 500,
}

/** The named datasets of the chart, from the panel's state. */
export function curveData(steps: readonly StepPoint[], epochs: readonly EpochPoint[], bestEpoch: number | null) {
  const dice = epochs.flatMap((e) => [
    ...(e.valDiceFull === null ? [] : [{ epoch: e.epoch, series: 'whole image', dice: e.valDiceFull }]),
    ...(e.valDiceTiled === null ? [] : [{ epoch: e.epoch, series: 'tiled', dice: e.valDiceTiled }]),
  ])
  return {
    steps: steps.map((s) => ({ x: s.x, loss: s.loss, epoch: s.epoch, step: s.step })),
    epochs: epochs.map((e) => ({ x: e.epoch, loss: e.loss, epoch: e.epoch })),
    dice,
    best: bestEpoch === null ? [] : [{ epoch: bestEpoch }],
  }
}

/**
 * Two panels side by side, sharing the epoch axis.
 * @param epochs Planned epochs (the x domain runs 0..epochs).
 */
export function trainingCurvesSpec(epochs: number, options: { width?: number; height?: number } = {}): TopLevelSpec {
  const width = options.width ?? 300
  const height = options.height ?? 130
  const x = (title: string, from: number) => ({
    field: 'x',
    type: 'quantitative' as const,
    title,
    scale: { domain: [from, Math.max(1, epochs)], nice: false, padding: 6 },
    axis: { format: '~g', tickCount: Math.min(10, Math.max(5, epochs)) },
  })
  const epochDomain = { domain: [0.5, Math.max(1, epochs) + 0.5], nice: false }
  const epochX = {
    field: 'epoch',
    type: 'quantitative' as const,
    title: 'epoch (dashed: best = the saved model)',
    scale: epochDomain,
    axis: { tickMinStep: 1, format: 'd' },
  }
  const diceY = { field: 'dice', type: 'quantitative' as const, title: 'soft Dice', scale: { domain: [0, 1] } }
  const seriesColor = {
    field: 'series',
    type: 'nominal' as const,
    scale: { domain: ['whole image', 'tiled'], range: [CURVE_COLORS.full, CURVE_COLORS.tiled] },
    // Beside the Dice panel it belongs to (not above the loss panel).
    legend: { orient: 'right' as const, direction: 'vertical' as const, title: 'prediction', titleColor: '#9aa5b3', titleFontSize: 10 },
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'transparent',
    config: {
      view: { stroke: null },
      axis: AXIS,
      legend: { labelColor: '#c8d0da', labelFontSize: 10, symbolSize: 50, offset: 8 },
      title: { color: '#d9dee5', fontSize: 11, fontWeight: 600, anchor: 'start', font: 'system-ui' },
    },
    spacing: 28,
    hconcat: [
      {
        title: 'Training loss (−log batch soft Dice)',
        width,
        height,
        layer: [
          {
            name: 'lossLine',
            data: { name: 'steps' },
            mark: { type: 'line', color: CURVE_COLORS.loss, strokeWidth: 1, opacity: 0.8, clip: true },
            encoding: {
              x: x('epoch', 0),
              y: { field: 'loss', type: 'quantitative', title: 'loss per step', scale: { zero: true } },
            },
          },
          {
            name: 'lossPoints',
            data: { name: 'steps' },
            mark: { type: 'point', color: CURVE_COLORS.loss, size: 10, filled: true, opacity: 0.7, clip: true },
            encoding: {
              x: x('epoch', 0),
              y: { field: 'loss', type: 'quantitative' },
              tooltip: [
                { field: 'epoch', title: 'epoch' },
                { field: 'step', title: 'step' },
                { field: 'loss', title: 'loss', format: '.4f' },
              ],
            },
          },
          {
            name: 'epochLoss',
            data: { name: 'epochs' },
            mark: { type: 'point', shape: 'diamond', size: 70, filled: true, color: CURVE_COLORS.epochLoss },
            encoding: {
              x: x('epoch', 0),
              y: { field: 'loss', type: 'quantitative' },
              tooltip: [
                { field: 'epoch', title: 'epoch' },
                { field: 'loss', title: 'mean loss', format: '.4f' },
              ],
            },
          },
        ],
      },
      {
        title: 'Validation soft Dice per epoch',
        width,
        height,
        layer: [
          {
            name: 'bestRule',
            data: { name: 'best' },
            mark: { type: 'rule', color: CURVE_COLORS.best, strokeDash: [4, 3], strokeWidth: 1.5 },
            encoding: { x: { field: 'epoch', type: 'quantitative', scale: epochDomain } },
          },
          {
            name: 'diceLines',
            data: { name: 'dice' },
            mark: { type: 'line', strokeWidth: 1.6 },
            encoding: { x: epochX, y: diceY, color: seriesColor },
          },
          {
            name: 'dicePoints',
            data: { name: 'dice' },
            mark: { type: 'point', filled: true, size: 45, opacity: 1 },
            encoding: {
              x: epochX,
              y: diceY,
              color: seriesColor,
              tooltip: [
                { field: 'epoch', title: 'epoch' },
                { field: 'series', title: 'prediction' },
                { field: 'dice', title: 'soft Dice', format: '.4f' },
              ],
            },
          },
        ],
      },
    ],
  } as TopLevelSpec
}
