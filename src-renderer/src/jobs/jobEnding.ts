/**
 * How a CLI job (training, evaluation) ended, as its monitor in the job dock shows it. Shared by trainingProgress.ts
 * and evaluationProgress.ts, whose views carry the CLI's own last word (`cliOutcome`, from its `end` event) and the
 * host's `JobEnd`.
 */
import type { JobEnd } from '../../../src-main/common/api'

export type JobOutcome = JobEnd['outcome']

/** The fields every monitor view sets when its job ends. */
export interface JobEndingFields {
  elapsedMs: number
  /** 0 when the job finished, null (unknown) otherwise. */
  etaMs: number | null
  /** 'CODE: message' of a failure; null for ok and for a cancel the user asked for (the CLI reports E_CANCELLED). */
  error: string | null
}

/**
 * @param end The host's JobEnd.
 * @param cliOutcome The outcome of the CLI's own `end` event, when one arrived.
 * @param previousError The view's error so far, kept for a failure whose JobEnd carries none.
 * @returns The outcome, where a cancel that reached the CLI only after it had finished (its `end` said ok) counts as
 *   ok, and the view fields that follow from it.
 */
export function jobEnding(end: JobEnd, cliOutcome: JobOutcome | null, previousError: string | null): { outcome: JobOutcome; fields: JobEndingFields } {
  const outcome = end.outcome === 'cancelled' && cliOutcome === 'ok' ? 'ok' : end.outcome
  const error = outcome === 'failed' ? (end.error ? `${end.error.code}: ${end.error.message}` : previousError) : null
  return { outcome, fields: { elapsedMs: end.elapsedMs, etaMs: outcome === 'ok' ? 0 : null, error } }
}
