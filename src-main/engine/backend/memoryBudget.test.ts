import { expect, it } from 'vitest'
import { EngineError } from '../../common/errors'
import { asMemoryError, estimateBytes, isOutOfMemory, maxBatchFor } from './memoryBudget'

const paper = { baseFilters: 32, parameters: 7_846_081 }
const MIB = 1024 ** 2

it('reproduces the measured wasm heap use within 10 %', () => {
  // Measured (tfjs-wasm 4.22, heap after two steps): training base 32 at 128², batch 8: 1389 MiB; base 8 batch 16:
  // 600 MiB; inference base 32 at 240², batch 8: 564 MiB.
  const within = (estimate: number, measuredMib: number) => expect(Math.abs(estimate / MIB / measuredMib - 1)).toBeLessThan(0.1)
  within(estimateBytes(paper, 'train', 8, 128, 128), 1389)
  within(estimateBytes({ baseFilters: 8, parameters: 491_137 }, 'train', 16, 128, 128), 600)
  within(estimateBytes(paper, 'infer', 8, 240, 240), 564)
})

it('gives the largest batch within 85 % of the 4 GiB heap', () => {
  expect(maxBatchFor(paper, 'train', 128, 128)).toBe(21) // the issue: 28 fit the whole heap
  expect(maxBatchFor(paper, 'infer', 240, 240)).toBeGreaterThan(60)
  expect(maxBatchFor(paper, 'train', 128, 128, 100 * MIB)).toBe(0)
  expect(() => maxBatchFor(paper, 'train', 0, 128)).toThrow(EngineError)
})

it('recognises out-of-memory failures of wasm, V8 and libtensorflow, and nothing else', () => {
  for (const m of [
    'memory access out of bounds',
    'WebAssembly.Memory.grow(): Maximum memory size exceeded',
    'Aborted(OOM)',
    'Array buffer allocation failed',
    'OOM when allocating tensor with shape[8,128,128,32]',
  ])
    expect(isOutOfMemory(new Error(m)), m).toBe(true)
  expect(isOutOfMemory(new Error('Kernel Conv2D not registered'))).toBe(false)
  const plain = new Error('shape mismatch')
  expect(asMemoryError(plain, 'x', 'y')).toBe(plain)
  expect(asMemoryError(new Error('memory access out of bounds'), 'step', 'lower the batch')).toMatchObject({
    code: 'E_MEMORY',
    message: 'step: out of memory (memory access out of bounds); lower the batch',
  })
})
