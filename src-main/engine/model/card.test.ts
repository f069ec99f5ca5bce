import { expect, it } from 'vitest'
import { EngineError } from '../../common/errors'
import { buildCard, parseCard, RESEARCH_USE } from './card'

it("fills the paper's architecture, its 7,846,081 parameters, FLAIR input and the research-use line", () => {
  const card = buildCard({ name: 'paper-unet', createdAt: new Date('2025-01-02T03:04:05Z') })
  expect(card).toEqual({
    name: 'paper-unet',
    architecture: { baseFilters: 32, depth: 4, upsampling: 'upsample', dropout: 0.2, parameters: 7_846_081, inputChannels: 1 },
    createdAt: '2025-01-02T03:04:05.000Z',
    intendedUse: RESEARCH_USE,
    normalization: 'slice',
  })
  expect(buildCard({ name: 'tiny', architecture: { baseFilters: 4, depth: 2 } }).architecture.parameters).toBe(7_465)
})

it('round-trips through parseCard with training and metrics', () => {
  const card = buildCard({
    name: 'm',
    normalization: 'volume',
    metrics: { meanSoftDiceFull: 0.87, meanSoftDiceTiled: null },
    training: {
      data: { cohort: '/data', trainCases: ['a'], valCases: ['b'] },
      recipe: { lr: 1e-4, batch: 128 },
      epochs: 15,
      seconds: 3600,
      backend: 'tfjs-wasm',
      command: 'tilelab train /data',
    },
  })
  expect(parseCard(JSON.parse(JSON.stringify(card)), 'card.json')).toEqual(card)
})

it('names the file and the field of an invalid card', () => {
  const card = buildCard({ name: 'm' }) as unknown as Record<string, unknown>
  expect(() => parseCard({ ...card, normalization: 'zscore' }, '/m/card.json')).toThrow(/^\/m\/card\.json: invalid model card: normalization: /)
  expect(() => parseCard({ ...card, architecture: { ...(card.architecture as object), parameters: 5 } }, '/m/card.json')).toThrow(
    '/m/card.json: architecture.parameters is 5, but this architecture has 7846081',
  )
  expect(() => buildCard({ name: ' ' })).toThrow(EngineError)
  expect(() => buildCard({ name: 'x', architecture: { depth: 9 } })).toThrow(/depth must be an integer in 1\.\.6, got 9/)
})
