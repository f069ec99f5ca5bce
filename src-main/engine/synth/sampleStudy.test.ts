import { afterAll, describe, expect, it } from 'vitest'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as nifti from 'nifti-reader-js'
import { ensureSampleStudy, isSampleStudyCurrent, SAMPLE_STUDY_SEED } from './sampleStudy'
import { SYNTH_VERSION } from './synthParams'

const dirs: string[] = []
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

async function readNifti(path: string): Promise<{ header: nifti.NIFTI1; data: ArrayBuffer }> {
  const bytes = await readFile(path)
  const buf = nifti.decompress(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer) as ArrayBuffer
  const header = nifti.readHeader(buf) as nifti.NIFTI1
  return { header, data: nifti.readImage(header, buf) }
}

describe('ensureSampleStudy', () => {
  it('generates a full-size BraTS study once, reuses it, and detects a stale or partial one', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'tilelab-sample-'))
    dirs.push(cache)
    const study = await ensureSampleStudy(cache)
    expect(study).toBe(join(cache, 'synth-sample', 'SYNTH_0001'))
    const flairPath = join(study, 'SYNTH_0001_flair.nii.gz')
    const segPath = join(study, 'SYNTH_0001_seg.nii.gz')

    // the BraTS grid and header, read with nifti-reader-js
    const flair = await readNifti(flairPath)
    const seg = await readNifti(segPath)
    for (const { header } of [flair, seg]) {
      expect(header.dims.slice(0, 4)).toEqual([3, 240, 240, 155])
      expect(header.pixDims.slice(1, 4)).toEqual([1, 1, 1])
      expect(header.affine).toEqual([[-1, 0, 0, 0], [0, -1, 0, 239], [0, 0, 1, 0], [0, 0, 0, 1]])
      expect([header.qform_code, header.sform_code]).toEqual([1, 1])
      expect([header.quatern_b, header.quatern_c, header.quatern_d]).toEqual([0, 0, 1])
      expect([header.qoffset_x, header.qoffset_y, header.qoffset_z]).toEqual([0, 239, 0])
    }
    expect(flair.header.datatypeCode).toBe(4) // int16
    expect(seg.header.datatypeCode).toBe(2) // uint8
    const f = new Int16Array(flair.data), s = new Uint8Array(seg.data)
    expect(f.length).toBe(240 * 240 * 155)
    let brain = 0, max = 0, tumour = 0
    for (let n = 0; n < f.length; n++) {
      if (f[n] < 0) throw new Error(`negative FLAIR at ${n}`)
      if (f[n] > 0) brain++
      max = Math.max(max, f[n])
      if (s[n] > 0) tumour++
    }
    expect(brain / 1000).toBeGreaterThan(900) // mL of brain (1 mm voxels)
    expect(brain / 1000).toBeLessThan(1900)
    expect(max).toBeLessThan(32767)
    expect(tumour).toBeGreaterThan(1000)
    expect(new Set(s).size).toBeGreaterThan(1)
    expect([...new Set(s)].every((v) => [0, 1, 2, 4].includes(v))).toBe(true)

    const stampPath = join(cache, 'synth-sample', 'sample.json')
    expect(JSON.parse(await readFile(stampPath, 'utf8'))).toMatchObject({ version: SYNTH_VERSION, seed: SAMPLE_STUDY_SEED })

    // present and current: reused as is
    const before = (await stat(flairPath)).mtimeMs
    expect(await ensureSampleStudy(cache)).toBe(study)
    expect((await stat(flairPath)).mtimeMs).toBe(before)

    // another generator version, or a missing file, makes it stale (ensureSampleStudy then writes a fresh copy
    // through the same temporary-folder-and-rename path as the first time)
    expect(await isSampleStudyCurrent(cache)).toBe(true)
    const stamp = await readFile(stampPath, 'utf8')
    await writeFile(stampPath, JSON.stringify({ ...JSON.parse(stamp), version: SYNTH_VERSION - 1 }))
    expect(await isSampleStudyCurrent(cache)).toBe(false)
    await writeFile(stampPath, stamp)
    expect(await isSampleStudyCurrent(cache)).toBe(true)
    await rm(segPath)
    expect(await isSampleStudyCurrent(cache)).toBe(false)
    expect(await isSampleStudyCurrent(join(cache, 'nowhere'))).toBe(false)
  })
})
