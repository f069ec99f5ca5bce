/**
 * Floating-point operations of one forward pass of the U-Net (unet.ts) on an input of H × W pixels.
 *
 * Counted: every convolution as 2 FLOPs (a multiply and an add) per multiply-accumulate,
 *   conv FLOPs = 2 · k² · C_in · C_out · H_out · W_out,
 * with the feature map of level l being (H / 2^l) × (W / 2^l):
 * - encoder level l (0 … depth): 3×3 convs C_in → F_l and F_l → F_l, F_l = base · 2^l, C_in = 1 at level 0;
 * - decoder level l (depth−1 … 0): for 'transpose' a 2×2 stride-2 transposed conv F_{l+1} → F_l (each input pixel
 *   writes a 2×2 block: 2 · 4 · F_{l+1} · F_l per input pixel); then 3×3 convs (up + F_l) → F_l and F_l → F_l,
 *   up = F_{l+1} for nearest up-sampling, F_l after a transposed conv;
 * - head: 1×1 conv F_0 → 1.
 * Not counted (under 0.5 % together): bias adds, ReLU/sigmoid, max-pooling, up-sampling copies, concatenation,
 * dropout (inactive at inference).
 *
 * Every term is a constant times H·W, so for this fully convolutional net the FLOPs are proportional to the
 * (padded) input area: flops(H, W) = flopsPerPixel · H · W. The paper's model (base 32, depth 4, up-sampling):
 * 24.46 GFLOP for a 240×240 slice and 6.96 GFLOP for a 128×128 tile (≈ 0.284 of the slice); its 9 tiles per slice
 * cost 62.7 GFLOP, 2.56× the whole image.
 *
 * @source paper-spec §2 (architecture); standard conv cost (e.g. Molchanov et al. 2017, "Pruning CNNs for
 *   resource efficient inference", FLOPs = 2·HWC_in·K²·C_out).
 */
import { EngineError } from '../../common/errors'
import type { UnetConfig } from '../../common/types'
import { PAPER_UNET } from '../../common/types'
import { validateUnetConfig } from './unet'

/**
 * FLOPs per input pixel: the U-Net's conv FLOPs for an H × W input divided by H·W (exact for H, W multiples of
 * 2^depth).
 * @param config Architecture (defaults: the paper's).
 */
export function unetFlopsPerPixel(config: Partial<UnetConfig> = {}): number {
  const cfg: UnetConfig = { ...PAPER_UNET, ...config }
  validateUnetConfig(cfg)
  const f = (l: number): number => cfg.baseFilters * 2 ** l
  const area = (l: number): number => 1 / 4 ** l // level-l pixels per input pixel
  const conv = (k: number, cin: number, cout: number, l: number): number => 2 * k * k * cin * cout * area(l)
  let total = 0
  for (let l = 0; l <= cfg.depth; l++) total += conv(3, l === 0 ? 1 : f(l - 1), f(l), l) + conv(3, f(l), f(l), l)
  for (let l = cfg.depth - 1; l >= 0; l--) {
    let up = f(l + 1)
    if (cfg.upsampling === 'transpose') {
      total += 2 * 4 * f(l + 1) * f(l) * area(l + 1)
      up = f(l)
    }
    total += conv(3, up + f(l), f(l), l) + conv(3, f(l), f(l), l)
  }
  return total + conv(1, f(0), 1, 0)
}

/**
 * Conv FLOPs of one forward pass on an H × W input.
 * @param height Input rows (after padding to a multiple of 2^depth).
 * @param width  Input columns (likewise).
 * @throws EngineError E_ARGS when H or W is not a positive multiple of 2^depth.
 */
export function unetFlops(config: Partial<UnetConfig>, height: number, width: number): number {
  const cfg: UnetConfig = { ...PAPER_UNET, ...config }
  const multiple = 2 ** cfg.depth
  for (const [name, v] of [['height', height], ['width', width]] as const)
    if (!Number.isInteger(v) || v < multiple || v % multiple !== 0)
      throw new EngineError('E_ARGS', `unetFlops: ${name} must be a positive multiple of ${multiple}, received ${v}`)
  return unetFlopsPerPixel(cfg) * height * width
}
