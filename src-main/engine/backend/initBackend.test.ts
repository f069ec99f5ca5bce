/**
 * Backend selection in this environment: tfjs-node(-gpu) are not installed (faked here, so the test means the
 * same on machines where they are), wasm is chosen with SIMD and the default thread count.
 */
import { afterAll, describe, expect, it, vi } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { availableParallelism } from 'node:os'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { EngineError } from '../../common/errors'
import { backendStatuses, currentBackend, initBackend, resolveWasmThreads, tryTfjsNode } from './initBackend'
import { nodeThreadsScriptDir } from './wasmNodeThreads'
import { readdirSync, statSync } from 'node:fs'
import { basename } from 'node:path'

/** An importer that behaves as if @tensorflow/tfjs-node(-gpu) were not installed. */
const notInstalled = async (spec: string): Promise<never> => {
  throw Object.assign(new Error(`Cannot find package '${spec}' imported from /app`), { code: 'ERR_MODULE_NOT_FOUND' })
}

describe('tryTfjsNode', () => {
  it('says when the package is missing', async () => {
    expect(await tryTfjsNode('tfjs-node', notInstalled)).toEqual({ ok: false, reason: '@tensorflow/tfjs-node is not installed' })
  })

  it('says when the package is present but its native library is not', async () => {
    const broken = async () => {
      throw new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory')
    }
    const r = await tryTfjsNode('tfjs-node-gpu', broken)
    expect(r.ok).toBe(false)
    expect(r.reason).toBe('@tensorflow/tfjs-node-gpu is installed but failed to load: libtensorflow.so.2: cannot open shared object file: No such file or directory')
  })

  it('says when the package loads but registers no backend', async () => {
    const r = await tryTfjsNode('tfjs-node', async () => ({}))
    expect(r.ok).toBe(false)
    expect(r.reason).toMatch(/registered no 'tensorflow' backend/)
  })
})

describe('resolveWasmThreads', () => {
  afterAll(() => {
    delete process.env.TILELAB_WASM_THREADS
  })
  it('takes the option, then TILELAB_WASM_THREADS, then min(4, cores)', () => {
    process.env.TILELAB_WASM_THREADS = '3'
    expect(resolveWasmThreads(2)).toEqual({ threads: 2, source: 'option' })
    expect(resolveWasmThreads()).toEqual({ threads: 3, source: 'TILELAB_WASM_THREADS' })
    delete process.env.TILELAB_WASM_THREADS
    expect(resolveWasmThreads()).toEqual({ threads: Math.min(4, availableParallelism()), source: 'default' })
  })
  it.each(['0', '9', '1.5', 'two'])('refuses TILELAB_WASM_THREADS=%s', (value) => {
    process.env.TILELAB_WASM_THREADS = value
    expect(() => resolveWasmThreads()).toThrow(/TILELAB_WASM_THREADS.*1\.\.8/)
  })
})

describe('initBackend', () => {
  it('refuses an unknown preference', async () => {
    await expect(initBackend('gpu' as never)).rejects.toMatchObject({ code: 'E_ARGS' })
  })

  it("fails with E_BACKEND listing both packages when 'tensorflow' is forced and neither loads", async () => {
    const err = await initBackend('tensorflow', { importModule: notInstalled }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(EngineError)
    expect((err as EngineError).code).toBe('E_BACKEND')
    expect((err as EngineError).message).toBe(
      "no usable tfjs backend for 'tensorflow': tensorflow-gpu: @tensorflow/tfjs-node-gpu is not installed; tensorflow: @tensorflow/tfjs-node is not installed",
    )
    expect(currentBackend()).toBeNull()
  })

  it("'auto' falls through to wasm with SIMD and the default threads, and says why", async () => {
    const listenersBefore = process.listenerCount('uncaughtException') + process.listenerCount('unhandledRejection')
    const [info, concurrent] = await Promise.all([
      initBackend('auto', { importModule: notInstalled }),
      initBackend('auto', { importModule: notInstalled }),
    ])
    expect(concurrent).toBe(info)
    expect(info.name).toBe('wasm')
    expect(info.engine).toBe('tfjs-wasm')
    expect(tf.getBackend()).toBe('wasm')
    expect(info.tried).toEqual([
      { name: 'tensorflow-gpu', ok: false, reason: '@tensorflow/tfjs-node-gpu is not installed' },
      { name: 'tensorflow', ok: false, reason: '@tensorflow/tfjs-node is not installed' },
      { name: 'wasm', ok: true, reason: info.reason },
    ])
    const threads = Math.min(4, availableParallelism())
    expect(info.wasm).toEqual({
      threads,
      simd: true,
      threadsReason: threads > 1 ? `${threads} threads (default; Node pthreads workaround)` : '1 thread requested (default)',
    })
    expect(info.reason).toBe(`WebAssembly, ${threads} thread${threads > 1 ? 's' : ''}, SIMD`)
    // Emscripten's rethrowing process handlers are removed again.
    expect(process.listenerCount('uncaughtException') + process.listenerCount('unhandledRejection')).toBe(listenersBefore)
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined()
    expect(backendStatuses(info).map((b) => [b.name, b.available])).toEqual([
      ['tensorflow-gpu', false],
      ['tensorflow', false],
      ['wasm', true],
      ['cpu', false],
    ])
    expect(backendStatuses(info)[3].reason).toBe('not tried: wasm was chosen first')
    if (threads > 1) {
      // The pthread scripts live in one private folder per user and install, reused by later processes.
      const dir = nodeThreadsScriptDir()!
      expect(basename(dir)).toMatch(new RegExp(`^tilelab-wasm-threads-${process.getuid!()}-[0-9a-f]{12}$`))
      expect(statSync(dir).mode & 0o777).toBe(0o700)
      expect(readdirSync(dir).filter((f) => f.endsWith('.cjs')).sort()).toEqual(['wasm-main.cjs', 'wasm-worker.cjs'])
    }
  })

  it('is idempotent: later calls return the first result, whatever they ask for', async () => {
    const first = currentBackend()
    expect(await initBackend('auto')).toBe(first)
    expect(await initBackend('cpu')).toBe(first)
    expect(tf.getBackend()).toBe('wasm')
  })

  it('silences the cpu backend banner and nothing else', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    tf.setBackend('cpu')
    tf.tidy(() => tf.ones([2]).add(1).dataSync())
    tf.setBackend('wasm')
    expect(warn.mock.calls.flat().join(' ')).not.toMatch(/looks like you are running TensorFlow\.js in Node/)
    warn.mockRestore()
  })

  it('lets a process using two wasm threads exit by itself', () => {
    const script = `
      import { initBackend } from ${JSON.stringify(fileURLToPath(new URL('./initBackend.ts', import.meta.url)))}
      import * as tf from '@tensorflow/tfjs'
      const info = await initBackend('wasm', { wasmThreads: 2 })
      const y = tf.conv2d(tf.ones([1, 32, 32, 8]), tf.ones([3, 3, 8, 8]), 1, 'same')
      console.log(JSON.stringify({ threads: info.wasm.threads, sum: y.sum().dataSync()[0] }))`
    const root = fileURLToPath(new URL('../../../', import.meta.url))
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, TILELAB_LOG: 'silent' },
    })
    expect(r.signal).toBeNull()
    expect(r.status).toBe(0)
    // 32·32·8 outputs; 'same' 3×3 over ones: interior 9·8 = 72 per channel, edges 48, corners 32.
    expect(JSON.parse(r.stdout.trim())).toEqual({ threads: 2, sum: 8 * (30 * 30 * 72 + 4 * 30 * 48 + 4 * 32) })
  })
})
