/**
 * Runs the `tilelab` CLI in-process (runCli from src-main/cli/main.ts) and captures what it writes, for the CLI's
 * unit tests. In-process keeps vitest's module mocks and spies in force; tests that need a real process (exit codes
 * of bin.mjs, signals) spawn it instead.
 */
import { vi } from 'vitest'
import { runCli } from '../../src-main/cli/main'

export interface CliCapture {
  /** The exit status runCli returned (0 ok, 1 failure, 2 usage error). */
  status: number
  stdout: string
  stderr: string
}

/**
 * @param argv The arguments after `tilelab`, e.g. `['info', study, '--json']`.
 * @returns The exit status and everything written to stdout and stderr while the command ran.
 */
export async function captureCli(argv: string[]): Promise<CliCapture> {
  const out: string[] = []
  const err: string[] = []
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true))
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true))
  try {
    const status = await runCli(['node', 'tilelab', ...argv])
    return { status, stdout: out.join(''), stderr: err.join('') }
  } finally {
    o.mockRestore()
    e.mockRestore()
  }
}
