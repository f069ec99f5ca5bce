/**
 * Models known to the engine service: the bundled ones (TileLab's `models/`, read-only) and the user's (trained
 * from the app, under the work folder). Opens each model once as a Predictor (ONNX Runtime when it can, tfjs
 * otherwise; openPredictor) and serialises its forward passes FIFO, so that concurrent prediction jobs (full and
 * tiled of the same study) interleave batch by batch instead of one waiting for the other's whole volume.
 */
import type { ModelSummary } from '../../common/api'
import { EngineError } from '../../common/errors'
import { openPredictor, type OpenPredictorOptions } from '../inference/openPredictor'
import type { Predictor } from '../inference/predictor'
import { listModels } from '../model/store'

export interface ModelRegistryOptions {
  /** Read-only model folders shipped with TileLab (each holds one folder per model). */
  bundledDirs: string[]
  /** Writable folder of the user's models. */
  userDir: string
  engine?: OpenPredictorOptions['engine']
  backend?: OpenPredictorOptions['backend']
}

export class ModelRegistry {
  private readonly predictors = new Map<string, Promise<Predictor>>()
  private readonly retired: Promise<Predictor>[] = []

  constructor(private readonly options: ModelRegistryOptions) {}

  /** Every model, bundled first; a user model with a bundled model's id is listed after it and not reachable by id. */
  async list(): Promise<ModelSummary[]> {
    const { bundledDirs, userDir } = this.options
    return listModels([...bundledDirs, userDir], { bundled: bundledDirs })
  }

  /** @throws EngineError E_MODEL naming the id when no model has it. */
  async get(modelId: string): Promise<ModelSummary> {
    const model = (await this.list()).find((m) => m.id === modelId)
    if (!model) throw new EngineError('E_MODEL', `no model with id '${modelId}' (see listModels)`)
    return model
  }

  /** The model's predictor, opened once and shared; its predict calls run one at a time, in call order. */
  async predictor(modelId: string): Promise<{ predictor: Predictor; model: ModelSummary }> {
    const model = await this.get(modelId)
    let p = this.predictors.get(model.dir)
    if (!p) {
      p = openPredictor(model.dir, { engine: this.options.engine, backend: this.options.backend }).then(serialized)
      p.catch(() => this.predictors.delete(model.dir))
      this.predictors.set(model.dir, p)
    }
    return { predictor: await p, model }
  }

  /**
   * Drops the cached predictor of a model folder (its weights changed: a training run wrote it again), so the next
   * prediction loads the new weights. The old one may still be finishing a prediction: it is freed on dispose.
   */
  forget(dir: string): void {
    const p = this.predictors.get(dir)
    if (!p) return
    this.predictors.delete(dir)
    this.retired.push(p)
  }

  /** Frees every opened predictor. */
  async dispose(): Promise<void> {
    const all = [...this.predictors.values(), ...this.retired.splice(0)]
    this.predictors.clear()
    await Promise.all(all.map(async (p) => (await p.catch(() => null))?.dispose()))
  }
}

/** Wraps a predictor so that its `predict` calls run strictly one after another, first come first served. */
export function serialized(inner: Predictor): Predictor {
  let tail: Promise<unknown> = Promise.resolve()
  return {
    engine: inner.engine,
    inputMultiple: inner.inputMultiple,
    maxBatch: (h, w) => inner.maxBatch(h, w),
    predict(batch, n, height, width) {
      const run = tail.then(() => inner.predict(batch, n, height, width))
      tail = run.catch(() => undefined)
      return run
    },
    dispose: () => inner.dispose(),
  }
}
