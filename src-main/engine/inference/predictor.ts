/**
 * Predictor: the one thing inference needs from a model. Full-image, tiled and centre-crop inference
 * (fullImage.ts, slidingWindow.ts, centreCrop.ts) are written once against this interface and run on every engine:
 * ONNX Runtime (onnx/onnxPredictor.ts) and TensorFlow.js (model/tfjsPredictor.ts).
 */

export interface Predictor {
  /** Engine that runs the model, for logs and reports: 'onnxruntime-cpu', 'onnxruntime-cuda', 'tfjs-wasm', … */
  readonly engine: string
  /** H and W of every input must be divisible by this (2^depth; 16 for the paper's U-Net). */
  readonly inputMultiple: number
  /**
   * Largest batch this predictor should be given for inputs of `height` × `width` pixels, bounded by memory
   * (e.g. 8 slices of 240×240). Callers split larger work into batches of at most this size.
   */
  maxBatch(height: number, width: number): number
  /**
   * Runs the model on a batch.
   *
   * @param batch  `[N, H, W]` float32, row-major (NHWC with C = 1), z-scored FLAIR.
   * @param n      N ≥ 1 images.
   * @param height H, divisible by inputMultiple.
   * @param width  W, divisible by inputMultiple.
   * @returns Foreground probabilities `[N, H, W]` float32 in [0, 1]; a new array the caller owns.
   * @throws EngineError E_SHAPE if batch.length ≠ N·H·W or H, W are not multiples of inputMultiple;
   *   E_MEMORY if the engine runs out of memory.
   */
  predict(batch: Float32Array, n: number, height: number, width: number): Promise<Float32Array>
  /** Frees the model and its buffers. */
  dispose(): Promise<void>
}
