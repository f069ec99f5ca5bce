/**
 * Model cards: the `card.json` stored beside every model's `model.json` (ModelCard in common/types.ts): what the
 * model is (architecture, parameters), what it was trained on and how, its metrics, and what it is for.
 *
 * @source Mitchell et al., "Model Cards for Model Reporting" (FAT* 2019), reduced to what TileLab records.
 */
import { z } from 'zod'
import { EngineError } from '../../common/errors'
import type { ModelCard, Normalization, UnetConfig } from '../../common/types'
import { PAPER_UNET } from '../../common/types'
import { unetParameterCount, validateUnetConfig } from './unet'

/** Intended-use line of every model trained on BraTS-like data. */
export const RESEARCH_USE =
  'Research use only: a reproduction of Reina & Panchumarthy (BrainLes 2018) for studying tiled inference; not a medical device, not for diagnosis or treatment.'

export interface BuildCardArgs {
  name: string
  architecture?: Partial<UnetConfig>
  normalization?: Normalization
  intendedUse?: string
  training?: ModelCard['training']
  metrics?: ModelCard['metrics']
  /** Creation time; default now. */
  createdAt?: Date
}

/**
 * A complete card: architecture filled from the paper's defaults, its parameter count computed, one input
 * channel (FLAIR), ISO creation time, the research-use line unless another is given.
 * @throws EngineError E_ARGS for an invalid architecture or an empty name.
 */
export function buildCard(args: BuildCardArgs): ModelCard {
  if (!args.name.trim()) throw new EngineError('E_ARGS', 'model card: name must not be empty')
  const arch: UnetConfig = { ...PAPER_UNET, ...args.architecture }
  validateUnetConfig(arch)
  const card: ModelCard = {
    name: args.name,
    architecture: { ...arch, parameters: unetParameterCount(arch), inputChannels: 1 },
    createdAt: (args.createdAt ?? new Date()).toISOString(),
    intendedUse: args.intendedUse ?? RESEARCH_USE,
    normalization: args.normalization ?? 'slice',
  }
  if (args.training) card.training = args.training
  if (args.metrics) card.metrics = args.metrics
  return card
}

const cardSchema = z.object({
  name: z.string().min(1),
  architecture: z.object({
    baseFilters: z.number().int().min(1),
    depth: z.number().int().min(1).max(6),
    upsampling: z.enum(['upsample', 'transpose']),
    dropout: z.number().min(0).lt(1),
    parameters: z.number().int().min(1),
    inputChannels: z.literal(1),
  }),
  createdAt: z.string().min(1),
  intendedUse: z.string(),
  training: z
    .object({
      data: z.object({ cohort: z.string(), trainCases: z.array(z.string()), valCases: z.array(z.string()) }),
      recipe: z.record(z.string(), z.unknown()),
      epochs: z.number().int().min(0),
      seconds: z.number().min(0),
      backend: z.string(),
      command: z.string(),
    })
    .optional(),
  metrics: z.record(z.string(), z.number().nullable()).optional(),
  normalization: z.enum(['slice', 'volume']),
})

/**
 * Validates parsed card JSON.
 * @param file Path named in errors.
 * @throws EngineError E_MODEL naming the file and the first invalid field, or a parameter count that does not
 *   match the architecture.
 */
export function parseCard(json: unknown, file: string): ModelCard {
  const r = cardSchema.safeParse(json)
  if (!r.success) {
    const issue = r.error.issues[0]
    throw new EngineError('E_MODEL', `${file}: invalid model card: ${issue.path.join('.') || '(root)'}: ${issue.message}`)
  }
  const card = r.data as ModelCard
  const expected = unetParameterCount(card.architecture)
  if (card.architecture.parameters !== expected)
    throw new EngineError(
      'E_MODEL',
      `${file}: architecture.parameters is ${card.architecture.parameters}, but this architecture has ${expected}`,
    )
  return card
}
