/**
 * Reads NIfTI files with nibabel (Debian's python3-nibabel via /usr/bin/python3), as an independent check that
 * TileLab's outputs open in the tools researchers use. `nibabelUnavailable()` says why the check must be skipped.
 */
import { spawnSync } from 'node:child_process'

export const SYSTEM_PYTHON = '/usr/bin/python3'

/** null when `/usr/bin/python3 -c 'import nibabel'` works; otherwise the reason, for a skip message. */
export function nibabelUnavailable(): string | null {
  const r = spawnSync(SYSTEM_PYTHON, ['-c', 'import nibabel'], { encoding: 'utf8' })
  if (r.status === 0) return null
  const why = (r.stderr || String(r.error ?? '')).trim().split('\n').at(-1)
  return `nibabel is not importable by ${SYSTEM_PYTHON} (${why})`
}

export interface NibabelSummary {
  shape: number[]
  dtype: string
  /** im.affine (the sform when sform_code > 0). */
  affine: number[][]
  /** im.get_qform(): the affine ITK-based viewers (ITK-SNAP) derive from the quaternion. */
  qform: number[][]
  sformCode: number
  qformCode: number
  /** Σ voxels in float64. */
  sum: number
}

/** Shape, dtype, affines, codes and voxel sum of each file as nibabel reads them. @throws Error with nibabel's stderr. */
export function nibabelSummary(files: string[]): NibabelSummary[] {
  const script = [
    'import json, sys, nibabel as nib, numpy as np',
    'out = []',
    'for f in sys.argv[1:]:',
    '    im = nib.load(f)',
    '    x = np.asanyarray(im.dataobj)',
    "    out.append({'shape': list(im.shape), 'dtype': str(im.get_data_dtype()), 'affine': im.affine.tolist(),",
    "                'qform': im.get_qform().tolist(), 'sformCode': int(im.header['sform_code']),",
    "                'qformCode': int(im.header['qform_code']), 'sum': float(x.astype(np.float64).sum())})",
    'print(json.dumps(out))',
  ].join('\n')
  const r = spawnSync(SYSTEM_PYTHON, ['-c', script, ...files], { encoding: 'utf8', maxBuffer: 1 << 24 })
  if (r.status !== 0) throw new Error(`nibabel failed on ${files.join(', ')}: ${r.stderr}`)
  return JSON.parse(r.stdout) as NibabelSummary[]
}
