import { describe, expect, it } from 'vitest'
import type { BackendStatus } from '../../../src-main/common/api'
import {
  applyPreset, backendChoices, defaultModelName, defaultTrainForm, detectedBackend, PRESET_VALUES, validateTrainForm,
  type PresetName, type TrainForm,
} from './trainForm'

const HERE: BackendStatus[] = [
  { name: 'tensorflow-gpu', available: false, reason: '@tensorflow/tfjs-node-gpu is not installed' },
  { name: 'tensorflow', available: false, reason: '@tensorflow/tfjs-node is not installed' },
  { name: 'wasm', available: true, reason: 'WebAssembly, 2 threads, SIMD' },
  { name: 'cpu', available: false, reason: 'not tried: wasm was chosen first' },
  { name: 'onnxruntime-cpu', available: true, reason: 'onnxruntime-node CPU provider' },
]

function form(over: Partial<TrainForm> = {}): TrainForm {
  return { ...defaultTrainForm(HERE, 'tfjs-wasm', new Date(2026, 0, 31, 15, 42)), data: '/data/cohort', ...over }
}

describe('train form', () => {
  it('starts from the detected backend, a dated name and the CPU preset without a GPU', () => {
    const f = defaultTrainForm(HERE, 'tfjs-wasm', new Date(2026, 0, 31, 15, 42))
    expect(f.name).toBe('unet-20260131-1542')
    expect(f.backend).toBe('wasm')
    expect(f.preset).toBe('cpu-small')
    expect(f.batchSize).toBe('8')
    const gpu = HERE.map((b) => (b.name === 'tensorflow-gpu' ? { ...b, available: true, reason: 'CUDA' } : b))
    expect(defaultTrainForm(gpu, 'tfjs-node-gpu').preset).toBe('paper')
    expect(defaultTrainForm(gpu, 'tfjs-node-gpu').backend).toBe('tensorflow')
    expect(detectedBackend('tfjs-cpu')).toBe('cpu')
    expect(defaultModelName(new Date(2026, 11, 1, 9, 5))).toBe('unet-20261201-0905')
  })

  it('a preset replaces the values it sets and keeps the rest', () => {
    for (const preset of ['paper', 'cpu-small'] as PresetName[])
      expect(applyPreset(form({ crop: '64', name: 'keep' }), preset)).toMatchObject({ preset, crop: PRESET_VALUES[preset].crop, name: 'keep' })
  })

  it('lists the training backends with the reason each one is unavailable', () => {
    expect(backendChoices(HERE)).toEqual([
      {
        value: 'tensorflow',
        label: 'TensorFlow (tfjs-node)',
        available: false,
        reason: '@tensorflow/tfjs-node-gpu is not installed; @tensorflow/tfjs-node is not installed',
      },
      { value: 'wasm', label: 'WebAssembly', available: true, reason: 'WebAssembly, 2 threads, SIMD' },
      { value: 'cpu', label: 'Plain JavaScript (slow)', available: true, reason: 'not probed: wasm was chosen first; bundled, should work' },
    ])
  })

  it('turns a good form into the startTraining request the API schema accepts', () => {
    const r = validateTrainForm(
      form({ name: 'tiny', crop: '64', batchSize: '4', epochs: '1', stepsPerEpoch: '5', baseFilters: '4', depth: '2', flips: false }),
    )
    expect(r).toEqual({
      ok: true,
      request: {
        data: '/data/cohort', name: 'tiny', preset: 'cpu-small', input: 'crops', crop: 64, batchSize: 4, epochs: 1,
        stepsPerEpoch: 5, learningRate: 1e-4, valFraction: 0.15, seed: 816, flips: false, rotations: true,
        baseFilters: 4, depth: 2, tumorFraction: 0.5, backend: 'wasm',
      },
    })
    // An empty steps field is left to the preset (paper: training slices ÷ batch size).
    const paper = validateTrainForm(applyPreset(form(), 'paper'))
    expect(paper.ok && 'stepsPerEpoch' in paper.request).toBe(false)
  })

  it('names every wrong field', () => {
    const r = validateTrainForm(
      form({
        data: ' ', name: 'my model', crop: '8', batchSize: '2.5', epochs: '0', learningRate: 'fast', valFraction: '1',
        baseFilters: '', depth: '7', tumorFraction: '-0.1', stepsPerEpoch: '0',
      }),
    )
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.errors).toEqual({
      data: 'choose the folder of training studies',
      name: 'letters, digits, . _ - only (at most 64)',
      crop: 'must be at least 16',
      batchSize: 'must be a whole number, received 2.5',
      epochs: 'must be at least 1',
      learningRate: "not a number: 'fast'",
      valFraction: 'must be below 1',
      baseFilters: 'required',
      depth: 'must be at most 6',
      tumorFraction: 'must be at least 0',
      stepsPerEpoch: 'must be at least 1',
    })
  })

  it('refuses a crop that the U-Net cannot halve depth times, a taken name and an unavailable backend', () => {
    const r = validateTrainForm(form({ crop: '100', depth: '4', name: 'unet-a', backend: 'tensorflow' }), ['unet-a'], backendChoices(HERE))
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.errors.crop).toBe('must be a multiple of 2^depth = 16 (the U-Net halves it 4 times)')
    expect(r.errors.name).toMatch(/'unet-a' exists already/)
    expect(r.errors.backend).toMatch(/^TensorFlow \(tfjs-node\) is not available here: @tensorflow/)
  })
})
