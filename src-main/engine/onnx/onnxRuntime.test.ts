import { describe, expect, it, vi } from 'vitest'
import { loadOnnxRuntime } from './onnxRuntime'
import { tryCreateOnnxPredictor } from './onnxPredictor'

// Simulates a machine where onnxruntime-node is absent or its native binding fails to load.
vi.mock('onnxruntime-node', () => {
  throw new Error('simulated: onnxruntime_binding.node not found')
})

describe('without onnxruntime-node', () => {
  it('loadOnnxRuntime reports why instead of throwing', async () => {
    const loaded = await loadOnnxRuntime()
    expect(loaded).toEqual({ error: expect.stringMatching(/^onnxruntime-node could not be loaded: /) })
  })

  it('tryCreateOnnxPredictor returns null so callers fall back to tfjs', async () => {
    expect(await tryCreateOnnxPredictor(new Uint8Array([1]))).toBeNull()
  })
})
