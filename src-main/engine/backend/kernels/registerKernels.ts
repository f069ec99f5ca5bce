/**
 * TileLab's kernel registrations (initBackend calls both):
 * - wasm: `Conv2DBackpropFilter`, which wasm lacks (no conv layer can train without it); a fast
 *   `Conv2DBackpropInput` replacing the stock scalar loop; a correct `MaxPoolGrad` (the stock one drops the
 *   gradient of windows whose values are all ≤ 0); `ResizeNearestNeighborGrad` routed to a correct one for
 *   halfPixelCenters (the stock one is right, and kept, otherwise);
 * - cpu: a correct `ResizeNearestNeighborGrad` (the stock one is wrong, so UpSampling2D trained wrongly on cpu).
 *
 * Each is tested against float64 references (conv2dBackprop.test.ts, resizeAndPoolGrad.test.ts) and the whole
 * U-Net's gradient against an independent reference (unetGradient.test.ts).
 */
import * as tf from '@tensorflow/tfjs'
import { conv2dBackpropFilterConfig } from './conv2dBackpropFilter'
import { conv2dBackpropInputConfig } from './conv2dBackpropInput'
import { saveStockKernel, stockKernelConfig } from './kernelScope'
import { maxPoolGradWasmConfig } from './maxPoolGradWasm'
import { resizeNearestNeighborGradCpuConfig, resizeNearestNeighborGradWasmConfig } from './resizeNearestNeighborGrad'

export interface WasmKernelOptions {
  /**
   * 'fast' (default): all of TileLab's wasm kernels. 'stock': tfjs-wasm's own kernels wherever it has one, plus
   * only the missing Conv2DBackpropFilter (the "before" of the benchmark; MaxPoolGrad then has the stock bug).
   * TILELAB_WASM_KERNELS=stock sets the default.
   */
  kernels?: 'fast' | 'stock'
}

const REPLACED = [conv2dBackpropInputConfig, maxPoolGradWasmConfig, resizeNearestNeighborGradWasmConfig]

/** Registers (or re-registers) the kernels; safe to call repeatedly. Returns the kernel names now TileLab's. */
export function registerWasmKernels(opts: WasmKernelOptions = {}): string[] {
  const mode = opts.kernels ?? (process.env.TILELAB_WASM_KERNELS === 'stock' ? 'stock' : 'fast')
  replaceKernel(conv2dBackpropFilterConfig)
  const ours = [conv2dBackpropFilterConfig.kernelName]
  for (const config of REPLACED) {
    saveStockKernel(config.kernelName, 'wasm')
    const stock = stockKernelConfig(config.kernelName, 'wasm')
    if (mode === 'fast' || !stock) {
      replaceKernel(config)
      ours.push(config.kernelName)
    } else replaceKernel(stock)
  }
  return ours
}

/** Replaces the cpu backend's ResizeNearestNeighborGrad with the exact adjoint of its forward resize. */
export function registerCpuKernels(): string[] {
  saveStockKernel('ResizeNearestNeighborGrad', 'cpu')
  replaceKernel(resizeNearestNeighborGradCpuConfig)
  return [resizeNearestNeighborGradCpuConfig.kernelName]
}

/** Registers `config`, removing a previous registration first (tfjs warns when one is overwritten). */
function replaceKernel(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName)
  tf.registerKernel(config)
}
