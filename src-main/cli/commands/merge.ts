/**
 * `tilelab merge <dir>... --out DIR [--json] [--no-report]`: joins the folders of `tilelab evaluate --shard i/n`
 * runs (all n shards, same settings) into one folder with the same slices.csv, summary.json and report.html as a
 * single run, and prints the paper-style table (or the summary as JSON).
 */
import type { Command } from 'commander'
import { defaultOutName } from '../options'

/** Registers `tilelab merge`. */
export function register(program: Command): void {
  program
    .command('merge')
    .description('combine the output folders of sharded `tilelab evaluate --shard i/n` runs into one evaluation')
    .argument('<dirs...>', 'shard output folders (all shards of one run)')
    .option('--out <dir>', 'merged output folder (default: ./tilelab-evaluation-<time>)')
    .option('--json', 'print the merged summary as JSON on stdout')
    .option('--no-report', 'skip report.html')
    .action(async (dirs: string[], opts: { out?: string; json?: boolean; report: boolean }) => {
      const { mergeEvaluations } = await import('../../engine/evaluation/mergeEvaluations')
      const { formatPaperTable } = await import('../../engine/evaluation/paperTable')
      const out = opts.out ?? defaultOutName('tilelab-evaluation')
      const summary = await mergeEvaluations(dirs, out, { report: opts.report, generatedAt: new Date().toISOString() })
      if (opts.json) process.stdout.write(JSON.stringify(summary) + '\n')
      else process.stdout.write(formatPaperTable(summary) + `\nMerged ${dirs.length} folders into ${out}\n`)
    })
}
