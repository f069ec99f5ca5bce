import * as tf from '@tensorflow/tfjs'
import { buildUnet } from './src-main/engine/model/unet.ts'
const which = process.argv[2]
if (which === 'wasm') {
  const w = await import('@tensorflow/tfjs-backend-wasm')
  w.setWasmPaths(new URL('./node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url).pathname)
}
console.log(await tf.setBackend(which), tf.getBackend())
for (const base of [4, 8]) {
  const m = buildUnet({ baseFilters: base, depth: 4 }, 1)
  const x = tf.randomNormal([1, 240, 240, 1])
  for (let i = 0; i < 2; i++) { const t = performance.now(); const y = m.predict(x) as tf.Tensor; await y.data(); y.dispose(); console.log(base, 'predict 240', (performance.now() - t).toFixed(0), 'ms') }
  // training step
  const opt = tf.train.adam(1e-3)
  const xb = tf.randomNormal([8, 128, 128, 1]); const yb = tf.randomUniform([8, 128, 128, 1]).greater(0.9).toFloat()
  try {
  for (let i = 0; i < 2; i++) { const t = performance.now(); opt.minimize(() => { const p = m.apply(xb, { training: true }) as tf.Tensor; return tf.neg(tf.log(tf.div(tf.add(tf.mul(2, tf.sum(tf.mul(p, yb))), 1), tf.add(tf.add(tf.sum(p), tf.sum(yb)), 1)))) as tf.Scalar }); console.log(base, 'train step b8 128', (performance.now() - t).toFixed(0), 'ms') }
  } catch (e) { console.log('train failed', (e as Error).message.slice(0, 200)) }
}
