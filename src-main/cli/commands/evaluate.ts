/**
 * `tilelab evaluate --data <cohort> --model <dir> [--tile 128] [--overlap 0.5] [--blend mean|gaussian]
 *   [--slices all|tumor] [--out DIR] [--json] [--resume] [--shard i/n|env] [--engine auto|onnx|tfjs] [--backend B]
 *   [--normalization slice|volume] [--panels 6] [--seed 0] [--no-report]`
 *
 * Whole-image vs tiled prediction over every axial slice of a cohort, with the paper's statistics; writes
 * slices.csv, summary.json and report.html to --out and prints the paper-style table (or, with --json, the
 * EvalEvents one per line and the summary as the last line). Ctrl-C stops after the current chunk of slices;
 * `--resume` with the same --out continues.
 */
import type { BackendPreference } from '../../engine/backend/initBackend'
import type { Command } from 'commander'
import { EngineError } from '../../common/errors'
import type { Blend } from '../../common/types'
import { evalEventSink } from '../evalProgress'
import { defaultOutName, intOption, numberOption } from '../options'
import { defaultModelDir } from '../../engine/service/workDir'

interface EvaluateOptions {
  data: string
  model: string
  tile: number
  overlap: number
  blend: string
  slices: string
  out?: string
  json?: boolean
  resume?: boolean
  shard?: string
  studies?: string
  engine: string
  backend?: string
  normalization?: string
  panels: number
  seed: number
  report: boolean
}

/** Registers `tilelab evaluate`. */
export function register(program: Command): void {
  program
    .command('evaluate')
    .description('whole-image vs tiled prediction on every slice of a cohort: the paper\'s statistics, slices.csv, summary.json, report.html')
    .requiredOption('--data <cohort>', 'cohort folder (studies at any depth)')
    .option('--model <dir>', 'model folder (default: the shipped model)', defaultModelDir())
    .option('--tile <px>', 'tile side in pixels', intOption('--tile'), 128)
    .option('--overlap <fraction>', 'overlap between neighbouring tiles, in [0, 1)', numberOption('--overlap'), 0.5)
    .option('--blend <mode>', "how overlapping tiles are combined: 'mean' (the paper) or 'gaussian'", 'mean')
    .option('--slices <which>', "'all' axial slices (the paper) or 'tumor' (slices with ground truth)", 'all')
    .option('--out <dir>', 'output folder (default: ./tilelab-evaluation-<time>)')
    .option('--json', 'print events as JSON lines on stdout and the summary as the last line')
    .option('--resume', 'continue the run in --out (same settings), or start it when --out holds none')
    .option('--studies <ids>', "only these studies (comma-separated ids or folder names, e.g. a model card's held-out cases)")
    .option('--shard <i/n>', "evaluate shard i (0-based) of n of the studies, or 'env' (Slurm array / Kubernetes Indexed Job)")
    .option('--engine <engine>', "'auto', 'onnx' or 'tfjs'", 'auto')
    .option('--backend <name>', 'tfjs backend (cpu, wasm, tensorflow)')
    .option('--normalization <mode>', "FLAIR z-score per 'slice' or 'volume' (default: the model card's, else slice)")
    .option('--panels <n>', 'worst slices pictured in the report', intOption('--panels'), 6)
    .option('--seed <n>', 'bootstrap seed', intOption('--seed'), 0)
    .option('--no-report', 'skip report.html')
    .action(async (opts: EvaluateOptions) => {
      const { parseShard } = await import('../../engine/evaluation/shard')
      const { readModelInfo } = await import('../../engine/evaluation/modelInfo')
      const shard = opts.shard ? parseShard(opts.shard) : null
      if (opts.resume && !opts.out) throw new EngineError('E_ARGS', '--resume needs --out (the folder of the run to continue)')
      const out = opts.out ?? defaultOutName('tilelab-evaluation', opts.shard)
      const info = await readModelInfo(opts.model)
      const { openPredictor } = await import('../../engine/inference/openPredictor')
      const { evaluateCohort } = await import('../../engine/evaluation/evaluateCohort')
      const { formatPaperTable } = await import('../../engine/evaluation/paperTable')
      const { CancellationTokenSource } = await import('../../common/cancellation')
      const predictor = await openPredictor(info.dir, { engine: opts.engine as 'auto' | 'onnx' | 'tfjs', backend: opts.backend as BackendPreference | undefined })
      const source = new CancellationTokenSource()
      const onSigint = (): void => {
        if (source.token.isCancellationRequested) process.exit(130)
        process.stderr.write('\nStopping after the current slices (Ctrl-C again to quit now)…\n')
        source.cancel()
      }
      process.on('SIGINT', onSigint)
      const sink = evalEventSink({ json: opts.json === true })
      try {
        const result = await evaluateCohort({
          data: opts.data,
          out,
          predictor,
          model: { name: info.name, dir: info.dir, fingerprint: info.fingerprint },
          tiling: { tile: opts.tile, overlap: opts.overlap, blend: opts.blend as Blend },
          slices: opts.slices as 'all' | 'tumor',
          normalization: (opts.normalization ?? info.normalization ?? 'slice') as 'slice' | 'volume',
          shard,
          studies: opts.studies ? opts.studies.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
          resume: opts.resume === true,
          panels: opts.panels,
          bootstrapSeed: opts.seed,
          report: opts.report,
          token: source.token,
          onEvent: sink,
        })
        sink.close()
        if (opts.json) process.stdout.write(JSON.stringify(result.summary) + '\n')
        else {
          process.stdout.write('\n' + formatPaperTable(result.summary))
          process.stdout.write(`\nWrote ${result.out}/{slices.csv, summary.json${opts.report ? ', report.html' : ''}}\n`)
        }
      } catch (err) {
        sink.close()
        if (err instanceof EngineError && err.code === 'E_CANCELLED')
          process.stderr.write(`Stopped. Finished studies are kept; continue with: tilelab evaluate … --out ${out} --resume\n`)
        throw err
      } finally {
        process.off('SIGINT', onSigint)
        await predictor.dispose()
      }
    })
}
