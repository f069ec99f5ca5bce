/**
 * Errors that cross the engine's boundary (CLI, worker, IPC, HTTP). Pure TS: no node:, electron or DOM.
 *
 * Every message names the offending value or file, e.g.
 * `E_NIFTI: /data/case1/flair.nii.gz: truncated: header promises 17856000 bytes of voxels, file holds 1200`.
 */

/** Machine-readable error codes. The message carries the human-readable detail. */
export type EngineErrorCode =
  | 'E_ARGS' // bad option or argument value
  | 'E_IO' // file missing, unreadable, or a write failed
  | 'E_NIFTI' // not a NIfTI file, truncated, unsupported datatype
  | 'E_TOO_LARGE' // header or decompressed size over the memory cap
  | 'E_STUDY' // study discovery could not decide, or found nothing
  | 'E_LABEL' // label map values not integer-like
  | 'E_GEOMETRY' // label and image dims or affine differ
  | 'E_SHAPE' // array length does not match the stated shape
  | 'E_MODEL' // model folder missing, corrupt, or incompatible
  | 'E_BACKEND' // requested backend not available
  | 'E_MEMORY' // the backend ran out of memory
  | 'E_CANCELLED' // cancelled by the user
  | 'E_WORKER' // the engine worker died or was restarted
  | 'E_ACCESS' // path outside what the host may read
  | 'E_INTERNAL'

/** An error with a stable code; serialisable as {name, code, message}. */
export class EngineError extends Error {
  override readonly name = 'EngineError'
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }

  /** Plain object form used by IPC, HTTP and `--json` output. */
  toJSON(): SerializedError {
    return { name: this.name, code: this.code, message: this.message }
  }
}

/** The wire form of an error. */
export interface SerializedError {
  name: string
  code: EngineErrorCode
  message: string
}

/** Converts anything thrown into the wire form; unknown errors become E_INTERNAL. */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof EngineError) return err.toJSON()
  if (isSerializedError(err)) return err
  const message = err instanceof Error ? err.message : String(err)
  return { name: 'Error', code: 'E_INTERNAL', message }
}

/** Rebuilds an EngineError from its wire form. */
export function deserializeError(e: SerializedError): EngineError {
  return new EngineError(e.code, e.message)
}

function isSerializedError(x: unknown): x is SerializedError {
  return typeof x === 'object' && x !== null && 'code' in x && 'message' in x && 'name' in x
}
