/**
 * What a run leaves beside its model: the per-epoch history (`history.csv`) and the model card (`card.json`).
 *
 * @source TileLab ModelCard (common/types.ts); BraTS data terms (../shared/data/real/README.md: models trained on
 *   these cases are research artefacts, say so and name the cases).
 */
import { stringify } from 'csv-stringify/sync'
import { basename, join } from 'node:path'
import type { ModelCard } from '../../common/types'
import { writeFileAtomic } from '../io/atomicWrite'
import { buildCard, RESEARCH_USE } from '../model/card'
import type { TrainRecipe } from './recipe'

/** Numbers of one epoch. */
export interface EpochRecord {
  epoch: number
  /** Mean training loss −log(batch soft Dice) over the epoch's steps. */
  loss: number
  /** Mean batch soft Dice over the epoch's steps. */
  dice: number
  valDiceFull: number | null
  valDiceTiled: number | null
  valSlices: number
  /** Wall seconds of the epoch: steps plus validation (summed over runs when it was resumed). */
  seconds: number
  valSeconds: number
  /** Training images per second over the epoch's steps. */
  imagesPerSec: number
}

/** The best epoch so far and what made it best. */
export interface BestRecord {
  epoch: number
  loss: number
  valDiceFull: number | null
  valDiceTiled: number | null
  /** 'val-dice-full' with validation, 'train-loss' without (the paper's rule). */
  criterion: 'val-dice-full' | 'train-loss'
}

/** Writes `history.csv` (one row per epoch) atomically. */
export async function writeHistory(out: string, history: readonly EpochRecord[]): Promise<void> {
  const rows = history.map((h) => ({
    epoch: h.epoch,
    loss: h.loss,
    dice: h.dice,
    val_dice_full: h.valDiceFull ?? '',
    val_dice_tiled: h.valDiceTiled ?? '',
    val_slices: h.valSlices,
    seconds: +h.seconds.toFixed(3),
    val_seconds: +h.valSeconds.toFixed(3),
    images_per_sec: +h.imagesPerSec.toFixed(3),
  }))
  const columns = ['epoch', 'loss', 'dice', 'val_dice_full', 'val_dice_tiled', 'val_slices', 'seconds', 'val_seconds', 'images_per_sec']
  await writeFileAtomic(join(out, 'history.csv'), stringify(rows, { header: true, columns }))
}

/** True when anything about the cohort says BraTS (paths, case ids, patient ids). */
export function looksLikeBrats(names: readonly string[]): boolean {
  return names.some((n) => /brats/i.test(n))
}

export interface CardInput {
  out: string
  recipe: TrainRecipe
  stepsPerEpoch: number
  parameters: number
  trainCases: string[]
  valCases: string[]
  /** Cohort root, absolute; and any other names that might say BraTS (patient ids). */
  cohortRoot: string
  patientIds: string[]
  epochsDone: number
  seconds: number
  backend: string
  command: string
  best: BestRecord | null
  history: readonly EpochRecord[]
  /** Tile side of the tiled validation. */
  valTile: number
}

/** Intended use of a model trained on BraTS data (../shared/data/real/README.md asks to say so). */
export const BRATS_USE = `Research artefact trained on BraTS data; not for clinical use. ${RESEARCH_USE}`

/** The model card of the best checkpoint (model/card.ts buildCard: architecture and parameters filled in). */
export function buildModelCard(c: CardInput): ModelCard {
  const brats = looksLikeBrats([c.cohortRoot, c.recipe.data, ...c.trainCases, ...c.valCases, ...c.patientIds])
  const bestRow = c.best ? c.history.find((h) => h.epoch === c.best!.epoch) : undefined
  return buildCard({
    name: basename(c.out),
    architecture: { baseFilters: c.recipe.baseFilters, depth: c.recipe.depth, upsampling: c.recipe.upsampling, dropout: c.recipe.dropout },
    normalization: c.recipe.normalization,
    intendedUse: brats ? BRATS_USE : RESEARCH_USE,
    training: {
      data: { cohort: c.recipe.data, trainCases: c.trainCases, valCases: c.valCases },
      recipe: {
        ...c.recipe,
        stepsPerEpoch: c.stepsPerEpoch,
        loss: '-log(batch soft Dice), smooth 1, sums over the whole batch',
        optimizer: 'Adam (beta1 0.9, beta2 0.999, epsilon 1e-7)',
        checkpoint: c.best?.criterion === 'train-loss' ? 'best training loss (no validation set)' : 'best validation full-image soft Dice',
        bestEpoch: c.best?.epoch ?? null,
        tiledValidation: { tile: c.valTile, overlap: c.recipe.valOverlap, blend: 'mean' },
      },
      epochs: c.epochsDone,
      seconds: +c.seconds.toFixed(1),
      backend: c.backend,
      command: c.command,
    },
    metrics: {
      valDiceFull: c.best?.valDiceFull ?? null,
      valDiceTiled: c.best?.valDiceTiled ?? null,
      valSlices: bestRow?.valSlices ?? null,
      trainLoss: c.best?.loss ?? null,
      bestEpoch: c.best?.epoch ?? null,
    },
  })
}
