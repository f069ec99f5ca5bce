import { describe, expect, it } from 'vitest'
import { formatShard, parseShard, selectShard } from './shard'

describe('shards', () => {
  it('parses 0-based i/n', () => {
    expect(parseShard('0/4')).toEqual({ index: 0, count: 4 })
    expect(parseShard(' 3 / 4 ')).toEqual({ index: 3, count: 4 })
    expect(formatShard({ index: 2, count: 5 })).toBe('2/5')
  })

  it('rejects bad forms and out-of-range indices, naming the value', () => {
    expect(() => parseShard('4/4')).toThrow(/0-based and must be in \[0, 3\], received 4\/4/)
    expect(() => parseShard('1/0')).toThrow(/integer ≥ 1, received 1\/0/)
    expect(() => parseShard('a/b')).toThrow(/must look like i\/n .* received "a\/b"/)
    expect(() => parseShard('-1/2')).toThrow(/received -1\/2/)
  })

  it("'env' reads a Slurm job array (any --array start) or a Kubernetes Indexed Job", () => {
    expect(parseShard('env', { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '0' })).toEqual({ index: 2, count: 4 })
    expect(parseShard('env', { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '1' })).toEqual({ index: 3, count: 4 })
    expect(parseShard('env', { JOB_COMPLETION_INDEX: '0', TILELAB_SHARDS: '8' })).toEqual({ index: 0, count: 8 })
    expect(() => parseShard('env', { JOB_COMPLETION_INDEX: '0' })).toThrow(/TILELAB_SHARDS is not/)
    expect(() => parseShard('env', {})).toThrow(/neither SLURM_ARRAY_TASK_ID .* nor JOB_COMPLETION_INDEX/)
  })

  it('round-robin: every item in exactly one shard, sizes differ by at most one', () => {
    const items = Array.from({ length: 11 }, (_, i) => i)
    const shards = [0, 1, 2].map((index) => selectShard(items, { index, count: 3 }))
    expect(shards).toEqual([[0, 3, 6, 9], [1, 4, 7, 10], [2, 5, 8]])
    expect(selectShard(items, null)).toEqual(items)
  })
})
