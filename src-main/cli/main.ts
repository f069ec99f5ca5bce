/**
 * The `tilelab` command line: a thin front over the engine. Each sub-command lives in commands/<name>.ts and
 * exports `register(program)`; heavy engine modules (TensorFlow.js, ONNX Runtime) are imported inside the
 * actions so that `tilelab --help` stays fast.
 *
 * Errors exit with status 1 (2 for bad arguments) and print one line naming the file and the problem;
 * `--verbose` adds the stack trace.
 */
import { Command, CommanderError } from 'commander'
import { EngineError } from '../common/errors'
import { COMMANDS } from './commands/index'
import { packageVersion } from '../engine/packageRoot'
import { setVerbose } from '../engine/log'

/** Builds the program; exported for tests. */
export function buildProgram(): Command {
  const program = new Command('tilelab')
    .description('Does tiled inference hurt my segmentation model? (Reina & Panchumarthy, BrainLes 2018)')
    .version(packageVersion())
    .option('--verbose', 'debug logging and stack traces on errors')
    .showHelpAfterError()
    .exitOverride()
    .hook('preAction', () => setVerbose(program.opts().verbose === true))
  for (const register of COMMANDS) register(program)
  return program
}

/** Runs the CLI with `argv` (as process.argv); resolves to the exit status. */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram()
  try {
    await program.parseAsync(argv)
    return 0
  } catch (err) {
    return reportError(err, argv.includes('--verbose'))
  }
}

function reportError(err: unknown, verbose: boolean): number {
  if (err instanceof CommanderError) {
    // commander already printed the message (or help/version, with exitCode 0)
    return err.exitCode === 0 ? 0 : 2
  }
  if (err instanceof EngineError) {
    process.stderr.write(`tilelab: ${err.code}: ${err.message}\n`)
    if (verbose && err.stack) process.stderr.write(err.stack + '\n')
    return err.code === 'E_ARGS' ? 2 : err.code === 'E_CANCELLED' ? 130 : 1
  }
  const e = err instanceof Error ? err : new Error(String(err))
  process.stderr.write(`tilelab: E_INTERNAL: ${e.message}\n`)
  if (verbose && e.stack) process.stderr.write(e.stack + '\n')
  return 1
}

const isEntry = process.argv[1] !== undefined && /(?:bin\.mjs|main\.ts|tilelab)$/.test(process.argv[1])
if (isEntry) {
  process.exitCode = await runCli(process.argv)
}
