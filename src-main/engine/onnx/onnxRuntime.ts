/**
 * Optional loading of onnxruntime-node and choice of its execution provider.
 *
 * onnxruntime-node is a regular dependency, but it may be missing or unloadable on a user's machine (no prebuilt
 * binary for the platform, a failed install), and its CUDA provider is only present when its install script ran with
 * `--onnxruntime-node-install=cuda12` (package.json's allowScripts denies that script, which would otherwise fetch GPU
 * extras from api.nuget.org on every install; the CPU binaries bundled in the package load without it). Everything here reports why an option was not taken instead of throwing, so callers
 * can fall back to tfjs.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type * as Ort from 'onnxruntime-node'

/** The onnxruntime-node module namespace. */
export type OrtModule = typeof Ort

let cached: Promise<{ ort: OrtModule } | { error: string }> | undefined

/**
 * Imports onnxruntime-node once per process.
 * @returns The module, or an error string saying why it could not be loaded (never throws).
 * @source onnxruntime-node 1.30 (native N-API binding under bin/napi-v6/<platform>/<arch>).
 */
export function loadOnnxRuntime(): Promise<{ ort: OrtModule } | { error: string }> {
  cached ??= (async () => {
    try {
      const mod = (await import('onnxruntime-node')) as OrtModule & { default?: OrtModule }
      const ort = (mod.InferenceSession ? mod : mod.default) as OrtModule | undefined
      if (!ort?.InferenceSession || !ort.Tensor) return { error: 'onnxruntime-node loaded without InferenceSession' }
      return { ort }
    } catch (err) {
      return { error: `onnxruntime-node could not be loaded: ${(err as Error).message}` }
    }
  })()
  return cached
}

/**
 * Whether onnxruntime-node's CUDA execution provider library is installed next to its binding
 * (`libonnxruntime_providers_cuda.so` / `onnxruntime_providers_cuda.dll`). Installing it is a user's choice:
 * `node node_modules/onnxruntime-node/script/install --onnxruntime-node-install=cuda12` (needs CUDA 12 and cuDNN 9).
 * @returns `{ installed, reason }`; reason says what is missing.
 */
export function cudaProviderStatus(): { installed: boolean; reason: string } {
  try {
    const req = createRequire(import.meta.url)
    const pkgDir = dirname(req.resolve('onnxruntime-node/package.json'))
    const binDir = join(pkgDir, 'bin', 'napi-v6', process.platform, process.arch)
    const names =
      process.platform === 'win32' ? ['onnxruntime_providers_cuda.dll'] : ['libonnxruntime_providers_cuda.so']
    const found = names.find((n) => existsSync(join(binDir, n)))
    return found
      ? { installed: true, reason: `CUDA provider found: ${join(binDir, found)}` }
      : {
          installed: false,
          reason: `no CUDA provider in ${binDir} (install it with node node_modules/onnxruntime-node/script/install --onnxruntime-node-install=cuda12)`,
        }
  } catch (err) {
    return { installed: false, reason: `cannot locate onnxruntime-node: ${(err as Error).message}` }
  }
}

/** Maps an onnxruntime error message to TileLab's code: allocation failures are E_MEMORY. */
export function isOutOfMemoryMessage(message: string): boolean {
  return /bad_alloc|failed to allocate|out of memory|CUDNN_STATUS_ALLOC_FAILED|cudaErrorMemoryAllocation/i.test(
    message,
  )
}
