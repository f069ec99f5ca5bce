/**
 * Small RGBA raster operations for the report's slice panels: grayscale from a window, colormap overlays with
 * alpha, label outlines, thin dashed lines, nearest-neighbour upscaling, side-by-side composition, PNG encoding
 * (pngjs). Images are `[height, width]` row-major, 4 bytes per pixel (RGBA, straight alpha; the panels are opaque).
 *
 * @source pngjs (PNG.sync.write); "over" compositing (Porter & Duff 1984) with straight alpha.
 */
import { PNG } from 'pngjs'
import type { Colormap } from '../../common/colormaps'

export interface RgbaImage {
  width: number
  height: number
  /** width·height·4 bytes. */
  data: Uint8Array
}

/** A new opaque image filled with one colour. */
export function solidImage(width: number, height: number, rgb: readonly [number, number, number]): RgbaImage {
  const data = new Uint8Array(width * height * 4)
  new Uint32Array(data.buffer).fill(packRgba(rgb[0], rgb[1], rgb[2], 255))
  return { width, height, data }
}

/** One RGBA pixel as the uint32 whose bytes, in this platform's order, are r, g, b, a. */
function packRgba(r: number, g: number, b: number, a: number): number {
  return new Uint32Array(new Uint8Array([r, g, b, a]).buffer)[0]
}

/**
 * Grayscale image of a slice through a window: lo → black, hi → white, linear between, clamped.
 * @param values `[height, width]` intensities.
 * @param brightness Multiplier of the gray level (1 = plain; < 1 dims the anatomy under an overlay).
 */
export function grayImage(
  values: ArrayLike<number>,
  width: number,
  height: number,
  window: [number, number],
  brightness = 1,
): RgbaImage {
  const [lo, hi] = window
  const scale = hi > lo ? 255 / (hi - lo) : 0
  const data = new Uint8Array(width * height * 4)
  for (let i = 0; i < width * height; i++) {
    const v = values[i]
    const g = Math.round(Math.max(0, Math.min(255, (v - lo) * scale)) * brightness)
    const o = i * 4
    data[o] = data[o + 1] = data[o + 2] = g
    data[o + 3] = 255
  }
  return { width, height, data }
}

/** Blends a colormapped scalar field over an image in place, with the colormap's alpha ramp. */
export function overlayColormap(image: RgbaImage, values: ArrayLike<number>, colormap: Colormap): RgbaImage {
  const [lo, hi] = colormap.domain
  const lut = colormap.lut
  const d = image.data
  for (let i = 0; i < image.width * image.height; i++) {
    const v = values[i]
    const t = v === v ? (v - lo) / (hi - lo) : 0
    const k = Math.max(0, Math.min(255, Math.round(t * 255))) * 4
    const a = lut[k + 3] / 255
    if (a === 0) continue
    const o = i * 4
    d[o] = Math.round(d[o] * (1 - a) + lut[k] * a)
    d[o + 1] = Math.round(d[o + 1] * (1 - a) + lut[k + 1] * a)
    d[o + 2] = Math.round(d[o + 2] * (1 - a) + lut[k + 2] * a)
  }
  return image
}

/** Tints the pixels where `mask` is non-zero with `rgb` at opacity `alpha`, in place. */
export function fillMask(image: RgbaImage, mask: ArrayLike<number>, rgb: [number, number, number], alpha: number): RgbaImage {
  const d = image.data
  for (let i = 0; i < image.width * image.height; i++) {
    if (!(mask[i] > 0)) continue
    const o = i * 4
    for (let c = 0; c < 3; c++) d[o + c] = Math.round(d[o + c] * (1 - alpha) + rgb[c] * alpha)
  }
  return image
}

/**
 * Draws the boundary of a mask (mask pixels with a 4-neighbour outside the mask or on the image border), in place.
 */
export function outlineMask(image: RgbaImage, mask: ArrayLike<number>, rgb: [number, number, number]): RgbaImage {
  const { width: w, height: h, data: d } = image
  const inside = (r: number, c: number): boolean => r >= 0 && r < h && c >= 0 && c < w && mask[r * w + c] > 0
  for (let r = 0; r < h; r++)
    for (let c = 0; c < w; c++) {
      if (!inside(r, c)) continue
      if (inside(r - 1, c) && inside(r + 1, c) && inside(r, c - 1) && inside(r, c + 1)) continue
      d.set(rgb, (r * w + c) * 4)
    }
  return image
}

/** Upscales by an integer factor (nearest neighbour): crisp pixels for small slices. */
export function upscale(image: RgbaImage, factor: number): RgbaImage {
  if (factor === 1) return image
  const width = image.width * factor
  const height = image.height * factor
  const data = new Uint8Array(width * height * 4)
  // Pixels as uint32 words: one word per copy instead of four bytes.
  const bytes = image.data.byteOffset % 4 === 0 ? image.data : image.data.slice()
  const src = new Uint32Array(bytes.buffer, bytes.byteOffset, image.width * image.height)
  const dst = new Uint32Array(data.buffer)
  for (let sr = 0; sr < image.height; sr++) {
    const row = sr * factor * width
    for (let c = 0; c < width; c++) dst[row + c] = src[sr * image.width + Math.floor(c / factor)]
    for (let k = 1; k < factor; k++) dst.copyWithin(row + k * width, row, row + width)
  }
  return { width, height, data }
}

/** Places images left to right with `gap` pixels of `background` between them (heights may differ). */
export function sideBySide(images: RgbaImage[], gap: number, background: [number, number, number]): RgbaImage {
  const height = Math.max(...images.map((i) => i.height))
  const width = images.reduce((s, i) => s + i.width, 0) + gap * (images.length - 1)
  const out = solidImage(width, height, background)
  let x0 = 0
  for (const img of images) {
    for (let r = 0; r < img.height; r++)
      out.data.set(img.data.subarray(r * img.width * 4, (r + 1) * img.width * 4), (r * width + x0) * 4)
    x0 += img.width + gap
  }
  return out
}

/** PNG bytes of an image (8-bit RGBA, Paeth filter, deflate level 6 — about 4× faster than pngjs's adaptive default at
 * the same size; deterministic: the same pixels give the same bytes). */
export function encodePng(image: RgbaImage): Uint8Array {
  const png = new PNG({ width: image.width, height: image.height })
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength)
  return new Uint8Array(PNG.sync.write(png, { colorType: 6, deflateLevel: 6, filterType: 4 }))
}
