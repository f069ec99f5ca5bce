import { afterAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..')
const dirs: string[] = []
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

const tilelab = (args: string[]) =>
  spawnSync(process.execPath, ['src-main/cli/bin.mjs', ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 300_000 })

describe('tilelab synth', () => {
  it('writes two full-size BraTS cases and prints a JSON summary line', async () => {
    const out = await mkdtemp(join(tmpdir(), 'tilelab-cli-synth-'))
    dirs.push(out)
    const run = tilelab(['synth', '--out', out, '--cases', '2', '--seed', '7', '--json'])
    expect(run.status, run.stderr).toBe(0)
    const lines = run.stdout.trim().split('\n')
    expect(lines).toHaveLength(1)
    const summary = JSON.parse(lines[0])
    expect(summary).toMatchObject({ type: 'summary', seed: 7, dims: [240, 240, 155] })
    expect(summary.cases.map((c: { caseId: string }) => c.caseId)).toEqual(['SYNTH_0001', 'SYNTH_0002'])
    for (const c of summary.cases) {
      expect(c.flairBytes).toBeGreaterThan(500_000)
      expect(c.wholeTumourMl).toBeGreaterThan(0)
    }
    expect(run.stderr).toMatch(/SYNTH_0002 \(2\/2\)/) // per-case progress on stderr
    expect((await readdir(out)).sort()).toEqual(['SYNTH_0001', 'SYNTH_0002', 'cohort.json'])
    expect(JSON.parse(await readFile(join(out, 'cohort.json'), 'utf8')).seed).toBe(7)
  })

  it('rejects bad arguments with exit status 2 and a message naming the value', () => {
    const run = tilelab(['synth', '--out', join(tmpdir(), 'never-written'), '--cases', 'two'])
    expect(run.status).toBe(2)
    expect(run.stderr).toMatch(/E_ARGS.*--cases.*"two"/)
  })
})
