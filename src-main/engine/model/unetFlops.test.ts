import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import type { UnetConfig } from '../../common/types'
import { buildUnet } from './unet'
import { unetFlops, unetFlopsPerPixel } from './unetFlops'

/** FLOPs of a built tfjs U-Net from its layers' kernel shapes and the level in each layer's name. */
function flopsFromModel(model: tf.LayersModel, h: number, w: number): number {
  let total = 0
  for (const layer of model.layers) {
    const cls = layer.getClassName()
    if (cls !== 'Conv2D' && cls !== 'Conv2DTranspose') continue
    const [kh, kw, a, b] = layer.getWeights()[0].shape
    const level = layer.name === 'head' ? 0 : Number(/^(?:enc|dec)(\d+)_/.exec(layer.name)![1])
    if (cls === 'Conv2D') total += 2 * kh * kw * a * b * (h / 2 ** level) * (w / 2 ** level)
    // Conv2DTranspose kernel is [k, k, out, in]; it runs over the input (level + 1) pixels
    else total += 2 * kh * kw * a * b * (h / 2 ** (level + 1)) * (w / 2 ** (level + 1))
  }
  return total
}

describe('unetFlops', () => {
  it("the paper's model: ~24 GFLOP per 240×240 slice, ~7 GFLOP per 128×128 tile, 9 tiles = 2.56× the slice", () => {
    expect(unetFlops({}, 240, 240) / 1e9).toBeCloseTo(24.456, 3)
    expect(unetFlops({}, 128, 128) / 1e9).toBeCloseTo(6.956, 3)
    expect((9 * unetFlops({}, 128, 128)) / unetFlops({}, 240, 240)).toBeCloseTo(2.56, 12)
  })

  it('is proportional to the input area', () => {
    expect(unetFlops({}, 240, 240) / unetFlops({}, 128, 128)).toBeCloseTo((240 * 240) / (128 * 128), 12)
    expect(unetFlops({}, 64, 128)).toBe(unetFlopsPerPixel() * 64 * 128)
  })

  it.each<Partial<UnetConfig>>([
    { baseFilters: 4, depth: 2 },
    { baseFilters: 4, depth: 3, upsampling: 'transpose' },
    { baseFilters: 32, depth: 4 },
  ])('equals the count from the built tfjs model %o', (config) => {
    const model = buildUnet(config, 1)
    try {
      expect(unetFlops(config, 64, 48)).toBeCloseTo(flopsFromModel(model, 64, 48), 6)
    } finally {
      model.dispose()
    }
  })

  it('rejects sizes that are not multiples of 2^depth, naming the value', () => {
    expect(() => unetFlops({}, 100, 128)).toThrow(/height must be a positive multiple of 16, received 100/)
  })
})
