/**
 * Augmentation of training crops: left-right flip, up-down flip and rotation by a multiple of 90°, applied to the
 * image and its mask with one and the same transform so they stay aligned.
 *
 * Modes (the probabilities `tilelab train --help` states):
 * - 'dihedral' (TileLab's default): left-right flip with p 1/2, up-down flip with p 1/2, then a counter-clockwise
 *   rotation by k·90° with k uniform in {0, 1, 2, 3}. Every one of the 8 flips/rotations of a square is equally
 *   likely (1/8 each; the identity too). Each part can be switched off; a non-square image only rotates by
 *   0° or 180°.
 * - 'paper': what the authors' generator did (paper-spec §3): with p 1/2 enter a branch that flips left-right with
 *   p 1/2 (its other choice, the channel axis, is a no-op) and then rotates by 90° with p 1/2. Net: identity 0.625,
 *   left-right flip 0.125, rotation 0.125, flip + rotation 0.125; never an up-down flip.
 * - 'none'.
 *
 * Layout: images `[H, W]` row-major (row = j, column = i on the voxel grid). "Left-right" reverses the columns,
 * "up-down" the rows. Rotation follows numpy's `rot90(m, k)` on the (row, column) axes.
 *
 * @source paper-spec §3 (`get_batch` augmentation and its axis bug); numpy `flip`, `rot90`.
 */
import { EngineError } from '../../common/errors'
import { chance, randomInt, type RandomGenerator } from './random'

export type AugmentMode = 'dihedral' | 'paper' | 'none'

/** Which augmentations a run uses. */
export interface AugmentConfig {
  mode: AugmentMode
  /** 'dihedral' only: allow the left-right flip / up-down flip / 90° rotations. */
  flipLeftRight: boolean
  flipUpDown: boolean
  rotate90: boolean
}

export const DEFAULT_AUGMENT: AugmentConfig = { mode: 'dihedral', flipLeftRight: true, flipUpDown: true, rotate90: true }

/** One transform: flip columns, flip rows, then rotate counter-clockwise by k·90°. */
export interface Transform {
  flipLeftRight: boolean
  flipUpDown: boolean
  /** Quarter turns, 0..3 (numpy rot90's k). */
  k: number
}

export const IDENTITY: Transform = { flipLeftRight: false, flipUpDown: false, k: 0 }

/**
 * Draws a transform. Always makes the same number of draws for a given config, so the stream of later draws does
 * not depend on the outcome.
 *
 * @param square Whether the image is square; otherwise only k ∈ {0, 2} is drawn.
 */
export function drawTransform(rng: RandomGenerator, cfg: AugmentConfig, square = true): Transform {
  if (cfg.mode === 'none') return IDENTITY
  if (cfg.mode === 'paper') {
    const branch = chance(rng, 1, 2)
    const flip = chance(rng, 1, 2)
    const rot = chance(rng, 1, 2)
    return { flipLeftRight: branch && flip, flipUpDown: false, k: branch && rot && square ? 1 : 0 }
  }
  if (cfg.mode !== 'dihedral') throw new EngineError('E_ARGS', `augment: unknown mode ${JSON.stringify(cfg.mode)}`)
  const flipLeftRight = cfg.flipLeftRight && chance(rng, 1, 2)
  const flipUpDown = cfg.flipUpDown && chance(rng, 1, 2)
  let k = 0
  if (cfg.rotate90) k = square ? randomInt(rng, 0, 3) : 2 * randomInt(rng, 0, 1)
  return { flipLeftRight, flipUpDown, k }
}

/** Output shape [H', W'] of a transform applied to an [H, W] image. */
export function transformedShape(height: number, width: number, t: Transform): [number, number] {
  return t.k % 2 === 1 ? [width, height] : [height, width]
}

/**
 * Applies a transform to an `[H, W]` row-major array, writing `[H', W']` (transformedShape) into `out`.
 * `src` and `out` must not overlap. Works for float32 and uint8 arrays (image and mask alike; a uint8 mask can be
 * written straight into a float32 batch).
 *
 * out = rot90(flipud?(fliplr?(src)), k), numpy semantics.
 *
 * @throws EngineError E_SHAPE if src.length ≠ H·W or out is shorter than H·W.
 */
export function applyTransform<T extends Float32Array | Uint8Array>(
  src: Float32Array | Uint8Array,
  height: number,
  width: number,
  t: Transform,
  out: T,
  outOffset = 0,
): T {
  if (src.length !== height * width)
    throw new EngineError('E_SHAPE', `augment: source holds ${src.length} pixels, shape ${height}×${width}`)
  if (out.length - outOffset < height * width)
    throw new EngineError('E_SHAPE', `augment: output holds ${out.length - outOffset} pixels, need ${height * width}`)
  const [oh, ow] = transformedShape(height, width, t)
  // The source index is affine in (i, j): evaluate it at three points, then step through the output.
  const at = (i: number, j: number): number => sourceIndex(i, j, height, width, t)
  const base = at(0, 0)
  const di = at(1, 0) - base
  const dj = at(0, 1) - base
  for (let i = 0; i < oh; i++) {
    let s = base + i * di
    const row = outOffset + i * ow
    for (let j = 0; j < ow; j++, s += dj) out[row + j] = src[s]
  }
  return out
}

/** Index into the `[H, W]` source of output pixel (i, j): numpy rot90 (counter-clockwise) of the flipped image. */
function sourceIndex(i: number, j: number, height: number, width: number, t: Transform): number {
  const k = ((t.k % 4) + 4) % 4
  // (a, b): position in the flipped image before rotation
  const a = k === 0 ? i : k === 1 ? j : k === 2 ? height - 1 - i : height - 1 - j
  const b = k === 0 ? j : k === 1 ? width - 1 - i : k === 2 ? width - 1 - j : i
  const r = t.flipUpDown ? height - 1 - a : a
  const c = t.flipLeftRight ? width - 1 - b : b
  return r * width + c
}

/** True when the transform is the identity (nothing to copy). */
export function isIdentity(t: Transform): boolean {
  return !t.flipLeftRight && !t.flipUpDown && t.k % 4 === 0
}
