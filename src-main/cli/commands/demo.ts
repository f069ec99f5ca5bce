/**
 * `tilelab demo [--data <cohort>] [--model <dir>] [--out DIR]` (`npm run demo`): generate a synthetic cohort (unless
 * --data), train a small U-Net for ~8 minutes (unless --model), evaluate whole-image vs tiled inference on held-out
 * patients, print the paper-style table and write report.html. See engine/demo/runDemo.ts.
 */
import type { Command } from 'commander'
import type { BackendPreference } from '../../engine/backend/initBackend'

interface DemoFlags {
  data?: string
  model?: string
  out: string
  backend?: BackendPreference
  json?: boolean
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('the paper\'s experiment in minutes: synthetic cohort → train a small U-Net → whole vs tiled on held-out patients')
    .option('--data <cohort>', 'cohort folder (default: a synthetic BraTS-like cohort generated into the work cache)')
    .option('--model <dir>', 'trained model folder (default: train a small one now, ~8 minutes on 2 cores)')
    .option('--out <dir>', 'output folder: demo-unet/ (the model trained here) and evaluation/', 'tilelab-demo')
    .option('--backend <name>', 'tfjs backend for training: auto, tensorflow, wasm or cpu')
    .option('--json', 'print the evaluation summary as JSON on stdout')
    .action(async (flags: DemoFlags) => {
      const { runDemo } = await import('../../engine/demo/runDemo')
      const { workDir } = await import('../../engine/service/workDir')
      const { formatPaperTable } = await import('../../engine/evaluation/paperTable')
      const { CancellationTokenSource } = await import('../../common/cancellation')
      const say = (line: string): void => void process.stderr.write(line + '\n')
      const source = new CancellationTokenSource()
      const onSigint = (): void => {
        say('\nStopping… (Ctrl-C again to quit now)')
        if (source.token.isCancellationRequested) process.exit(130)
        source.cancel()
      }
      process.on('SIGINT', onSigint)
      const started = performance.now()
      try {
        const result = await runDemo({
          data: flags.data,
          model: flags.model,
          out: flags.out,
          cacheDir: workDir().cache,
          backend: flags.backend,
          token: source.token,
          log: say,
          onTrainEvent: (e) => {
            if (e.type === 'start')
              say(`  ${e.trainCases.length} training and ${e.valCases.length} validation patients, ${e.parameters.toLocaleString('en')} parameters, ${e.epochs} epochs × ${e.stepsPerEpoch} steps`)
            if (e.type === 'epoch')
              say(`  epoch ${e.epoch}/${e.epochs}: loss ${e.loss.toFixed(3)}, validation Dice whole ${fmt(e.valDiceFull)} / tiled ${fmt(e.valDiceTiled)} (${e.seconds.toFixed(0)} s)`)
          },
          onEvalEvent: (e) => {
            if (e.type === 'study') say(`  study ${e.index + 1}/${e.studies}: ${e.study} (${e.slices} slices)`)
            if (e.type === 'studyFailed') say(`  study ${e.study} failed: ${e.error}`)
          },
        })
        if (flags.json) process.stdout.write(JSON.stringify(result.summary) + '\n')
        else {
          process.stdout.write('\n' + formatPaperTable(result.summary))
          process.stdout.write(
            `\nModel: ${result.modelDir}${result.trainingSeconds !== null ? ` (trained in ${result.trainingSeconds.toFixed(0)} s)` : ''}\n` +
              `Report: ${result.evaluationDir}/report.html (slices.csv, summary.json beside it)\n` +
              `Total: ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
          )
        }
      } finally {
        process.off('SIGINT', onSigint)
      }
    })
}

function fmt(x: number | null): string {
  return x === null ? '—' : x.toFixed(3)
}
