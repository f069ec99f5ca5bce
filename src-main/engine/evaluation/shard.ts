/**
 * Shards: `--shard i/n` evaluates a deterministic 1/n of a cohort so that a Slurm job array or a Kubernetes
 * Indexed Job can spread the studies over machines; `tilelab merge` puts the shard outputs back together.
 *
 * - i is 0-based: shards 0/n … (n−1)/n. Kubernetes' JOB_COMPLETION_INDEX is 0-based; for Slurm use
 *   `--array=0-(n−1)` and `--shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT`.
 * - `--shard env` reads the environment instead: Slurm (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN over
 *   SLURM_ARRAY_TASK_COUNT, so `--array=1-4` works too) or Kubernetes (JOB_COMPLETION_INDEX over TILELAB_SHARDS,
 *   which the Job sets to its `completions`).
 * - Assignment: the cohort's study folders (and the folders whose discovery failed) sorted by path in code-point
 *   order, then round-robin: position p goes to shard p mod n. Every study lands in exactly one shard, shard sizes
 *   differ by at most one, and neighbouring folders (often one site or grade) are spread over the shards.
 */
import { EngineError } from '../../common/errors'

export interface Shard {
  /** 0-based shard index, in [0, count). */
  index: number
  /** Number of shards n ≥ 1. */
  count: number
}

/**
 * Parses a shard specification.
 *
 * @param spec 'i/n' (0-based i) or 'env' (Slurm array or Kubernetes Indexed Job variables, see the file comment).
 * @param env  Environment to read for 'env' (default process.env).
 * @throws EngineError E_ARGS naming the value when the form is wrong, i ∉ [0, n), or 'env' finds no variables.
 */
export function parseShard(spec: string, env: Record<string, string | undefined> = process.env): Shard {
  if (spec === 'env') return shardFromEnv(env)
  const m = /^\s*(-?\d+)\s*\/\s*(-?\d+)\s*$/.exec(spec)
  if (!m) throw new EngineError('E_ARGS', `--shard must look like i/n (0-based i, e.g. 0/4) or 'env', received ${JSON.stringify(spec)}`)
  return checkShard(Number(m[1]), Number(m[2]), spec)
}

/** Shard i takes positions p with p mod n = i of a sorted list. */
export function selectShard<T>(sorted: readonly T[], shard: Shard | null): T[] {
  if (!shard) return [...sorted]
  return sorted.filter((_, p) => p % shard.count === shard.index)
}

/** 'i/n', the form parseShard reads. */
export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`
}

function shardFromEnv(env: Record<string, string | undefined>): Shard {
  const id = env.SLURM_ARRAY_TASK_ID
  if (id !== undefined) {
    const count = env.SLURM_ARRAY_TASK_COUNT
    if (count === undefined)
      throw new EngineError('E_ARGS', '--shard env: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not')
    const min = Number(env.SLURM_ARRAY_TASK_MIN ?? 0)
    return checkShard(Number(id) - min, Number(count), `SLURM_ARRAY_TASK_ID=${id} (min ${min}) of ${count}`)
  }
  const index = env.JOB_COMPLETION_INDEX
  if (index !== undefined) {
    const count = env.TILELAB_SHARDS
    if (count === undefined)
      throw new EngineError(
        'E_ARGS',
        '--shard env: JOB_COMPLETION_INDEX is set but TILELAB_SHARDS is not (set it to the Job\'s completions)',
      )
    return checkShard(Number(index), Number(count), `JOB_COMPLETION_INDEX=${index} of TILELAB_SHARDS=${count}`)
  }
  throw new EngineError(
    'E_ARGS',
    '--shard env: neither SLURM_ARRAY_TASK_ID (Slurm job array) nor JOB_COMPLETION_INDEX (Kubernetes Indexed Job) is set',
  )
}

function checkShard(index: number, count: number, what: string): Shard {
  if (!Number.isInteger(count) || count < 1)
    throw new EngineError('E_ARGS', `--shard: the number of shards must be an integer ≥ 1, received ${what}`)
  if (!Number.isInteger(index) || index < 0 || index >= count)
    throw new EngineError('E_ARGS', `--shard: the shard index is 0-based and must be in [0, ${count - 1}], received ${what}`)
  return { index, count }
}
