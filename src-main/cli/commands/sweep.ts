/**
 * `tilelab sweep --data <cohort> --model <dir> [--tiles 64,96,128,160] [--overlaps 0,0.25,0.5,0.75]
 *   [--blend mean|gaussian] [--slices all|tumor] [--out DIR] [--json] [--engine E] [--backend B]`
 *
 * Mean soft Dice, forward passes, model FLOPs and measured time per slice for every tile size × overlap and for the
 * whole image; writes sweep.csv, sweep.json and sweep.html (Dice against cost) and prints the table (or, with
 * --json, the events one per line and the result as the last line).
 */
import type { BackendPreference } from '../../engine/backend/initBackend'
import type { Command } from 'commander'
import { EngineError } from '../../common/errors'
import type { Blend } from '../../common/types'
import { evalEventSink } from '../evalProgress'
import { defaultOutName, listOption } from '../options'
import { defaultModelDir } from '../../engine/service/workDir'

interface SweepCliOptions {
  data: string
  model: string
  tiles: number[]
  overlaps: number[]
  blend: string
  slices: string
  out?: string
  json?: boolean
  engine: string
  backend?: string
  normalization?: string
  html: boolean
}

/** Registers `tilelab sweep`. */
export function register(program: Command): void {
  program
    .command('sweep')
    .description('mean Dice against cost for a grid of tile sizes and overlaps, and the whole image (paper Fig. 5, measured)')
    .requiredOption('--data <cohort>', 'cohort folder')
    .option('--model <dir>', 'model folder (default: the shipped model)', defaultModelDir())
    .option('--tiles <list>', 'tile sides in pixels', listOption('--tiles', true), [64, 96, 128, 160])
    .option('--overlaps <list>', 'overlaps in [0, 1)', listOption('--overlaps', false), [0, 0.25, 0.5, 0.75])
    .option('--blend <mode>', "'mean' (the paper) or 'gaussian'", 'mean')
    .option('--slices <which>', "'all' or 'tumor'", 'all')
    .option('--out <dir>', 'output folder (default: ./tilelab-sweep-<time>)')
    .option('--json', 'print events as JSON lines and the result as the last line')
    .option('--engine <engine>', "'auto', 'onnx' or 'tfjs'", 'auto')
    .option('--backend <name>', 'tfjs backend')
    .option('--normalization <mode>', "'slice' or 'volume' (default: the model card's, else slice)")
    .option('--no-html', 'skip sweep.html')
    .action(async (opts: SweepCliOptions) => {
      const { readModelInfo } = await import('../../engine/evaluation/modelInfo')
      const { openPredictor } = await import('../../engine/inference/openPredictor')
      const { runSweep } = await import('../../engine/evaluation/runSweep')
      const { writeSweepOutputs } = await import('../../engine/evaluation/sweepOutputs')
      const { CancellationTokenSource } = await import('../../common/cancellation')
      const info = await readModelInfo(opts.model)
      const out = opts.out ?? defaultOutName('tilelab-sweep')
      const predictor = await openPredictor(info.dir, { engine: opts.engine as 'auto' | 'onnx' | 'tfjs', backend: opts.backend as BackendPreference | undefined })
      const source = new CancellationTokenSource()
      const onSigint = (): void => (source.token.isCancellationRequested ? process.exit(130) : source.cancel())
      process.on('SIGINT', onSigint)
      const sink = evalEventSink({ json: opts.json === true })
      try {
        const result = await runSweep({
          data: opts.data,
          out,
          predictor,
          model: { name: info.name, dir: info.dir, fingerprint: info.fingerprint, architecture: info.architecture },
          tiles: opts.tiles,
          overlaps: opts.overlaps,
          blend: opts.blend as Blend,
          slices: opts.slices as 'all' | 'tumor',
          normalization: (opts.normalization ?? info.normalization ?? 'slice') as 'slice' | 'volume',
          token: source.token,
          onEvent: sink,
        })
        await writeSweepOutputs(out, result, { html: opts.html, generatedAt: new Date().toISOString() })
        sink({ type: 'end', outcome: 'ok', out })
        sink.close()
        if (opts.json) process.stdout.write(JSON.stringify(result) + '\n')
        else process.stdout.write(formatSweepTable(result.rows) + `\nWrote ${out}/{sweep.csv, sweep.json${opts.html ? ', sweep.html' : ''}}\n`)
      } catch (err) {
        sink.close()
        throw err
      } finally {
        process.off('SIGINT', onSigint)
        await predictor.dispose()
      }
    })
}

/** The sweep as a fixed-width text table. */
export function formatSweepTable(rows: readonly import('../../engine/evaluation/runSweep').SweepRow[]): string {
  const f = (x: number | null, d: number): string => (x === null ? '—' : x.toFixed(d))
  const head = ['setting', 'mean Dice', 'vs whole', 'passes/slice', 'FLOPs', 'GFLOP/slice', 'ms/slice']
  const body = rows.map((r) => [
    r.tile === null ? 'whole image' : `${r.tile} px, ${Math.round((r.overlap ?? 0) * 100)}%`,
    f(r.meanDice, 4),
    r.tile === null || r.meanDifference === null ? '' : `${-r.meanDifference >= 0 ? '+' : '−'}${Math.abs(r.meanDifference).toFixed(4)}`,
    f(r.forwardPassesPerSlice, 1),
    `${f(r.relativeFlops, 2)}×`,
    f(r.gflopsPerSlice, 2),
    f(r.msPerSlice, 1),
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)))
  const line = (cells: string[]): string => '  ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  return [line(head), ...body.map(line)].join('\n') + '\n'
}
