/**
 * The paper's training loss: −log of the batch soft Dice with smooth 1, the sums running over every pixel of
 * every image of the batch together (paper-spec §3, train.py `dice_coef_loss`):
 *   L = −log(2·Σ y·p + 1) + log(Σ y + Σ p + 1).
 * Not a mean of per-image Dice: one image's pixels weigh as much as another's.
 */
import * as tf from '@tensorflow/tfjs'

/** Smoothing constant of the paper's soft Dice (paper-spec §3, §5). */
export const DICE_SMOOTH = 1

/**
 * −log(batch soft Dice).
 *
 * @param yTrue Ground truth, any shape (e.g. `[N, H, W, 1]`), values in {0, 1} (or soft labels in [0, 1]).
 * @param yPred Probabilities of the same shape, in [0, 1].
 * @returns Scalar loss ≥ 0 (2·y·p ≤ y + p on [0, 1]); 0 exactly when p = y ∈ {0, 1} everywhere.
 * @source paper-spec §3: `dice_coef_loss = −log(2·Σ(y·p) + 1) + log(Σy + Σp + 1)`, smooth 1, whole batch.
 */
export function softDiceLoss(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const intersection = tf.sum(tf.mul(yTrue, yPred))
    const total = tf.add(tf.sum(yTrue), tf.sum(yPred))
    return tf.sub(tf.log(tf.add(total, DICE_SMOOTH)), tf.log(tf.add(tf.mul(intersection, 2), DICE_SMOOTH))) as tf.Scalar
  })
}

/** The loss from its two batch sums: I = Σ y·p and S = Σ y + Σ p. */
export function softDiceLossFromSums(intersection: number, total: number): number {
  return Math.log(total + DICE_SMOOTH) - Math.log(2 * intersection + DICE_SMOOTH)
}

/**
 * A surrogate whose gradient, for the pixels of one micro-batch, equals that micro-batch's share of the gradient
 * of the whole batch's loss, given the whole batch's sums I and S (held constant):
 *   ∂L/∂p = −2y/(2I + 1) + 1/(S + 1)  ⇒  L_mb = −2·Σ_mb y·p / (2I + 1) + Σ_mb p / (S + 1).
 * Summing the micro-batches' gradients gives the exact gradient of L over the whole batch (chain rule), which
 * is how trainStep accumulates gradients without changing the paper's loss.
 */
export function softDiceSurrogate(yTrue: tf.Tensor, yPred: tf.Tensor, intersection: number, total: number): tf.Scalar {
  return tf.tidy(() => {
    const a = tf.mul(tf.sum(tf.mul(yTrue, yPred)), -2 / (2 * intersection + DICE_SMOOTH))
    const b = tf.mul(tf.sum(yPred), 1 / (total + DICE_SMOOTH))
    return tf.add(a, b) as tf.Scalar
  })
}
