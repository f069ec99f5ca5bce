/**
 * `tilelab synth --out <dir> --cases N [--seed S]`: writes a synthetic BraTS-like cohort (skull-stripped FLAIR,
 * int16, and labels {0, 1, 2, 4}, uint8, on the 240×240×155 BraTS grid) for demos, the sample study and tests
 * that must pass without the real data. Progress goes to stderr (a bar on a terminal, one line per case
 * otherwise); `--json` prints one summary line on stdout.
 */
import type { Command } from 'commander'
import { CancellationTokenSource } from '../../common/cancellation'
import { EngineError } from '../../common/errors'
import type { Dims3 } from '../../common/types'
import { intOption } from '../options'

interface SynthCliOptions {
  out: string
  cases: number
  seed: number
  first: number
  dims?: Dims3
  skull?: boolean
  preview?: string
  json?: boolean
}

export function register(program: Command): void {
  program
    .command('synth')
    .description('write a synthetic BraTS-like cohort (FLAIR + tumour labels 1/2/4) for demos and tests')
    .requiredOption('--out <dir>', 'output folder (BraTS layout: <dir>/<case>/<case>_flair.nii.gz, _seg.nii.gz)')
    .option('--cases <n>', 'number of cases', intOption('--cases', { min: 1, max: 9999 }), 1)
    .option('--seed <s>', 'cohort seed, integer in [0, 2^32); case i depends only on (seed, i)', intOption('--seed', { min: 0, max: 2 ** 32 - 1 }), 1)
    .option('--first <i>', 'index of the first case (0 → SYNTH_0001)', intOption('--first', { min: 0, max: 9998 }), 0)
    .option('--dims <nx,ny,nz>', 'grid over the 240×240×155 mm field of view (default 240,240,155 = 1 mm)', parseDims)
    .option('--skull', 'keep skull and scalp (BraTS images are skull-stripped)')
    .option('--preview <dir>', 'also write a PNG montage of each case (axial slices, label borders) to <dir>/<case>.png')
    .option('--json', 'print a JSON summary line on stdout')
    .action(async (opts: SynthCliOptions) => {
      const { writeSynthCohort } = await import('../../engine/synth/synthCohort')
      const { cases, seed, first: firstCase, dims } = opts
      const source = new CancellationTokenSource()
      const onSigint = (): void => source.cancel()
      process.once('SIGINT', onSigint)
      const progress = await createProgress(cases)
      try {
        const summary = await writeSynthCohort({
          outDir: opts.out, cases, seed, firstCase, dims, skull: opts.skull, previewDir: opts.preview, token: source.token,
          onProgress: progress.update,
        })
        progress.stop()
        if (opts.json) {
          const lines = summary.cases.map(({ lesions, dir: _dir, ...rest }) => ({ ...rest, lesions: lesions.length }))
          process.stdout.write(JSON.stringify({ type: 'summary', ...summary, cases: lines }) + '\n')
        }
      } finally {
        progress.stop()
        process.removeListener('SIGINT', onSigint)
      }
    })
}

type Progress = { update: (e: import('../../engine/synth/synthCohort').SynthProgress) => void; stop: () => void }

/** A cli-progress bar over all slices of all cases on a terminal; one line per finished case otherwise. */
async function createProgress(cases: number): Promise<Progress> {
  if (!process.stderr.isTTY) {
    return {
      update: (e) => {
        if (e.phase !== 'case' || !e.summary) return
        const s = e.summary
        process.stderr.write(
          `synth: ${s.caseId} (${e.done}/${e.total}) rendered in ${(s.renderMs / 1000).toFixed(1)} s, written in ` +
            `${(s.writeMs / 1000).toFixed(1)} s: FLAIR ${(s.flairBytes / 1e6).toFixed(2)} MB, labels ` +
            `${(s.segBytes / 1e3).toFixed(1)} kB, whole tumour ${s.wholeTumourMl.toFixed(1)} mL\n`,
        )
      },
      stop: () => undefined,
    }
  }
  const { default: cliProgress } = await import('cli-progress')
  const bar = new cliProgress.SingleBar(
    { format: 'synth [{bar}] {percentage}% | case {caseNo}/{cases} {caseId} | ETA {eta}s', stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  )
  let started = false, stopped = false
  return {
    update: (e) => {
      if (stopped) return
      const total = e.total * e.slices
      const value = e.done * e.slices + (e.phase === 'render' ? e.slice : 0)
      const payload = { caseId: e.caseId, caseNo: Math.min(e.done + 1, e.total), cases }
      if (!started) {
        bar.start(total, value, payload)
        started = true
      } else bar.update(value, payload)
    },
    stop: () => {
      if (started && !stopped) bar.stop()
      stopped = true
    },
  }
}

/** Parses `--dims nx,ny,nz`: three integers in [8, 1024]. */
function parseDims(text: string): Dims3 {
  const parts = text.split(',')
  if (parts.length !== 3) throw new EngineError('E_ARGS', `--dims must be nx,ny,nz, received ${JSON.stringify(text)}`)
  return parts.map((p, a) => intOption(`--dims[${a}]`, { min: 8, max: 1024 })(p)) as Dims3
}
