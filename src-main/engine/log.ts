/**
 * Engine logging (pino). Logs go to stderr so stdout stays for results and `--json` event lines.
 * Level: `TILELAB_LOG` (trace|debug|info|warn|error|silent), default 'info'; `--verbose` sets 'debug'.
 * Human-readable on a terminal (pino-pretty), JSON lines otherwise.
 */
import pino from 'pino'
import pretty from 'pino-pretty'

export type Logger = pino.Logger

function createLogger(): Logger {
  const level = process.env.TILELAB_LOG ?? 'info'
  if (process.stderr.isTTY) {
    return pino(
      { level, base: undefined },
      pretty({ destination: 2, sync: true, colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss' }),
    )
  }
  return pino({ level, base: undefined }, pino.destination({ dest: 2, sync: true }))
}

/** The process-wide engine logger. */
export const log: Logger = createLogger()

/** Raises the level to 'debug' (the CLI's --verbose). */
export function setVerbose(verbose: boolean): void {
  if (verbose) log.level = 'debug'
}
