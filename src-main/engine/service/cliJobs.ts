/**
 * Training, evaluation and sweep jobs of the engine service run as child processes of the `tilelab` CLI with
 * `--json`: the app consumes exactly the event lines a terminal user gets, a job cannot stall the viewer's
 * inference, and TensorFlow.js gets a process of its own. Cancel = SIGINT (the CLI stops after the current step
 * or study and saves what it has), then SIGKILL after a grace period.
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import { packageRoot } from '../packageRoot'
import { EngineError, type EngineErrorCode } from '../../common/errors'
import { log } from '../log'
import type { JobContext } from './jobs'

/** How to start the CLI: the executable, the arguments before the sub-command, extra environment. */
export interface CliCommand {
  execPath: string
  args: string[]
  env?: Record<string, string>
}

/** The CLI of this checkout run by this Node (tests, `tilelab serve`); Electron passes its own bundle. */
export function defaultCliCommand(): CliCommand {
  return { execPath: process.execPath, args: [join(packageRoot(), 'src-main', 'cli', 'bin.mjs')] }
}

/** Grace period between SIGINT and SIGKILL on cancel (ms). */
export const CANCEL_GRACE_MS = 30_000

/**
 * Runs `tilelab <args> --json` and feeds each JSON line to `onEvent`.
 *
 * @param ctx     The job (its token triggers SIGINT; its report is used by onEvent).
 * @param cli     How to start the CLI.
 * @param args    Sub-command and options, without --json.
 * @param onEvent Called for every JSON object printed on stdout.
 * @returns When the process has exited with status 0.
 * @throws EngineError E_CANCELLED when cancelled; E_INTERNAL with the last stderr line when it exits non-zero.
 */
export function runCliJob(
  ctx: JobContext,
  cli: CliCommand,
  args: string[],
  onEvent: (event: Record<string, unknown>) => void,
): Promise<void> {
  const child = spawn(cli.execPath, [...cli.args, ...args, '--json'], {
    env: { ...process.env, ...cli.env, TILELAB_LOG: process.env.TILELAB_LOG ?? 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  log.debug({ args }, 'job process started')
  let killTimer: NodeJS.Timeout | undefined
  const stopListening = ctx.token.onCancellationRequested(() => {
    child.kill('SIGINT')
    killTimer = setTimeout(() => child.kill('SIGKILL'), CANCEL_GRACE_MS)
    killTimer.unref()
  })
  let lastError = ''
  createInterface({ input: child.stderr! }).on('line', (line) => {
    if (line.trim()) lastError = line.trim()
  })
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) return
    try {
      onEvent(JSON.parse(line) as Record<string, unknown>)
    } catch (err) {
      log.warn({ line: line.slice(0, 200), err: (err as Error).message }, 'unreadable job event line')
    }
  })
  return new Promise((resolve, reject) => {
    child.on('error', (err) => reject(new EngineError('E_INTERNAL', `could not start ${cli.execPath}: ${err.message}`)))
    child.on('close', (code, signal) => {
      stopListening()
      if (killTimer) clearTimeout(killTimer)
      if (ctx.token.isCancellationRequested) reject(new EngineError('E_CANCELLED', `tilelab ${args[0]} cancelled`))
      else if (code === 0) resolve()
      else reject(cliError(args[0], signal ?? String(code), lastError))
    })
  })
}

/** The CLI's one-line error (`tilelab: E_CODE: message`) as an EngineError; anything else is E_INTERNAL. */
function cliError(command: string | undefined, status: string, line: string): EngineError {
  const m = /^tilelab: (E_[A-Z_]+): (.*)$/.exec(line)
  if (m) return new EngineError(m[1] as EngineErrorCode, m[2])
  return new EngineError('E_INTERNAL', `tilelab ${command} exited with ${status}: ${line || 'no error message'}`)
}
