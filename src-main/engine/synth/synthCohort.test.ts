import { afterAll, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as nifti from 'nifti-reader-js'
import type { Dims3 } from '../../common/types'
import { writeSynthCohort } from './synthCohort'
import { renderSynthCase, synthGeometry } from './renderSynthCase'
import { sampleCaseParams } from './sampleCaseParams'
import { SYNTH_VERSION } from './synthParams'

// 2.5 mm voxels over the BraTS field of view keep this file fast; the full grid is tested in sampleStudy.test.ts.
const DIMS: Dims3 = [96, 96, 62]
const dirs: string[] = []
const tempDir = async (): Promise<string> => {
  const d = await mkdtemp(join(tmpdir(), 'tilelab-synth-'))
  dirs.push(d)
  return d
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

const sha = async (path: string): Promise<string> => createHash('sha256').update(await readFile(path)).digest('hex')
const file = (dir: string, id: string, kind: 'flair' | 'seg'): string => join(dir, id, `${id}_${kind}.nii.gz`)

/** Reads a .nii.gz with nifti-reader-js directly (independent of TileLab's own reader). */
async function readNifti(path: string): Promise<{ header: nifti.NIFTI1; data: Int16Array | Uint8Array }> {
  const bytes = await readFile(path)
  let buf: ArrayBuffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
  expect(nifti.isCompressed(buf)).toBe(true)
  buf = nifti.decompress(buf) as ArrayBuffer
  expect(nifti.isNIFTI1(buf)).toBe(true)
  const header = nifti.readHeader(buf) as nifti.NIFTI1
  const image = nifti.readImage(header, buf)
  const data = header.datatypeCode === 4 ? new Int16Array(image) : new Uint8Array(image)
  return { header, data }
}

describe('writeSynthCohort', () => {
  it('writes the BraTS layout and cohort.json, deterministically, and case i does not depend on the run', async () => {
    const [a, b, c] = [await tempDir(), await tempDir(), await tempDir()]
    const events: string[] = []
    const summary = await writeSynthCohort({
      outDir: a, cases: 3, seed: 5, dims: DIMS, onProgress: (e) => e.phase === 'case' && events.push(e.caseId),
    })
    expect(events).toEqual(['SYNTH_0001', 'SYNTH_0002', 'SYNTH_0003'])
    expect((await readdir(a)).sort()).toEqual(['SYNTH_0001', 'SYNTH_0002', 'SYNTH_0003', 'cohort.json'])
    expect((await readdir(join(a, 'SYNTH_0002'))).sort()).toEqual(['SYNTH_0002_flair.nii.gz', 'SYNTH_0002_seg.nii.gz'])
    expect(summary.cases.map((s) => s.lesions.length).every((n) => n >= 1)).toBe(true)

    // the same cases, written separately and in another order, give the same bytes
    await writeSynthCohort({ outDir: b, cases: 1, seed: 5, firstCase: 2, dims: DIMS })
    await writeSynthCohort({ outDir: b, cases: 2, seed: 5, firstCase: 0, dims: DIMS })
    for (const id of ['SYNTH_0001', 'SYNTH_0002', 'SYNTH_0003'])
      for (const kind of ['flair', 'seg'] as const) expect(await sha(file(b, id, kind))).toBe(await sha(file(a, id, kind)))

    // another seed gives other images
    await writeSynthCohort({ outDir: c, cases: 1, seed: 6, dims: DIMS })
    expect(await sha(file(c, 'SYNTH_0001', 'flair'))).not.toBe(await sha(file(a, 'SYNTH_0001', 'flair')))

    // cohort.json: seed, version, and the lesions of every case written so far (merged across runs)
    const cohort = JSON.parse(await readFile(join(b, 'cohort.json'), 'utf8'))
    expect(cohort.seed).toBe(5)
    expect(cohort.version).toBe(SYNTH_VERSION)
    expect(cohort.dims).toEqual(DIMS)
    expect(cohort.cases.map((x: { caseId: string }) => x.caseId)).toEqual(['SYNTH_0001', 'SYNTH_0002', 'SYNTH_0003'])
    expect(cohort.cases[1].lesions).toEqual(sampleCaseParams(5, 1).lesions)
    expect(cohort.cases[1].labelVoxels['2']).toBe(summary.cases[1].labelVoxels['2'])
  })

  it('reads back with nifti-reader-js: dims, datatypes, affine, codes and the rendered voxels', async () => {
    const dir = await tempDir()
    await writeSynthCohort({ outDir: dir, cases: 1, seed: 9, dims: DIMS })
    const expected = renderSynthCase(sampleCaseParams(9, 0), { dims: DIMS })
    const geometry = synthGeometry(DIMS)
    const flair = await readNifti(file(dir, 'SYNTH_0001', 'flair'))
    const seg = await readNifti(file(dir, 'SYNTH_0001', 'seg'))
    for (const [{ header }, code, bits] of [[flair, 4, 16], [seg, 2, 8]] as const) {
      expect(header.dims.slice(0, 4)).toEqual([3, ...DIMS])
      expect(header.datatypeCode).toBe(code)
      expect(header.numBitsPerVoxel).toBe(bits)
      expect(header.qform_code).toBe(1)
      expect(header.sform_code).toBe(1)
      expect(header.littleEndian).toBe(true)
      header.affine.forEach((row, r) => row.forEach((v, col) => expect(v).toBeCloseTo(geometry.affine[r][col], 5)))
      header.pixDims.slice(1, 4).forEach((v, a) => expect(v).toBeCloseTo(geometry.spacingMm[a], 5))
    }
    expect(Buffer.from(flair.data.buffer).equals(Buffer.from(expected.flair.buffer))).toBe(true)
    expect(Buffer.from(seg.data.buffer).equals(Buffer.from(expected.seg.buffer))).toBe(true)
    expect(new Set(seg.data)).toEqual(new Set([...new Set(seg.data)].filter((v) => [0, 1, 2, 4].includes(v))))
  })

  it('rejects bad counts and case ranges before writing', async () => {
    const dir = await tempDir()
    await expect(writeSynthCohort({ outDir: dir, cases: 0 })).rejects.toThrow(/cases/)
    await expect(writeSynthCohort({ outDir: dir, cases: 2, firstCase: 9998 })).rejects.toThrow(/case indices/)
    expect(await readdir(dir)).toEqual([])
  })
})
