/**
 * Which request fields of TileLabApi name files or folders, per method: every host runs these fields through its
 * path guard before the service sees the request (web host: src-main/web/pathGuard.ts, only under `--data`; desktop
 * app: src-main/electron/accessGrants.ts, only what the user picked). One table, so a path field added to api.ts is
 * added here once (apiPathFields.test.ts fails when a path-typed field is missing). Pure TS.
 */
import type { ApiMethod } from './api'

/** Path fields the service reads, per method. */
export const READ_PATH_FIELDS: Partial<Record<ApiMethod, readonly string[]>> = {
  listStudies: ['path'],
  openStudy: ['path', 'image', 'label'],
  inspectCohort: ['path'],
  startTraining: ['data'],
  startEvaluation: ['data'],
  startSweep: ['data'],
  readEvaluation: ['out'],
  browse: ['path'],
}

/** Path fields the service writes, per method. */
export const WRITE_PATH_FIELDS: Partial<Record<ApiMethod, readonly string[]>> = {
  startEvaluation: ['out'],
  startSweep: ['out'],
}
