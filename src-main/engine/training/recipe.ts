/**
 * The training recipe: every choice that decides what a run learns (data, split, model, optimiser, sampling,
 * augmentation, validation), with the paper's values as defaults and two presets. A checkpoint stores the recipe,
 * so `--resume` continues with exactly the same one; the model card records it with the command line that
 * reproduces it.
 *
 * @source paper-spec §2 (model), §3 (recipe: crop 128, batch 128, 15 epochs, Adam 1e-4, loss, generator).
 */
import { EngineError } from '../../common/errors'
import type { Normalization } from '../../common/types'
import { PAPER_UNET } from '../../common/types'
import { validateUnetConfig } from '../model/unet'
import type { AugmentMode } from './augment'
import type { ValSlices } from './validation'

export interface TrainRecipe {
  /** Cohort folder as given on the command line. */
  data: string
  /** Share of patients held out for validation, [0, 1). */
  valFraction: number
  /** Seed of the split, the initial weights and every batch. */
  seed: number
  normalization: Normalization
  /** 'crops' (the paper) or 'full' (whole slices, for the paper's Table 1). */
  input: 'crops' | 'full'
  /** Crop side P in pixels (also the tile of tiled validation). */
  crop: number
  batchSize: number
  epochs: number
  /** Steps per epoch; null = training slices // batch size (the paper). */
  stepsPerEpoch: number | null
  lr: number
  baseFilters: number
  depth: number
  dropout: number
  upsampling: 'upsample' | 'transpose'
  augment: AugmentMode
  flipLeftRight: boolean
  flipUpDown: boolean
  rotate90: boolean
  /** Share of each batch drawn from slices with tumour; 0 = uniform over all slices (the paper). */
  tumorFraction: number
  valSlices: ValSlices
  /** Most validation slices scored per epoch; 0 = all. */
  valMaxSlices: number
  /** Overlap of the tiled validation's tiles, [0, 1). The paper: 0.5. */
  valOverlap: number
}

export type PresetName = 'paper' | 'cpu-small'

/** Defaults: the paper's recipe (paper-spec §2-§3) plus TileLab's choices where the paper has none. */
export const DEFAULT_RECIPE: Omit<TrainRecipe, 'data'> = {
  valFraction: 0.15,
  seed: 816,
  normalization: 'slice',
  input: 'crops',
  crop: 128,
  batchSize: 128,
  epochs: 15,
  stepsPerEpoch: null,
  lr: 1e-4,
  baseFilters: PAPER_UNET.baseFilters,
  depth: PAPER_UNET.depth,
  dropout: PAPER_UNET.dropout,
  upsampling: PAPER_UNET.upsampling,
  augment: 'dihedral',
  flipLeftRight: true,
  flipUpDown: true,
  rotate90: true,
  tumorFraction: 0,
  valSlices: 'tumor',
  valMaxSlices: 64,
  valOverlap: 0.5,
}

/** Presets: the paper's values, and a small model and budget that trains in minutes on two CPU cores. */
export const PRESETS: Record<PresetName, Partial<TrainRecipe>> = {
  paper: { crop: 128, batchSize: 128, epochs: 15, lr: 1e-4, baseFilters: 32, depth: 4, dropout: 0.2, stepsPerEpoch: null },
  'cpu-small': { crop: 128, batchSize: 8, epochs: 3, stepsPerEpoch: 50, lr: 1e-4, baseFilters: 8, depth: 4, tumorFraction: 0.5, valMaxSlices: 32 },
}

/**
 * Merges defaults ← preset ← explicit options and validates the result.
 * @throws EngineError E_ARGS naming the first bad value.
 */
export function resolveRecipe(explicit: Partial<TrainRecipe> & { data: string }, preset?: PresetName): TrainRecipe {
  if (preset !== undefined && !(preset in PRESETS))
    throw new EngineError('E_ARGS', `--preset must be one of ${Object.keys(PRESETS).join(', ')}, received ${preset}`)
  const defined = Object.fromEntries(Object.entries(explicit).filter(([, v]) => v !== undefined)) as Partial<TrainRecipe>
  const recipe = { ...DEFAULT_RECIPE, ...(preset ? PRESETS[preset] : {}), ...defined } as TrainRecipe
  validateRecipe(recipe)
  return recipe
}

/** @throws EngineError E_ARGS naming the option and the value received. */
export function validateRecipe(r: TrainRecipe): void {
  const bad = (option: string, value: unknown, rule: string): never => {
    throw new EngineError('E_ARGS', `train: ${option} ${rule}, received ${JSON.stringify(value)}`)
  }
  const posInt = (option: string, v: number): void => {
    if (!Number.isInteger(v) || v < 1) bad(option, v, 'must be a positive integer')
  }
  if (!r.data) bad('--data', r.data, 'is required')
  if (!(r.valFraction >= 0 && r.valFraction < 1)) bad('--val-fraction', r.valFraction, 'must be in [0, 1)')
  if (!Number.isSafeInteger(r.seed) || r.seed < 0) bad('--seed', r.seed, 'must be a non-negative integer')
  if (r.normalization !== 'slice' && r.normalization !== 'volume') bad('--normalization', r.normalization, "must be 'slice' or 'volume'")
  if (r.input !== 'crops' && r.input !== 'full') bad('--input', r.input, "must be 'crops' or 'full'")
  posInt('--crop', r.crop)
  posInt('--batch-size', r.batchSize)
  posInt('--epochs', r.epochs)
  if (r.stepsPerEpoch !== null) posInt('--steps-per-epoch', r.stepsPerEpoch)
  if (!(r.lr > 0 && Number.isFinite(r.lr))) bad('--lr', r.lr, 'must be a positive number')
  try {
    validateUnetConfig({ baseFilters: r.baseFilters, depth: r.depth, dropout: r.dropout, upsampling: r.upsampling })
  } catch (err) {
    bad('model', { baseFilters: r.baseFilters, depth: r.depth, dropout: r.dropout }, (err as Error).message)
  }
  if (r.crop % 2 ** r.depth !== 0) bad('--crop', r.crop, `must be a multiple of 2^depth = ${2 ** r.depth}`)
  if (!['dihedral', 'paper', 'none'].includes(r.augment)) bad('--augment', r.augment, "must be 'dihedral', 'paper' or 'none'")
  if (!(r.tumorFraction >= 0 && r.tumorFraction <= 1)) bad('--tumor-fraction', r.tumorFraction, 'must be in [0, 1]')
  if (r.valSlices !== 'all' && r.valSlices !== 'tumor') bad('--val-slices', r.valSlices, "must be 'all' or 'tumor'")
  if (!Number.isInteger(r.valMaxSlices) || r.valMaxSlices < 0) bad('--val-max-slices', r.valMaxSlices, 'must be an integer ≥ 0')
  if (!(r.valOverlap >= 0 && r.valOverlap < 1)) bad('--val-overlap', r.valOverlap, 'must be in [0, 1)')
}

/**
 * The command line that reproduces a recipe: every option written out, so presets and changed defaults do not
 * matter. Paths are quoted when they need it.
 */
export function recipeCommand(r: TrainRecipe, out: string): string {
  const q = (s: string): string => (/^[\w./:@=+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`)
  const parts = [
    'npx tilelab train',
    `--data ${q(r.data)}`,
    `--out ${q(out)}`,
    `--val-fraction ${r.valFraction}`,
    `--seed ${r.seed}`,
    `--normalization ${r.normalization}`,
    `--input ${r.input}`,
    `--crop ${r.crop}`,
    `--batch-size ${r.batchSize}`,
    `--epochs ${r.epochs}`,
    r.stepsPerEpoch === null ? '' : `--steps-per-epoch ${r.stepsPerEpoch}`,
    `--lr ${r.lr}`,
    `--base-filters ${r.baseFilters}`,
    `--depth ${r.depth}`,
    `--dropout ${r.dropout}`,
    `--upsampling ${r.upsampling}`,
    `--augment ${r.augment}`,
    r.flipLeftRight ? '' : '--no-flip-lr',
    r.flipUpDown ? '' : '--no-flip-ud',
    r.rotate90 ? '' : '--no-rot90',
    `--tumor-fraction ${r.tumorFraction}`,
    `--val-slices ${r.valSlices}`,
    `--val-max-slices ${r.valMaxSlices}`,
    `--val-overlap ${r.valOverlap}`,
  ]
  return parts.filter(Boolean).join(' ')
}
