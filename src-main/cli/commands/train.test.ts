import { describe, expect, it } from 'vitest'
import { buildProgram } from '../main'
import { captureCli } from '../../../test/helpers/cliCapture'


describe('tilelab train (arguments)', () => {
  it('is registered; --help states the crop fix, the augmentation probabilities and the checkpoint rule', async () => {
    expect(buildProgram().commands.map((c) => c.name())).toContain('train')
    const { status, stdout } = await captureCli(['train', '--help'])
    expect(status).toBe(0)
    expect(stdout).toMatch(/0\.\.L−P on each axis, both ends included \(the paper's code drew 0\.\.L−P−1/)
    expect(stdout).toMatch(/left-right flip with p 0\.5/)
    expect(stdout).toMatch(/up-down flip with p 0\.5/)
    expect(stdout).toMatch(/identity 0\.625, left-right flip 0\.125, 90° rotation 0\.125/)
    expect(stdout).toMatch(/The paper kept the best TRAINING loss/)
  })

  it('rejects bad values before any work (exit 2, naming the option and value)', async () => {
    const bad = [
      [['--crop', '100'], /--crop must be a multiple of 2\^depth = 16, received 100/],
      [['--val-fraction', '1'], /--val-fraction must be in \[0, 1\), received 1/],
      [['--epochs', 'many'], /--epochs must be a number, received "many"/],
      [['--tumor-fraction', '2'], /--tumor-fraction must be in \[0, 1\]/],
      [['--micro-batch', '0'], /--micro-batch must be a positive integer/],
    ] as const
    for (const [args, message] of bad) {
      const { status, stderr } = await captureCli(['train', '--data', '/nonexistent', '--out', '/tmp/x', ...args])
      expect(status, stderr).toBe(2)
      expect(stderr).toMatch(message)
    }
    const noData = await captureCli(['train', '--out', '/tmp/x'])
    expect(noData.status).toBe(2)
    expect(noData.stderr).toMatch(/--data <cohort folder> is required/)
  })
})
