/**
 * Turning bytes into Cornerstone volumes.
 *
 * FLAIR: the renderer fetches the NIfTI bytes itself (through the API client's resource URL), makes a blob: URL of
 * the uncompressed bytes and hands it to the official NIfTI loader, which gives proper per-slice metadata
 * (renderer-notes.md, route B). The bytes must be uncompressed first: the loader decides gzip from a `.gz` pathname,
 * which a blob: URL does not have. `createNiftiImageIdsAndCacheMetadata` never settles on a bad file, hence the timeout.
 *
 * Overlays (heatmaps): local uint8 volumes on the FLAIR's grid (route A), written slice by slice as predictions arrive.
 */
import { cache, volumeLoader, type Types } from '@cornerstonejs/core'
import { createNiftiImageIdsAndCacheMetadata } from '@cornerstonejs/nifti-volume-loader'

/** Rejects after `ms` with a message naming `what`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer after ${ms / 1000} s`)), ms)
    p.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e) => (clearTimeout(timer), reject(e)),
    )
  })
}

/** Gunzips when the bytes start with the gzip magic (1f 8b); NIfTI bytes otherwise come back as they are. */
export async function gunzipIfNeeded(bytes: ArrayBuffer): Promise<ArrayBuffer> {
  const head = new Uint8Array(bytes, 0, Math.min(2, bytes.byteLength))
  if (head[0] !== 0x1f || head[1] !== 0x8b) return bytes
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))
  return new Response(stream).arrayBuffer()
}

/**
 * Loads a FLAIR NIfTI into the Cornerstone cache as a streaming image volume.
 * @param bytes NIfTI-1 bytes (gzipped or not).
 * @param key Unique key of this load (the volume id is derived from it).
 * @throws Error when the loader cannot parse the file (timeout) or loading fails.
 */
export async function loadFlairVolume(bytes: ArrayBuffer, key: string): Promise<Types.IImageVolume> {
  const raw = await gunzipIfNeeded(bytes)
  const url = URL.createObjectURL(new Blob([raw], { type: 'application/octet-stream' }))
  try {
    const imageIds = await withTimeout(createNiftiImageIdsAndCacheMetadata({ url }), 60_000, 'FLAIR NIfTI header')
    const volumeId = `cornerstoneStreamingImageVolume:tilelab-flair-${key}`
    const volume = await volumeLoader.createAndCacheVolume(volumeId, { imageIds })
    await withTimeout(
      new Promise<void>((resolve) => (volume.load as unknown as (cb: () => void) => void)(() => resolve())),
      120_000,
      'FLAIR voxels',
    )
    return volume
  } finally {
    URL.revokeObjectURL(url)
  }
}

/**
 * A uint8 overlay volume on the grid of `reference`, sharing `data` (slice k = data.subarray(k·nx·ny, ...)):
 * writing into `data` and calling `markSliceModified` updates the texture of that slice only.
 */
export function createOverlayVolume(volumeId: string, reference: Types.IImageVolume, data: Uint8Array): Types.IImageVolume {
  if (cache.getVolume(volumeId)) cache.removeVolumeLoadObject(volumeId)
  return volumeLoader.createLocalVolume(volumeId, {
    metadata: reference.metadata,
    dimensions: reference.dimensions,
    spacing: reference.spacing,
    origin: reference.origin,
    direction: reference.direction,
    scalarData: data,
  } as unknown as Parameters<typeof volumeLoader.createLocalVolume>[1])
}

/** Tells Cornerstone that slice k of a volume changed (texture re-upload of that slice at the next render). */
export function markSliceModified(volume: Types.IImageVolume, k: number): void {
  const v = volume as unknown as {
    vtkOpenGLTexture?: { setUpdatedFrame?: (k: number) => void }
    voxelManager?: { invalidateCache?: () => void }
    imageData?: { modified: () => void }
  }
  v.vtkOpenGLTexture?.setUpdatedFrame?.(k)
  v.voxelManager?.invalidateCache?.()
  v.imageData?.modified()
}
