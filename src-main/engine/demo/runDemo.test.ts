import { cp, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTempDir } from '../../../test/helpers/niftiFixtures'
import { writeSyntheticStudy } from '../../../test/helpers/syntheticStudies'
import { notTrainedOn } from './runDemo'

let root: string
let cleanup: () => Promise<void>
let model: string

beforeAll(async () => {
  ;({ dir: root, cleanup } = await makeTempDir('tilelab-demo-'))
  for (const [group, name] of [['a', 'P1'], ['a', 'P2'], ['b', 'P3']] as const)
    await writeSyntheticStudy(join(root, 'cohort', group), name, { dims: [16, 16, 2] })
  // The shipped model's card, with its training cases renamed to this cohort's: trained on a/P1 and b/P3.
  model = join(root, 'model')
  await mkdir(model)
  const card = JSON.parse(await readFile(join(__dirname, '../../../models/default/card.json'), 'utf8'))
  card.training.data.trainCases = ['a/P1', 'b/P3']
  await writeFile(join(model, 'card.json'), JSON.stringify(card))
})
afterAll(() => cleanup())

describe('notTrainedOn', () => {
  it('keeps the studies the card does not list, as ids relative to the cohort, whatever folder the cohort starts at', async () => {
    const log: string[] = []
    expect(await notTrainedOn(join(root, 'cohort'), model, (l) => log.push(l))).toEqual(['a/P2'])
    expect(log).toEqual(['2 of 3 studies were used to train this model and are left out.'])
    // The same cases seen from a sub-folder of the training cohort.
    expect(await notTrainedOn(join(root, 'cohort', 'a'), model, () => undefined)).toEqual(['P2'])
  })

  it('refuses a cohort whose every study was used for training', async () => {
    await cp(join(root, 'cohort', 'b'), join(root, 'only-trained'), { recursive: true })
    await expect(notTrainedOn(join(root, 'only-trained'), model, () => undefined)).rejects.toThrow(/every study was used to train/)
  })
})
