/**
 * What this machine can run, for AppInfo and the training dialog: the tfjs backends (tfjs-node-gpu, tfjs-node,
 * wasm, cpu: the first that initialises is what training uses) and ONNX Runtime for inference (CUDA where its
 * provider is installed, else CPU). Each unavailable one carries the reason.
 */
import type { BackendStatus } from '../../common/api'
import { backendStatuses, initBackend } from '../backend/initBackend'
import { cudaProviderStatus, loadOnnxRuntime } from '../onnx/onnxRuntime'

export interface BackendProbe {
  trainingBackend: string
  inferenceEngine: string
  backends: BackendStatus[]
}

/** Probes once per process (initialising tfjs's best backend on the way). */
export async function probeBackends(): Promise<BackendProbe> {
  const [tfjs, ort] = await Promise.all([initBackend('auto'), loadOnnxRuntime()])
  const cuda = cudaProviderStatus()
  const ortOk = 'ort' in ort
  const backends: BackendStatus[] = [
    ...backendStatuses(tfjs),
    { name: 'onnxruntime-cpu', available: ortOk, reason: ortOk ? 'onnxruntime-node CPU provider' : ort.error },
    { name: 'onnxruntime-cuda', available: ortOk && cuda.installed, reason: cuda.reason },
  ]
  return {
    trainingBackend: tfjs.engine,
    inferenceEngine: ortOk ? (cuda.installed ? 'onnxruntime-cuda' : 'onnxruntime-cpu') : tfjs.engine,
    backends,
  }
}
