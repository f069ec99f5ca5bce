/**
 * Engine logging (pino). Logs go to stderr so stdout stays for results and `--json` event lines.
 * Level: `TILELAB_LOG` (trace|debug|info|warn|error|silent), default 'info'; `--verbose` sets 'debug'.
 * Format: human-readable lines (pino-pretty; coloured on a terminal), or JSON lines with `TILELAB_LOG_FORMAT=json`
 * for log collectors.
 */
import pino from 'pino'
import pretty from 'pino-pretty'

export type Logger = pino.Logger

function createLogger(): Logger {
  const level = process.env.TILELAB_LOG ?? 'info'
  if (process.env.TILELAB_LOG_FORMAT === 'json') {
    return pino({ level, base: undefined }, pino.destination({ dest: 2, sync: true }))
  }
  return pino(
    { level, base: undefined },
    pretty({
      destination: 2,
      sync: true,
      colorize: process.stderr.isTTY === true,
      ignore: 'pid,hostname',
      translateTime: 'HH:MM:ss',
      singleLine: true,
    }),
  )
}

/** The process-wide engine logger. */
export const log: Logger = createLogger()

/** Raises the level to 'debug' (the CLI's --verbose). */
export function setVerbose(verbose: boolean): void {
  if (verbose) log.level = 'debug'
}
