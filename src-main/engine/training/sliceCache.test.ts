import { utimes } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTempDir } from '../../../test/helpers/niftiFixtures'
import { writeTinyCohort } from '../../../test/helpers/tinyCohort'
import { findStudies } from '../io/cohort'
import type { StudyFiles } from '../io/discovery'
import { loadStudy } from '../io/study'
import { normalizeVolume } from '../preprocess/zscore'
import { openSliceCache, type CacheInput } from './sliceCache'

let tmp: { dir: string; cleanup: () => Promise<void> }
let inputs: CacheInput[]

beforeAll(async () => {
  tmp = await makeTempDir('tilelab-cache-')
  await writeTinyCohort(join(tmp.dir, 'cohort'), { cases: 3, dims: [32, 24, 6] })
  const cohort = await findStudies(join(tmp.dir, 'cohort'))
  inputs = cohort.studies.map((files) => ({ key: files.name, files }))
})
afterAll(() => tmp.cleanup())

function countingLoader() {
  const loader = async (f: StudyFiles) => {
    loader.calls++
    return loadStudy(f.path, { image: f.imagePath, label: f.labelPath })
  }
  loader.calls = 0
  return loader
}

describe('openSliceCache', () => {
  it('decodes each study once; a second open reuses the disk cache without decoding NIfTI', async () => {
    const cacheDir = join(tmp.dir, 'cache1')
    const first = countingLoader()
    const a = await openSliceCache(inputs, { cacheDir, cacheMb: 64, normalization: 'slice', loadStudy: first })
    expect(first.calls).toBe(3)
    expect(a.decodedStudies).toBe(3)
    expect(a.mode).toBe('memory')
    const second = countingLoader()
    const b = await openSliceCache(inputs, { cacheDir, cacheMb: 64, normalization: 'slice', loadStudy: second })
    expect(second.calls).toBe(0)
    expect(b.decodedStudies).toBe(0)
    // a different normalisation is another entry
    const third = countingLoader()
    await openSliceCache(inputs, { cacheDir, cacheMb: 64, normalization: 'volume', loadStudy: third })
    expect(third.calls).toBe(3)
  })

  it('holds the z-scored slices and whole-tumour masks, identical in memory and disk modes', async () => {
    const cacheDir = join(tmp.dir, 'cache2')
    const mem = await openSliceCache(inputs, { cacheDir, cacheMb: 64, normalization: 'slice' })
    const disk = await openSliceCache(inputs, { cacheDir, cacheMb: 0, normalization: 'slice' })
    expect(disk.mode).toBe('disk')
    const study = await loadStudy(inputs[1].files.path)
    const z = normalizeVolume(study.image, 'slice')
    const plane = 32 * 24
    for (const store of [mem, disk]) {
      const rows = await store.readRows(1, 3, 5, 4)
      expect(rows.image).toEqual(z.subarray(3 * plane + 5 * 32, 3 * plane + 9 * 32))
      expect([...rows.mask]).toEqual([...study.wholeTumor!.subarray(3 * plane + 5 * 32, 3 * plane + 9 * 32)])
      expect(store.studies[1].tumorPixelsPerSlice).toEqual(study.tumorPixelsPerSlice)
    }
    await disk.close()
    await expect(mem.readRows(0, 6, 0, 1)).rejects.toThrow(/outside/)
  })

  it('re-decodes a study whose file changed (mtime), and bounds memory-only caches', async () => {
    const cacheDir = join(tmp.dir, 'cache3')
    await openSliceCache(inputs, { cacheDir, cacheMb: 64, normalization: 'slice' })
    const later = new Date(Date.now() + 60_000)
    await utimes(inputs[0].files.imagePath, later, later)
    const loader = countingLoader()
    await openSliceCache(inputs, { cacheDir, cacheMb: 64, normalization: 'slice', loadStudy: loader })
    expect(loader.calls).toBe(1)
    await expect(openSliceCache(inputs, { cacheDir: null, cacheMb: 0.01, normalization: 'slice' })).rejects.toThrow(
      /--cache-mb/,
    )
    const memOnly = await openSliceCache(inputs, { cacheDir: null, cacheMb: 64, normalization: 'slice' })
    expect(memOnly.mode).toBe('memory')
    expect(memOnly.studies[0].dir).toBeNull()
  })
})
