import { expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { softDiceLoss, softDiceLossFromSums } from './softDiceLoss'

it('is −log of the batch soft Dice with smooth 1 (hand-computed)', () => {
  // Σy·p = 0.9 + 0.6 + 0.4 = 1.9, Σy = 3, Σp = 2.1: L = ln(3 + 2.1 + 1) − ln(2·1.9 + 1) = ln(6.1 / 4.8).
  const y = tf.tensor([1, 0, 1, 1])
  const p = tf.tensor([0.9, 0.2, 0.6, 0.4])
  const loss = softDiceLoss(y, p)
  expect(loss.dataSync()[0]).toBeCloseTo(0.2396729, 6)
  expect(softDiceLossFromSums(1.9, 5.1)).toBeCloseTo(0.23967285326542, 12)
  tf.dispose([y, p, loss])
})

it('sums over the whole batch, not per image (paper-spec §3)', () => {
  // Image 1: empty truth, p = 0.5 everywhere (4 px); image 2: truth all 1, p = 1.
  // Batch: Σyp = 4, Σy = 4, Σp = 2 + 4 = 6 → ln(11 / 9); the mean of per-image losses would differ.
  const y = tf.tensor4d([0, 0, 0, 0, 1, 1, 1, 1], [2, 2, 2, 1])
  const p = tf.tensor4d([0.5, 0.5, 0.5, 0.5, 1, 1, 1, 1], [2, 2, 2, 1])
  const loss = softDiceLoss(y, p)
  expect(loss.dataSync()[0]).toBeCloseTo(Math.log(11 / 9), 6)
  const perImageMean = (Math.log(3 / 1) + Math.log(9 / 9)) / 2
  expect(Math.abs(loss.dataSync()[0] - perImageMean)).toBeGreaterThan(0.1)
  tf.dispose([y, p, loss])
})

it('is 0 for a perfect prediction and never negative', () => {
  const y = tf.tensor([1, 0, 1])
  expect(tf.tidy(() => softDiceLoss(y, y).dataSync()[0])).toBeCloseTo(0, 7)
  expect(tf.tidy(() => softDiceLoss(y, tf.tensor([0, 1, 0])).dataSync()[0])).toBeGreaterThan(0)
  y.dispose()
})
