/**
 * Option-value parsers shared by the sub-commands, in commander's form: `(value: string) => parsed`, passed as the
 * third argument of `.option(flags, description, parser, default)`. Commander calls them while parsing argv, before
 * the action runs, so a bad value stops the command before any work. Each throws EngineError E_ARGS naming the
 * option and quoting the value received (`main.ts` prints it and exits with status 2).
 *
 * @source commander 14 "Custom option processing" (option argument parsers).
 */
import { EngineError } from '../common/errors'

/** Inclusive bounds of a numeric option. */
export interface OptionRange {
  min?: number
  max?: number
}

/**
 * An integer option (`-?digits`, surrounding spaces allowed), optionally within `range`.
 * @param name The option as the user types it, e.g. '--tile'.
 * @returns A commander parser.
 * @throws EngineError E_ARGS `<name> must be <an integer | a positive integer | an integer in [min, max] | …>,
 *   received "<value>"` when the value is not a safe integer or lies outside `range`.
 */
export function intOption(name: string, range: OptionRange = {}): (value: string) => number {
  return (value) => {
    const n = Number(value)
    if (!/^\s*-?\d+\s*$/.test(value) || !Number.isSafeInteger(n) || !inRange(n, range))
      throw new EngineError('E_ARGS', `${name} must be ${describe('integer', range)}, received ${JSON.stringify(value)}`)
    return n
  }
}

/**
 * A finite number option (any form `Number()` reads: '0.5', '1e-4'; not empty), optionally within `range`.
 * @param name The option as the user types it, e.g. '--overlap'.
 * @returns A commander parser.
 * @throws EngineError E_ARGS `<name> must be <a number | a number ≥ min | …>, received "<value>"`.
 */
export function numberOption(name: string, range: OptionRange = {}): (value: string) => number {
  return (value) => {
    const n = Number(value)
    if (value.trim() === '' || !Number.isFinite(n) || !inRange(n, range))
      throw new EngineError('E_ARGS', `${name} must be ${describe('number', range)}, received ${JSON.stringify(value)}`)
    return n
  }
}

/**
 * A comma-separated list of numbers, e.g. '64,96,128'.
 * @param integer Whether every entry must be an integer.
 * @returns A commander parser.
 * @throws EngineError E_ARGS `<name> must be a comma-separated list of <integers | numbers>, received "<value>"`
 *   when an entry is empty or not a (whole) finite number.
 */
export function listOption(name: string, integer: boolean): (value: string) => number[] {
  return (value) =>
    value.split(',').map((s) => {
      const n = Number(s)
      if (s.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)))
        throw new EngineError('E_ARGS', `${name} must be a comma-separated list of ${integer ? 'integers' : 'numbers'}, received ${JSON.stringify(value)}`)
      return n
    })
}

/**
 * The default output folder of a run in the working directory, e.g. 'tilelab-evaluation-20250101-120000'
 * (+ '-shard-0of4' for `--shard 0/4`; nothing for `--shard env`). Local time is not used: the stamp is UTC.
 */
export function defaultOutName(prefix: string, shard?: string): string {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
  return `${prefix}-${t}${shard && shard !== 'env' ? `-shard-${shard.replace('/', 'of')}` : ''}`
}

function inRange(n: number, { min, max }: OptionRange): boolean {
  return (min === undefined || n >= min) && (max === undefined || n <= max)
}

/** 'an integer', 'a positive integer', 'a number ≥ 0', 'an integer in [0, 65535]'. */
function describe(kind: 'integer' | 'number', { min, max }: OptionRange): string {
  const a = kind === 'integer' ? 'an integer' : 'a number'
  if (min !== undefined && max !== undefined) return `${a} in [${min}, ${max}]`
  if (min === 1 && kind === 'integer') return 'a positive integer'
  if (min !== undefined) return `${a} ≥ ${min}`
  if (max !== undefined) return `${a} ≤ ${max}`
  return a
}
