import { describe, expect, it, vi } from 'vitest'
import type { JobEnd, JobProgress } from '../../common/api'
import { JobManager } from './jobs'

function recorder(): { progress: JobProgress[]; ends: JobEnd[]; manager: JobManager } {
  const progress: JobProgress[] = []
  const ends: JobEnd[] = []
  return { progress, ends, manager: new JobManager({ progress: (p) => progress.push(p), end: (e) => ends.push(e) }) }
}

const done = (p: JobProgress[]): number[] => p.map((x) => x.done)

describe('JobManager progress throttling', () => {
  it('sends the first report, holds back reports within 100 ms, and sends the last one held back at the end', async () => {
    const { progress, ends, manager } = recorder()
    const id = manager.start('evaluation', async (ctx) => {
      for (let i = 1; i <= 5; i++) ctx.report({ phase: 'x', done: i, total: 5 })
    })
    await vi.waitFor(() => expect(ends).toHaveLength(1))
    expect(done(progress)).toEqual([1, 5])
    expect(ends).toMatchObject([{ jobId: id, outcome: 'ok' }])
  })

  it('a kept report first sends the report held back before it, so no event is lost or reordered', async () => {
    const { progress, ends, manager } = recorder()
    manager.start('training', async (ctx) => {
      ctx.report({ phase: 'x', done: 1, total: 9 })
      ctx.report({ phase: 'x', done: 2, total: 9 }) // held back by the throttle
      ctx.report({ phase: 'x', done: 3, total: 9, keep: true })
      ctx.report({ phase: 'x', done: 4, total: 9, keep: true })
    })
    await vi.waitFor(() => expect(ends).toHaveLength(1))
    expect(done(progress)).toEqual([1, 2, 3, 4])
  })
})
