/**
 * INTERIM: one optimiser step on a whole batch, without gradient accumulation, until the engine's trainStep
 * (branch `model`: softDiceLoss.ts, trainStep.ts with accumulation) is merged; then this file goes.
 *
 * Loss: −log((2·Σ y·p + 1) / (Σ y + Σ p + 1)), sums over the whole batch (paper-spec §3).
 */
import * as tf from '@tensorflow/tfjs'

/** −log of the batch soft Dice, smooth 1 (paper-spec §3). */
export function interimSoftDiceLoss(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const intersection = tf.sum(tf.mul(yTrue, yPred))
    const total = tf.add(tf.sum(yTrue), tf.sum(yPred))
    return tf.sub(tf.log(tf.add(total, 1)), tf.log(tf.add(tf.mul(intersection, 2), 1))) as tf.Scalar
  })
}

/**
 * One Adam step on `[n, h, w]` images and masks.
 * @returns The batch loss before the update.
 */
export async function interimTrainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  images: Float32Array,
  masks: Float32Array,
  n: number,
  height: number,
  width: number,
): Promise<number> {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable)
  const cost = tf.tidy(() => {
    const x = tf.tensor4d(images, [n, height, width, 1])
    const y = tf.tensor4d(masks, [n, height, width, 1])
    return optimizer.minimize(() => interimSoftDiceLoss(y, model.apply(x, { training: true }) as tf.Tensor), true, vars)!
  })
  const loss = (await cost.data())[0]
  cost.dispose()
  return loss
}
