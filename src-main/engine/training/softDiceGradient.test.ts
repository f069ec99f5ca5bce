import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { softDiceLoss } from './softDiceLoss'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

describe('the training loss and its gradient', () => {
  it('equals −log((2Σyp + 1)/(Σy + Σp + 1)) computed by hand, sums over the whole batch', () => {
    // two images of 2 pixels: y = [1, 0 | 1, 1], p = [0.9, 0.2 | 0.6, 0.3]
    // Σyp = 0.9 + 0.6 + 0.3 = 1.8, Σy = 3, Σp = 2.0 → Dice = 4.6 / 6 → loss = −ln(0.766667) = 0.265703
    const y = tf.tensor4d([1, 0, 1, 1], [2, 1, 2, 1])
    const p = tf.tensor4d([0.9, 0.2, 0.6, 0.3], [2, 1, 2, 1])
    const loss = softDiceLoss(y, p)
    expect(loss.dataSync()[0]).toBeCloseTo(0.265703, 5)
    // not the mean of per-image losses: image 1 alone −ln(2.8/3.1), image 2 alone −ln(2.8/3.9)
    expect(loss.dataSync()[0]).not.toBeCloseTo((-Math.log(2.8 / 3.1) - Math.log(2.8 / 3.9)) / 2, 3)
    // gradient: ∂L/∂p = −2y/(2Σyp + 1) + 1/(Σy + Σp + 1)
    const g = tf.grad((q: tf.Tensor) => softDiceLoss(y, q))(p)
    const expected = [1, 0, 1, 1].map((yi) => (-2 * yi) / 4.6 + 1 / 6)
    Array.from(g.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5))
    tf.dispose([y, p, loss, g])
  })
})
