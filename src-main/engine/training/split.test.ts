import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { patientIdOf, splitByPatient } from './split'

const items = Array.from({ length: 20 }, (_, i) => ({ key: `s${String(i).padStart(2, '0')}`, patientId: `p${Math.floor(i / 2)}` }))

describe('splitByPatient', () => {
  it('is deterministic in (ids, fraction, seed), independent of input order, and disjoint', () => {
    const a = splitByPatient(items, 0.2, 816)
    const b = splitByPatient([...items].reverse(), 0.2, 816)
    expect(a).toEqual(b)
    expect(a.valPatients.length).toBe(2)
    expect(a.trainPatients.length).toBe(8)
    expect(a.train.filter((k) => a.val.includes(k))).toEqual([])
    expect([...a.train, ...a.val].sort()).toEqual(items.map((i) => i.key))
    const c = splitByPatient(items, 0.2, 817)
    expect(c.valPatients).not.toEqual(a.valPatients)
  })

  it('keeps all studies of a patient on one side', () => {
    const s = splitByPatient(items, 0.3, 1)
    for (const p of s.valPatients) {
      const keys = items.filter((i) => i.patientId === p).map((i) => i.key)
      expect(keys.every((k) => s.val.includes(k))).toBe(true)
    }
  })

  it('holds out at least one patient when the fraction is > 0, none at 0, and refuses to leave no training patient', () => {
    expect(splitByPatient(items.slice(0, 4), 0.01, 1).valPatients.length).toBe(1)
    expect(splitByPatient(items, 0, 1).val).toEqual([])
    expect(() => splitByPatient(items.slice(0, 2), 0.5, 1)).toThrow(/1 patient\(s\)/)
    expect(() => splitByPatient(items, 1, 1)).toThrow(/\[0, 1\)/)
    expect(() => splitByPatient([items[0], items[0]], 0, 1)).toThrow(/twice/)
  })
})

describe('patientIdOf', () => {
  it("reads Subject_id from subject_id.txt, else uses the study name", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tilelab-split-'))
    try {
      await mkdir(join(dir, 'case_0'))
      await writeFile(join(dir, 'case_0', 'subject_id.txt'), 'Case_id: Brats18_X_1\nSubject_id: Brats18_CBICA_AOO_1\n')
      expect(await patientIdOf(join(dir, 'case_0'), 'case_0')).toBe('Brats18_CBICA_AOO_1')
      expect(await patientIdOf(join(dir, 'nothing'), 'BraTS2021_00006')).toBe('BraTS2021_00006')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
