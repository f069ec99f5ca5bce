import * as tf from '@tensorflow/tfjs'
import { spawnSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTempDir } from '../../../test/helpers/niftiFixtures'
import { writeSyntheticStudy } from '../../../test/helpers/syntheticStudies'
import { saveTinyUnet } from '../../../test/helpers/tinyModel'
import { buildProgram } from '../main'
import { captureCli } from '../../../test/helpers/cliCapture'

const REPO_ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)))
let root: string
let cleanup: () => Promise<void>
let study: string
let model: string

beforeAll(async () => {
  ;({ dir: root, cleanup } = await makeTempDir('tilelab-predictcli-'))
  study = await writeSyntheticStudy(root, 'BraTS_C', { seed: 9, dims: [32, 32, 4] })
  await tf.setBackend('cpu')
  model = await saveTinyUnet(join(root, 'tiny-unet'), { baseFilters: 2, depth: 2 })
})
afterAll(() => cleanup())


/** Runs the real entry point in a child process, as a user would. */
function spawnCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'src-main/cli/bin.mjs'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('tilelab predict', () => {
  it('is registered and its help states the options, the outputs and which slices get a PNG', async () => {
    expect(buildProgram().commands.map((c) => c.name())).toContain('predict')
    const r = await captureCli(['predict', '--help'])
    expect(r.status).toBe(0)
    for (const flag of ['--model', '--slice', '--all', '--tile', '--overlap', '--blend', '--centre-crop', '--image', '--label', '--engine', '--backend', '--pngs', '--out', '--json'])
      expect(r.stdout).toContain(flag)
    expect(r.stdout).toContain('prob_full_minus_tiled.nii.gz')
    expect(r.stdout).toMatch(/with --all, only the slices holding ground-truth tumour/)
    expect(r.stdout).toMatch(/axial slices that were not predicted are 0/)
  })

  it('--json prints one JSON object on stdout, the same as prediction.json', async () => {
    const out = join(root, 'json')
    const r = await captureCli(['predict', study, '--model', model, '--engine', 'tfjs', '--backend', 'cpu', '--tile', '16', '--out', out, '--json', '--centre-crop', '16'])
    expect(r.status).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines).toHaveLength(1)
    const report = JSON.parse(lines[0])
    expect(report).toEqual(JSON.parse(await readFile(join(out, 'prediction.json'), 'utf8')))
    expect(report).toMatchObject({ tool: 'tilelab predict', settings: { selection: 'max-tumor', centreCrop: 16 }, tiling: { tile: 16, overlap: 0.5, blend: 'mean', tilesPerSlice: 9 } })
    expect(report.outputs.centreCrop).toBe('prob_centre_crop.nii.gz')
  })

  it('prints a readable summary; --centre-crop alone means the paper\'s 128 px (too big here: E_ARGS)', async () => {
    const r = await captureCli(['predict', study, '--model', model, '--engine', 'tfjs', '--backend', 'cpu', '--tile', '16', '--slice', '1', '--blend', 'gaussian', '--out', join(root, 'human')])
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^BraTS_C: axial slice 1 \(as asked\); model tiny-unet on tfjs-cpu/)
    expect(r.stdout).toMatch(/tiles 16 px, stride 8 \(overlap 0\.5\), gaussian blend: 9 tiles per slice, offsets y \[0, 8, 16\], x \[0, 8, 16\]/)
    expect(r.stdout).toMatch(/slice\s+tumour px\s+Dice whole\s+Dice tiled/)
    expect(r.stdout).toContain('prob_full_minus_tiled.nii.gz')
    const c = await captureCli(['predict', study, '--model', model, '--engine', 'tfjs', '--backend', 'cpu', '--tile', '16', '--centre-crop', '--out', join(root, 'crop')])
    expect(c.status).toBe(2)
    expect(c.stderr).toMatch(/E_ARGS: centreCrop: crop must be an integer in \[1, 32\] for a 32×32 slice, received 128/)
  })

  it('the default output folder is ./tilelab-predict/<study name>', async () => {
    const cwd = process.cwd()
    process.chdir(root)
    try {
      const r = await captureCli(['predict', study, '--model', model, '--engine', 'tfjs', '--backend', 'cpu', '--tile', '16', '--pngs', 'none', '--json'])
      expect(r.status).toBe(0)
      expect(JSON.parse(r.stdout).outputs.dir).toBe(join(root, 'tilelab-predict', 'BraTS_C'))
    } finally {
      process.chdir(cwd)
    }
  })

  it('a missing model: one E_MODEL line naming the folder, exit 1, no stack trace (spawned bin.mjs)', () => {
    const missing = join(root, 'nope')
    const r = spawnCli(['predict', study, '--model', missing])
    expect(r.status).toBe(1)
    expect(r.stdout).toBe('')
    const lines = r.stderr.trim().split('\n')
    expect(lines).toEqual([`tilelab: E_MODEL: ${missing}: model folder does not exist`])
  })

  it('--slice out of range: one E_ARGS line naming the image file, exit 2; --verbose adds the stack', () => {
    const r = spawnCli(['predict', study, '--model', model, '--engine', 'tfjs', '--backend', 'cpu', '--slice', '4', '--tile', '16'])
    expect(r.status).toBe(2)
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('tilelab:') || l.trimStart().startsWith('at '))
    expect(lines).toEqual([`tilelab: E_ARGS: ${join(study, 'BraTS_C_flair.nii.gz')}: --slice 4 is outside the image's 4 axial slices (0 to 3)`])
    const v = spawnCli(['--verbose', 'predict', study, '--model', model, '--slice', '4', '--tile', '16'])
    expect(v.status).toBe(2)
    expect(v.stderr).toMatch(/\n\s+at /)
  })

  it('bad option values exit 2 naming the value', async () => {
    const a = await captureCli(['predict', study, '--model', model, '--engine', 'tfjs', '--backend', 'cpu', '--overlap', '1', '--out', join(root, 'x')])
    expect(a.status).toBe(2)
    expect(a.stderr).toMatch(/overlap must be in \[0, 1\), received 1/)
    const b = await captureCli(['predict', study, '--model', model, '--engine', 'tfjs', '--backend', 'cpu', '--slice', 'two', '--out', join(root, 'x')])
    expect(b.status).toBe(2)
    expect(b.stderr).toMatch(/--slice must be an integer, received "two"/)
    const c = await captureCli(['predict', study, '--model', model, '--engine', 'tfjs', '--backend', 'cpu', '--pngs', 'some', '--out', join(root, 'x')])
    expect(c.status).toBe(2)
    expect(c.stderr).toMatch(/--pngs must be one of auto, all, tumor, none, received "some"/)
  })
})
