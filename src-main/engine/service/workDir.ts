/**
 * The engine's work folder (default `~/.tilelab`, or `TILELAB_HOME`): the user's trained models, evaluation runs,
 * the preprocessed-slice cache and the generated sample study. Everything TileLab writes on its own lives here;
 * nothing is written next to the user's data unless they name an output folder there.
 */
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { packageRoot } from '../packageRoot'

export interface WorkDir {
  root: string
  /** The user's models, one folder each (model.json, weights.bin, card.json, checkpoints/). */
  models: string
  /** Evaluation and sweep outputs, one folder each. */
  runs: string
  /** Preprocessed-slice caches and the sample study. */
  cache: string
}

/** @param root Explicit root; else `TILELAB_HOME`; else `~/.tilelab`. */
export function workDir(root?: string): WorkDir {
  const r = resolve(root ?? process.env.TILELAB_HOME ?? join(homedir(), '.tilelab'))
  return { root: r, models: join(r, 'models'), runs: join(r, 'runs'), cache: join(r, 'cache') }
}

/**
 * The folder of TileLab's bundled models: `TILELAB_MODELS`, else `models/` of this checkout. Bundled builds
 * (Electron) pass their own path instead.
 */
export function bundledModelsDir(): string {
  return process.env.TILELAB_MODELS ?? join(packageRoot(), 'models')
}

/** Name of the model TileLab ships (models/default: trained on the real development cases; see its card.json). */
export const DEFAULT_MODEL_NAME = 'default'

/** The shipped default model folder, `<bundledModelsDir()>/default`: the `--model` of the CLI when none is given. */
export function defaultModelDir(): string {
  return join(bundledModelsDir(), DEFAULT_MODEL_NAME)
}
