import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFile, writeFile } from 'node:fs/promises'
import { gzipSync } from 'fflate'
import { EngineError } from '../../common/errors'
import { readNifti, readNiftiHeader } from './niftiRead'
import { writeNifti } from './niftiWrite'
import {
  ALL_DATATYPES,
  BRATS_AFFINE,
  IDENTITY_AFFINE,
  gzip,
  makeTempDir,
  nifti1Bytes,
  nifti2Bytes,
  patchNifti1,
  put,
  sampleValues,
} from '../../../test/helpers/niftiFixtures'

let dir: string
let cleanup: () => Promise<void>
beforeAll(async () => ({ dir, cleanup } = await makeTempDir()))
afterAll(() => cleanup())

const DIMS: [number, number, number] = [2, 3, 4]

async function expectEngineError(p: Promise<unknown>, code: string, ...parts: (string | RegExp)[]): Promise<EngineError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(EngineError)
  const e = err as EngineError
  expect(e.code).toBe(code)
  for (const part of parts) expect(e.message).toMatch(part)
  return e
}

describe('readNifti: datatypes and byte order', () => {
  for (const datatype of ALL_DATATYPES) {
    for (const littleEndian of [true, false]) {
      it(`${datatype} ${littleEndian ? 'little' : 'big'}-endian, plain and gzipped`, async () => {
        const stored = sampleValues(datatype)
        const raw = nifti1Bytes(stored, { dims: DIMS, datatype, littleEndian })
        const expected = stored.map(Math.fround)
        for (const [name, bytes] of [
          [`${datatype}-${littleEndian}.nii`, raw],
          [`${datatype}-${littleEndian}.nii.gz`, gzip(raw)],
        ] as const) {
          const v = await readNifti(await put(dir, name, bytes))
          expect(v.datatype).toBe(datatype)
          expect(v.dims).toEqual(DIMS)
          expect(Array.from(v.data)).toEqual(expected)
        }
      })
    }
  }

  it('reads the voxel order i fastest', async () => {
    const values = Array.from({ length: 24 }, (_, n) => n)
    const v = await readNifti(await put(dir, 'order.nii', nifti1Bytes(values, { dims: DIMS, datatype: 'int16' })))
    const at = (i: number, j: number, k: number): number => v.data[i + 2 * (j + 3 * k)]
    expect(at(1, 0, 0)).toBe(1)
    expect(at(0, 1, 0)).toBe(2)
    expect(at(0, 0, 1)).toBe(6)
    expect(at(1, 2, 3)).toBe(23)
  })
})

describe('readNifti: gzip is decided by content, not by name', () => {
  const stored = sampleValues('int16')
  it('a gzipped file named .nii', async () => {
    const path = await put(dir, 'gz-named.nii', gzip(nifti1Bytes(stored, { dims: DIMS, datatype: 'int16' })))
    expect(Array.from((await readNifti(path)).data)).toEqual(stored)
    expect((await readNiftiHeader(path)).gzip).toBe(true)
  })
  it('a plain file named .nii.gz', async () => {
    const path = await put(dir, 'raw-named.nii.gz', nifti1Bytes(stored, { dims: DIMS, datatype: 'int16' }))
    expect(Array.from((await readNifti(path)).data)).toEqual(stored)
    expect((await readNiftiHeader(path)).gzip).toBe(false)
  })
})

describe('readNifti: scl_slope / scl_inter (NIfTI-1: scale when slope is finite and non-zero)', () => {
  const stored = [0, 1, 2, 3, -4, 5, 6, 7]
  const cases: { name: string; slope: number; inter: number; expected: (x: number) => number }[] = [
    { name: 'slope 0 (inter ignored)', slope: 0, inter: 5, expected: (x) => x },
    { name: 'slope NaN (inter ignored)', slope: NaN, inter: 5, expected: (x) => x },
    { name: 'slope 2', slope: 2, inter: 0, expected: (x) => 2 * x },
    { name: 'slope 2, inter 10', slope: 2, inter: 10, expected: (x) => 2 * x + 10 },
    { name: 'slope only (0.5)', slope: 0.5, inter: 0, expected: (x) => 0.5 * x },
    { name: 'intercept only (slope 1, inter -3)', slope: 1, inter: -3, expected: (x) => x - 3 },
  ]
  for (const c of cases) {
    for (const datatype of ['int16', 'float32'] as const) {
      it(`${c.name}, ${datatype}`, async () => {
        const bytes = patchNifti1(nifti1Bytes(stored, { dims: [2, 2, 2], datatype }), { sclSlope: c.slope, sclInter: c.inter })
        const v = await readNifti(await put(dir, `scl-${c.slope}-${c.inter}-${datatype}.nii.gz`, gzip(bytes)))
        expect(Array.from(v.data)).toEqual(stored.map((x) => Math.fround(c.expected(x))))
        expect(v.datatype).toBe(datatype)
      })
    }
  }

  it('refuses a valid slope with a non-finite intercept (as nibabel does)', async () => {
    const bytes = patchNifti1(nifti1Bytes(stored, { dims: [2, 2, 2], datatype: 'int16' }), { sclSlope: 2, sclInter: NaN })
    const path = await put(dir, 'scl-bad-inter.nii', bytes)
    await expectEngineError(readNifti(path), 'E_NIFTI', path, /scl_inter/)
  })

  it('the BraTS 2015 brain-mask quirk: int32 with slope 2^-32 and inter 0.5 reads as 0/1', async () => {
    const stored32 = [-2147483648, 2147483647, -2147483648, 2147483647, 2147483647, -2147483648, 0, -2147483648]
    const bytes = patchNifti1(nifti1Bytes(stored32, { dims: [2, 2, 2], datatype: 'int32' }), {
      sclSlope: 2 ** -32,
      sclInter: 0.5,
    })
    const v = await readNifti(await put(dir, 'brainmask.nii.gz', gzip(bytes)))
    expect(Array.from(v.data)).toEqual([0, 1, 0, 1, 1, 0, 0.5, 0])
  })

  it('round-trips scaled values through writeNifti', async () => {
    const values = [0, 10, 12, 14, 100, -20, 16, 18]
    const path = `${dir}/roundtrip.nii.gz`
    await writeNifti(path, values, { dims: [2, 2, 2], affine: BRATS_AFFINE, datatype: 'int16', gzip: true, sclSlope: 2, sclInter: 10 })
    expect(Array.from((await readNifti(path)).data)).toEqual(values)
  })
})

describe('readNifti: truncated, oversized, bombs, not NIfTI', () => {
  const values = Array.from({ length: 64 }, (_, n) => n)
  const full = nifti1Bytes(values, { dims: [4, 4, 4], datatype: 'float32' })

  it('a truncated plain file names promised and actual bytes', async () => {
    const path = await put(dir, 'trunc.nii', full.subarray(0, 352 + 100))
    await expectEngineError(readNifti(path), 'E_NIFTI', path, /truncated/, /promises 256 bytes/, /holds 100/)
  })

  it('a truncated gzip stream names promised and actual bytes', async () => {
    const path = await put(dir, 'trunc-content.nii.gz', gzip(full.subarray(0, 352 + 60)))
    await expectEngineError(readNifti(path), 'E_NIFTI', path, /truncated/, /promises 256 bytes/, /holds 60/)
  })

  it('a gzip file cut in the middle is an error naming the file', async () => {
    const big = nifti1Bytes(Array.from({ length: 4096 }, () => Math.random()), { dims: [16, 16, 16], datatype: 'float32' })
    const gz = gzip(big)
    const path = await put(dir, 'cut.nii.gz', gz.subarray(0, Math.floor(gz.length / 2)))
    await expectEngineError(readNifti(path), 'E_NIFTI', path, /truncated|corrupt gzip/)
  })

  it('a truncated header', async () => {
    const path = await put(dir, 'short-header.nii', full.subarray(0, 200))
    await expectEngineError(readNifti(path), 'E_NIFTI', path, /truncated header/)
  })

  it('rejects a header over the cap before reading voxels (E_TOO_LARGE, not truncation)', async () => {
    // 30000 × 30000 × 30000 int16: 5.4e13 bytes promised by a 352-byte file
    const header = patchNifti1(nifti1Bytes([0], { dims: [1, 1, 1], datatype: 'int16' }), { dim: [3, 30000, 30000, 30000, 1, 1, 1, 1] })
    for (const [name, bytes] of [['huge.nii', header], ['huge.nii.gz', gzip(header)]] as const) {
      const path = await put(dir, name, bytes)
      await expectEngineError(readNifti(path), 'E_TOO_LARGE', path, /30000×30000×30000/, /cap/)
      await expectEngineError(readNiftiHeader(path), 'E_TOO_LARGE', path)
    }
  })

  it('honours maxBytes and TILELAB_MAX_VOXEL_BYTES', async () => {
    const path = await put(dir, 'capped.nii', full)
    await expectEngineError(readNifti(path, { maxBytes: 255 }), 'E_TOO_LARGE', /256 bytes/, /cap of 255/)
    expect((await readNifti(path, { maxBytes: 256 })).data.length).toBe(64)
    process.env.TILELAB_MAX_VOXEL_BYTES = '100'
    try {
      await expectEngineError(readNifti(path), 'E_TOO_LARGE', /cap of 100/)
      process.env.TILELAB_MAX_VOXEL_BYTES = 'lots'
      await expectEngineError(readNifti(path), 'E_ARGS', /TILELAB_MAX_VOXEL_BYTES/)
    } finally {
      delete process.env.TILELAB_MAX_VOXEL_BYTES
    }
  })

  it('uint8 voxels are capped by their float32 size too', async () => {
    const path = await put(dir, 'u8cap.nii', nifti1Bytes(values, { dims: [4, 4, 4], datatype: 'uint8' }))
    await expectEngineError(readNifti(path, { maxBytes: 200 }), 'E_TOO_LARGE', /64 bytes stored/, /256 bytes to hold/)
  })

  // A gzip bomb: a ~1 MB .gz (a header + 64 gzip members of 16 MiB of zeros each) that inflates to 1 GiB.
  const zeros16MiB = gzipSync(new Uint8Array(16 * 1024 * 1024), { level: 9 })
  function bomb(header: Uint8Array): Uint8Array {
    const parts = [gzip(header), ...Array.from({ length: 64 }, () => zeros16MiB)]
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
    let at = 0
    for (const p of parts) {
      out.set(p, at)
      at += p.length
    }
    return out
  }

  it('a gzip bomb whose header promises a gigabyte is refused after the header', async () => {
    const header = nifti1Bytes([0], { dims: [1, 1, 1], datatype: 'uint8' })
    patchNifti1(header.subarray(0, 352), { dim: [3, 1024, 1024, 1024, 1, 1, 1, 1] })
    const path = await put(dir, 'bomb.nii.gz', bomb(header.subarray(0, 352)))
    const before = process.memoryUsage().arrayBuffers
    await expectEngineError(readNifti(path, { maxBytes: 64 * 1024 * 1024 }), 'E_TOO_LARGE', path, /1024×1024×1024/)
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024)
  })

  it('a gzip bomb behind a small honest header is not swallowed: inflation stops at the promised voxels', async () => {
    const stored = Array.from({ length: 8 }, (_, n) => n * 3)
    const path = await put(dir, 'bomb-small.nii.gz', bomb(nifti1Bytes(stored, { dims: [2, 2, 2], datatype: 'uint8' })))
    const before = process.memoryUsage().arrayBuffers
    const v = await readNifti(path)
    expect(Array.from(v.data)).toEqual(stored)
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024)
  })

  it('not a NIfTI file, plain or gzipped', async () => {
    const text = new TextEncoder().encode('hello, this is not an image '.repeat(40))
    for (const [name, bytes] of [['text.nii', text], ['text.nii.gz', gzip(text)], ['empty.nii', new Uint8Array(0)]] as const) {
      const path = await put(dir, name, bytes)
      await expectEngineError(readNifti(path), 'E_NIFTI', path, /not a NIfTI file/)
    }
  })

  it('a missing file is E_IO naming it', async () => {
    await expectEngineError(readNifti(`${dir}/nope.nii.gz`), 'E_IO', /nope\.nii\.gz/, /no such file/)
  })

  it('unsupported datatypes name the code', async () => {
    const bytes = patchNifti1(nifti1Bytes(values, { dims: [4, 4, 4], datatype: 'float32' }), { datatypeCode: 32 })
    const path = await put(dir, 'complex.nii', bytes)
    await expectEngineError(readNifti(path), 'E_NIFTI', path, /datatype code 32 \(complex64\)/)
  })
})

describe('readNifti: dims', () => {
  it('a 4D file with one volume is 3D', async () => {
    const stored = sampleValues('int16')
    const bytes = patchNifti1(nifti1Bytes(stored, { dims: DIMS, datatype: 'int16' }), { dim: [4, 2, 3, 4, 1, 1, 1, 1] })
    const v = await readNifti(await put(dir, '4d-one.nii.gz', gzip(bytes)))
    expect(v.dims).toEqual(DIMS)
    expect(Array.from(v.data)).toEqual(stored)
  })

  it('a 4D file with several volumes is a clear error', async () => {
    const bytes = patchNifti1(nifti1Bytes(sampleValues('int16'), { dims: DIMS, datatype: 'int16' }), { dim: [4, 2, 3, 2, 2, 1, 1, 1] })
    const path = await put(dir, '4d-two.nii', bytes)
    await expectEngineError(readNifti(path), 'E_NIFTI', path, /4D image 2×3×2×2 holds 2 volumes/)
  })

  it('dims beyond dim[0] are ignored; a 2D image has nz = 1', async () => {
    const bytes = patchNifti1(nifti1Bytes([1, 2, 3, 4, 5, 6], { dims: [2, 3, 1], datatype: 'uint8' }), { dim: [2, 2, 3, 7, 9, 1, 1, 1] })
    const v = await readNifti(await put(dir, '2d.nii', bytes))
    expect(v.dims).toEqual([2, 3, 1])
  })

  it('a non-positive dim is an error', async () => {
    const bytes = patchNifti1(nifti1Bytes([1, 2], { dims: [2, 1, 1], datatype: 'uint8' }), { dim: [3, 2, 0, 1, 1, 1, 1, 1] })
    const path = await put(dir, 'zero-dim.nii', bytes)
    await expectEngineError(readNifti(path), 'E_NIFTI', path, /dim\[2\] = 0/)
  })
})

describe('readNifti: vox_offset', () => {
  const stored = sampleValues('int16')
  it('skips a header extension (vox_offset 368)', async () => {
    const plain = nifti1Bytes(stored, { dims: DIMS, datatype: 'int16' })
    const bytes = new Uint8Array(plain.length + 16)
    bytes.set(plain.subarray(0, 352))
    bytes.set(plain.subarray(352), 368)
    bytes[348] = 1 // extension flag
    const view = new DataView(bytes.buffer)
    view.setInt32(352, 16, true) // esize
    view.setInt32(356, 6, true) // ecode: NIFTI_ECODE_COMMENT
    bytes.set(new TextEncoder().encode('comment!'), 360)
    patchNifti1(bytes, { voxOffset: 368 })
    for (const [name, b] of [['ext.nii', bytes], ['ext.nii.gz', gzip(bytes)]] as const) {
      expect(Array.from((await readNifti(await put(dir, name, b))).data)).toEqual(stored)
    }
  })

  it('vox_offset 0 in a single file means 352 (as nibabel reads it)', async () => {
    const bytes = patchNifti1(nifti1Bytes(stored, { dims: DIMS, datatype: 'int16' }), { voxOffset: 0 })
    expect(Array.from((await readNifti(await put(dir, 'off0.nii', bytes))).data)).toEqual(stored)
  })
})

describe('readNifti: affine (sform when sform_code > 0, else qform, else pixdim)', () => {
  const stored = new Array(24).fill(1)

  it('sform: the BraTS affine, orientation LPS', async () => {
    const v = await readNifti(await put(dir, 'sform.nii', nifti1Bytes(stored, { dims: DIMS })))
    expect(v.affine).toEqual(BRATS_AFFINE)
    expect(v.orientation).toBe('LPS')
    expect(v.spacingMm).toEqual([1, 1, 1])
  })

  it('qform only (sform_code 0): the quaternion is used and srow ignored', async () => {
    const bytes = patchNifti1(nifti1Bytes(stored, { dims: DIMS }), { sformCode: 0, srow: [[9, 9, 9, 9], [9, 9, 9, 9], [9, 9, 9, 9]] })
    const path = await put(dir, 'qform.nii', bytes)
    const v = await readNifti(path)
    expectAffineClose(v.affine, BRATS_AFFINE)
    expect(v.orientation).toBe('LPS')
    expect((await readNiftiHeader(path)).affineSource).toBe('qform')
  })

  it('sform wins over a qform with a higher code (nifti-reader-js alone would pick the qform)', async () => {
    const shifted = [[2, 0, 0, -10], [0, 3, 0, 20], [0, 0, 4, 30]]
    const bytes = patchNifti1(nifti1Bytes(stored, { dims: DIMS }), { qformCode: 2, sformCode: 1, srow: shifted })
    const v = await readNifti(await put(dir, 'sform-wins.nii', bytes))
    expect(v.affine).toEqual([...shifted, [0, 0, 0, 1]])
    expect(v.orientation).toBe('RAS')
  })

  it('a rotated, scaled qform (qfac −1) matches the affine it was written from', async () => {
    const c = Math.cos(0.3)
    const s = Math.sin(0.3)
    const affine: typeof BRATS_AFFINE = [
      [0.9 * c, -1.2 * s, 0, 5],
      [0.9 * s, 1.2 * c, 0, -7],
      [0, 0, -2.5, 11],
      [0, 0, 0, 1],
    ]
    const bytes = patchNifti1(nifti1Bytes(stored, { dims: DIMS, affine }), { sformCode: 0 })
    const v = await readNifti(await put(dir, 'qform-rot.nii', bytes))
    expectAffineClose(v.affine, affine)
    expect(v.spacingMm.map((x) => +x.toFixed(5))).toEqual([0.9, 1.2, 2.5])
  })

  it('neither form: pixdim scaling (NIfTI METHOD 1)', async () => {
    const affine: typeof BRATS_AFFINE = [
      [0.5, 0, 0, 0],
      [0, 2, 0, 0],
      [0, 0, 3, 0],
      [0, 0, 0, 1],
    ]
    const bytes = patchNifti1(nifti1Bytes(stored, { dims: DIMS, affine }), { sformCode: 0, qformCode: 0 })
    const v = await readNifti(await put(dir, 'pixdim.nii', bytes))
    expect(v.affine).toEqual(affine)
    expect(v.orientation).toBe('RAS')
  })
})

describe('readNifti: NIfTI-2', () => {
  for (const datatype of ALL_DATATYPES) {
    for (const littleEndian of [true, false]) {
      it(`${datatype} ${littleEndian ? 'little' : 'big'}-endian`, async () => {
        const stored = sampleValues(datatype)
        const bytes = nifti2Bytes(stored, { dims: DIMS, datatype, littleEndian })
        const path = await put(dir, `n2-${datatype}-${littleEndian}.nii.gz`, gzip(bytes))
        const v = await readNifti(path)
        expect(Array.from(v.data)).toEqual(stored.map(Math.fround))
        expect(v.affine).toEqual(BRATS_AFFINE)
        expect(v.orientation).toBe('LPS')
        const h = await readNiftiHeader(path)
        expect(h.version).toBe(2)
        expect(h.littleEndian).toBe(littleEndian)
      })
    }
  }

  it('qform only, scaling, 4D with one volume, plain file', async () => {
    const stored = sampleValues('int16')
    const bytes = nifti2Bytes(stored, {
      dims: DIMS,
      datatype: 'int16',
      littleEndian: false,
      qformOnly: true,
      sclSlope: 2,
      sclInter: 1,
      extraDims: [1],
    })
    const v = await readNifti(await put(dir, 'n2-qform.nii', bytes))
    expect(v.dims).toEqual(DIMS)
    expectAffineClose(v.affine, BRATS_AFFINE)
    expect(Array.from(v.data)).toEqual(stored.map((x) => 2 * x + 1))
  })

  it('identity affine gives RAS', async () => {
    const v = await readNifti(
      await put(dir, 'n2-ras.nii', nifti2Bytes([1, 2, 3, 4, 5, 6, 7, 8], { dims: [2, 2, 2], datatype: 'uint8', littleEndian: true, affine: IDENTITY_AFFINE })),
    )
    expect(v.orientation).toBe('RAS')
  })
})

describe('readNiftiHeader', () => {
  it('reads the header of a large gzipped file without its voxels', async () => {
    const path = `${dir}/large.nii.gz`
    await writeNifti(path, new Float32Array(64 * 64 * 64), { dims: [64, 64, 64], affine: BRATS_AFFINE, datatype: 'float32', gzip: true })
    const h = await readNiftiHeader(path)
    expect(h).toMatchObject({ version: 1, dims: [64, 64, 64], datatype: 'float32', gzip: true, orientation: 'LPS', storedVoxelBytes: 64 ** 3 * 4 })
    // the file is intact: a full read agrees
    expect((await readNifti(path)).data.length).toBe(64 ** 3)
    expect((await readFile(path)).length).toBeGreaterThan(0)
  })

  it('refuses .hdr/.img pair headers', async () => {
    const bytes = nifti1Bytes([1], { dims: [1, 1, 1], datatype: 'uint8' })
    bytes.set([0x6e, 0x69, 0x31, 0], 344) // 'ni1\0'
    const path = `${dir}/pair.hdr`
    await writeFile(path, bytes)
    await expectEngineError(readNiftiHeader(path), 'E_NIFTI', /\.hdr\/\.img pair/)
  })
})

function expectAffineClose(actual: number[][], expected: number[][]): void {
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) expect(actual[r][c]).toBeCloseTo(expected[r][c], 5)
}
