/**
 * INTERIM backend selection for `tilelab train` until the engine's initBackend (branch `model`:
 * engine/backend/initBackend.ts, with TileLab's wasm kernels and two threads) is merged; then this file goes.
 *
 * 'auto': tfjs-node-gpu, tfjs-node, wasm, cpu, the first that initialises; 'tensorflow': the two tfjs-node
 * packages only.
 */
import * as tf from '@tensorflow/tfjs'
import { EngineError } from '../../common/errors'

export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu'

/** Initialises a backend; returns the engine name ('tfjs-wasm', 'tfjs-cpu', 'tfjs-node', 'tfjs-node-gpu'). */
export async function interimInitBackend(pref: BackendPreference): Promise<string> {
  const order = pref === 'auto' ? ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] : pref === 'tensorflow' ? ['tfjs-node-gpu', 'tfjs-node'] : [pref]
  const reasons: string[] = []
  for (const name of order) {
    try {
      if (name === 'cpu') {
        if (await tf.setBackend('cpu')) return 'tfjs-cpu'
      } else if (name === 'wasm') {
        await import('@tensorflow/tfjs-backend-wasm')
        if (await tf.setBackend('wasm')) return 'tfjs-wasm'
      } else {
        await import(/* @vite-ignore */ `@tensorflow/${name}`)
        if (await tf.setBackend('tensorflow')) return name
      }
      reasons.push(`${name}: setBackend returned false`)
    } catch (err) {
      reasons.push(`${name}: ${(err as Error).message.split('\n')[0]}`)
    }
  }
  throw new EngineError('E_BACKEND', `no usable tfjs backend for '${pref}': ${reasons.join('; ')}`)
}
