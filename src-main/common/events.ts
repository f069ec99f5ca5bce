/**
 * Event streams of long jobs. The CLI prints these objects one per line with `--json`; the app's windows
 * consume the same objects through JobProgress.event. Pure TS.
 */
import type { SerializedError } from './errors'
import type { PredictionMode, SliceMetrics } from './types'

/** One predicted axial slice of a study, ready to fetch. */
export interface PredictionEvent {
  type: 'slice'
  predictionId: string
  mode: PredictionMode
  /** Axial slice index k (third voxel axis). */
  z: number
  /** Raw little-endian float32 probabilities `[ny, nx]` (i fastest) of this slice. */
  url: string
  /** Against the ground truth; null when the study has no label. */
  metrics: SliceMetrics | null
  /** Forward passes this slice took (1 for full, the tile count for tiled). */
  forwardPasses: number
  elapsedMs: number
}

export type TrainEvent =
  | {
      type: 'start'
      out: string
      backend: string
      epochs: number
      stepsPerEpoch: number
      batchSize: number
      trainCases: string[]
      valCases: string[]
      parameters: number
      /** Epochs completed before this run (null for a fresh run). */
      resumedFromEpoch: number | null
      /** Steps of epoch resumedFromEpoch + 1 completed before this run (null for a fresh run). */
      resumedFromStep?: number | null
    }
  | {
      type: 'step'
      epoch: number
      step: number
      stepsPerEpoch: number
      loss: number
      /** Batch soft Dice (exp(−loss) for the paper's loss). */
      dice: number
      imagesPerSec: number
      etaMs: number | null
    }
  | {
      type: 'epoch'
      epoch: number
      epochs: number
      loss: number
      valDiceFull: number | null
      valDiceTiled: number | null
      seconds: number
      /** Which checkpoints this epoch wrote. */
      saved: ('last' | 'best')[]
      bestEpoch: number
    }
  | { type: 'log'; level: 'info' | 'warn'; message: string }
  | {
      type: 'end'
      outcome: 'ok' | 'cancelled' | 'failed'
      out: string
      epochsDone: number
      error?: SerializedError
    }

export type EvalEvent =
  | { type: 'start'; out: string; studies: number; model: string; backend: string; resumed: number }
  | { type: 'study'; study: string; index: number; studies: number; slices: number }
  | {
      type: 'slice'
      study: string
      slice: number
      done: number
      total: number | null
      diceFull: number
      diceTiled: number
      slicesPerSec: number
      etaMs: number | null
    }
  | { type: 'studyFailed'; study: string; error: string }
  | { type: 'sweepPoint'; tile: number | null; overlap: number | null; meanDice: number; forwardPasses: number; seconds: number }
  /** Sweep progress: one (study, setting) done; tile/overlap null for the whole-image pass. */
  | { type: 'sweepStep'; study: string; tile: number | null; overlap: number | null; done: number; total: number; etaMs: number | null }
  | { type: 'end'; outcome: 'ok' | 'cancelled' | 'failed'; out: string; error?: SerializedError }
