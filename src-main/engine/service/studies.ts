/**
 * Open studies of the engine service: loaded once (loadStudy), kept in memory (a small LRU), z-scored lazily per
 * normalisation, and served as bytes to the renderer: the FLAIR as uncompressed NIfTI-1 carrying the engine's own
 * affine (so the viewer sees exactly the grid the engine predicts on), the labels as raw uint8 voxels.
 */
import { randomUUID } from 'node:crypto'
import { basename } from 'node:path'
import type { StudyInfo } from '../../common/api'
import { EngineError } from '../../common/errors'
import type { Normalization } from '../../common/types'
import { encodeNifti } from '../io/niftiWrite'
import { loadStudy, type Study } from '../io/study'
import { normalizeVolume } from '../preprocess/zscore'

/** One open study and what has been derived from it. */
export interface OpenStudy {
  id: string
  study: Study
  info: StudyInfo
  normalized: Partial<Record<Normalization, Float32Array>>
  imageBytes?: Uint8Array
}

/** Resource URL of an open study's FLAIR (uncompressed NIfTI-1). */
export const studyImageUrl = (id: string): string => `res/study/${id}/flair.nii`
/** Resource URL of an open study's labels (raw uint8, NIfTI voxel order). */
export const studyLabelUrl = (id: string): string => `res/study/${id}/labels.u8`

export class StudyRegistry {
  private readonly open = new Map<string, OpenStudy>()

  /** @param capacity Studies kept in memory; the least recently used is closed beyond it. */
  constructor(private readonly capacity = 3) {}

  /**
   * Loads a study folder or NIfTI file.
   * @throws EngineError from loadStudy (E_STUDY, E_NIFTI, E_LABEL, E_GEOMETRY, E_TOO_LARGE, E_IO).
   */
  async openStudy(path: string, overrides: { image?: string; label?: string | null } = {}): Promise<OpenStudy> {
    const study = await loadStudy(path, overrides)
    const id = `study-${randomUUID().slice(0, 8)}`
    const entry: OpenStudy = { id, study, info: describeStudy(id, study), normalized: {} }
    this.open.set(id, entry)
    while (this.open.size > this.capacity) this.open.delete(this.open.keys().next().value as string)
    return entry
  }

  /** @throws EngineError E_ARGS when the id names no open study. */
  get(id: string): OpenStudy {
    const entry = this.open.get(id)
    if (!entry) throw new EngineError('E_ARGS', `no open study with id '${id}' (closed, or evicted: open it again)`)
    this.open.delete(id)
    this.open.set(id, entry)
    return entry
  }

  close(id: string): void {
    this.open.delete(id)
  }

  /** The z-scored FLAIR of an open study, `[nz][ny][nx]` float32, computed once per normalisation. */
  normalized(entry: OpenStudy, mode: Normalization): Float32Array {
    return (entry.normalized[mode] ??= normalizeVolume(entry.study.image, mode))
  }

  /**
   * Bytes behind a `res/study/...` URL.
   * @throws EngineError E_IO when the URL names no open study or no such resource.
   */
  readResource(url: string): Uint8Array {
    const m = /^res\/study\/([^/]+)\/(flair\.nii|labels\.u8)$/.exec(url)
    const entry = m ? this.open.get(m[1]) : undefined
    if (!m || !entry) throw new EngineError('E_IO', `${url}: no such study resource`)
    if (m[2] === 'flair.nii') return (entry.imageBytes ??= encodeImage(entry.study))
    if (!entry.study.label) throw new EngineError('E_IO', `${url}: the study has no label`)
    return entry.study.label.data
  }
}

function encodeImage(study: Study): Uint8Array {
  const image = study.image
  const integer = !image.datatype.startsWith('float') && image.data.every(Number.isInteger)
  return encodeNifti(image.data, {
    dims: image.dims,
    spacingMm: image.spacingMm,
    affine: image.affine,
    datatype: integer && image.datatype !== 'uint32' && image.datatype !== 'int32' ? image.datatype : 'float32',
    gzip: false,
    description: `TileLab: ${basename(image.path)}`,
  })
}

/** The StudyInfo the API returns for a loaded study. */
export function describeStudy(id: string, study: Study): StudyInfo {
  const { image, label } = study
  return {
    studyId: id,
    name: study.name,
    path: study.path,
    image: study.imagePath,
    label: study.labelPath,
    dims: image.dims,
    spacingMm: image.spacingMm,
    affine: image.affine,
    orientation: image.orientation,
    datatype: image.datatype,
    labelValues: label?.labelValues ?? [],
    wholeTumorVoxels: study.tumorPixelsPerSlice.reduce((a, b) => a + b, 0),
    maxTumorSlice: study.maxTumorSlice,
    tumorPixelsPerSlice: study.tumorPixelsPerSlice,
    intensity: intensityRange(image.data),
    imageUrl: studyImageUrl(id),
    labelUrl: label ? studyLabelUrl(id) : null,
  }
}

/** Min, max and the 1st/99th percentiles of the non-background voxels (a 64k-voxel stride sample). */
export function intensityRange(data: Float32Array): StudyInfo['intensity'] {
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < data.length; i++) {
    const v = data[i]
    if (v < min) min = v
    if (v > max) max = v
  }
  const step = Math.max(1, Math.floor(data.length / 65536))
  const sample: number[] = []
  for (let i = 0; i < data.length; i += step) if (data[i] !== min) sample.push(data[i])
  sample.sort((a, b) => a - b)
  const q = (p: number): number => (sample.length ? sample[Math.min(sample.length - 1, Math.floor(p * sample.length))] : min)
  return { min, max, p01: q(0.01), p99: q(0.99) }
}
