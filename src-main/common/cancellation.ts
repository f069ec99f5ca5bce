/**
 * Cooperative cancellation, after VS Code's CancellationToken. Long engine work takes a token and checks it
 * between tiles, batches, slices, epochs and studies; cancelled work throws `EngineError('E_CANCELLED')`.
 */
import { EngineError } from './errors'

export interface CancellationToken {
  readonly isCancellationRequested: boolean
  /** Registers a listener; returns a function that removes it. */
  onCancellationRequested(listener: () => void): () => void
}

/** Owns a token and fires it. */
export class CancellationTokenSource {
  private cancelled = false
  private readonly listeners = new Set<() => void>()
  readonly token: CancellationToken

  constructor() {
    const listeners = this.listeners
    const isCancelled = (): boolean => this.cancelled
    this.token = {
      get isCancellationRequested() {
        return isCancelled()
      },
      onCancellationRequested(listener) {
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
    }
  }

  cancel(): void {
    if (this.cancelled) return
    this.cancelled = true
    for (const l of [...this.listeners]) l()
    this.listeners.clear()
  }
}

/** A token that is never cancelled. */
export const NONE: CancellationToken = {
  isCancellationRequested: false,
  onCancellationRequested: () => () => undefined,
}

/** Throws E_CANCELLED when the token has fired. Call between units of work. */
export function throwIfCancelled(token: CancellationToken | undefined, what = 'operation'): void {
  if (token?.isCancellationRequested) throw new EngineError('E_CANCELLED', `${what} cancelled`)
}

/** True when `err` is the error thrown by a cancelled operation. */
export function isCancellation(err: unknown): boolean {
  return err instanceof EngineError && err.code === 'E_CANCELLED'
}
