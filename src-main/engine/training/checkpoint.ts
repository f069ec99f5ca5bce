/**
 * Training checkpoints: a folder (`<out>/checkpoints/last`, `<out>/checkpoints/best`) committed by its manifest.
 *
 * A save writes, each atomically (temp file + rename): `weights-<seq>.bin`, `optimizer-<seq>.bin` (last only),
 * `model.json` (naming weights-<seq>.bin, so the folder is also a plain tfjs model), and finally `manifest.json`,
 * which names the files of `seq` with their sizes and sha256 and carries the training state. Files of older
 * sequence numbers are deleted only after the manifest is in place. A run killed at any instant (SIGKILL, power
 * loss after fsync) leaves a manifest that names complete files: either the previous checkpoint or the new one.
 *
 * @source TileLab; atomic rename (POSIX rename(2)); tfjs layers-model files (model/layersFiles.ts).
 */
import type * as tf from '@tensorflow/tfjs'
import { readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { EngineError } from '../../common/errors'
import { writeFileAtomic, writeJsonAtomic } from '../io/atomicWrite'
import {
  buildLayersModel,
  checkLayersWeights,
  readLayersModelJson,
  readModelFolderFile,
  serializeLayersModel,
  sha256,
  writeLayersFiles,
} from '../model/layersFiles'
import { restoreAdam, saveAdam, type SavedAdam } from './optimizerState'

const FORMAT = 'tilelab-checkpoint'
const VERSION = 1

/** The manifest of a checkpoint folder; `S` is the trainer's state. */
export interface CheckpointManifest<S> {
  format: typeof FORMAT
  version: number
  /** Increases with every save of this folder. */
  seq: number
  savedAt: string
  weights: { file: string; bytes: number; sha256: string }
  optimizer: { file: string; bytes: number; sha256: string; state: SavedAdam } | null
  state: S
}

/** A loaded checkpoint: the model (weights restored) and a function restoring the optimiser into a fresh one. */
export interface LoadedCheckpoint<S> {
  manifest: CheckpointManifest<S>
  model: tf.LayersModel
  /** Restores the saved Adam state (no-op for checkpoints saved without one). */
  restoreOptimizer(optimizer: tf.AdamOptimizer): Promise<void>
}

/**
 * Saves a checkpoint into `dir` (created if needed).
 *
 * @param optimizer Saved too when given (the 'last' checkpoint); omit for weights-only checkpoints ('best').
 * @param state     The trainer's JSON state (epoch, step, history, …).
 * @returns The manifest written.
 * @throws EngineError E_IO when a write fails (the previous checkpoint stays valid).
 */
export async function saveCheckpoint<S>(
  dir: string,
  model: tf.LayersModel,
  optimizer: tf.AdamOptimizer | null,
  state: S,
): Promise<CheckpointManifest<S>> {
  const previous = await readManifest<S>(dir).catch(() => null)
  const seq = (previous?.seq ?? 0) + 1
  const tag = String(seq).padStart(6, '0')
  const weightsFile = `weights-${tag}.bin`
  const bytes = await serializeLayersModel(model, weightsFile, { where: dir })
  let optimizerEntry: CheckpointManifest<S>['optimizer'] = null
  if (optimizer) {
    const { saved, data } = await saveAdam(optimizer)
    const file = `optimizer-${tag}.bin`
    await writeFileAtomic(join(dir, file), data)
    optimizerEntry = { file, bytes: data.byteLength, sha256: sha256(data), state: saved }
  }
  await writeLayersFiles(dir, bytes)
  const manifest: CheckpointManifest<S> = {
    format: FORMAT,
    version: VERSION,
    seq,
    savedAt: new Date().toISOString(),
    weights: { file: weightsFile, bytes: bytes.weights.byteLength, sha256: bytes.sha256 },
    optimizer: optimizerEntry,
    state,
  }
  await writeJsonAtomic(join(dir, 'manifest.json'), manifest)
  await removeStale(dir, new Set([weightsFile, optimizerEntry?.file].filter((f): f is string => !!f)))
  return manifest
}

/**
 * Reads a checkpoint's manifest.
 * @throws EngineError E_IO when there is none; E_MODEL when it is not a TileLab checkpoint manifest.
 */
export async function readManifest<S>(dir: string): Promise<CheckpointManifest<S>> {
  let text: string
  try {
    text = await readFile(join(dir, 'manifest.json'), 'utf8')
  } catch {
    throw new EngineError('E_IO', `${dir}: no checkpoint (manifest.json missing)`)
  }
  const m = JSON.parse(text) as CheckpointManifest<S>
  if (m.format !== FORMAT || m.version !== VERSION)
    throw new EngineError('E_MODEL', `${dir}/manifest.json: not a ${FORMAT} v${VERSION} manifest`)
  return m
}

/**
 * Loads the checkpoint in `dir`: the model as the manifest names it (verified by sha256) and its optimiser state.
 * @throws EngineError E_IO without a manifest; E_MODEL for missing or corrupt files.
 */
export async function loadCheckpoint<S>(dir: string): Promise<LoadedCheckpoint<S>> {
  const manifest = await readManifest<S>(dir)
  // model.json may already name a newer weights file than the manifest (a save interrupted before its
  // manifest): load through a manifest-consistent model.json built from the recorded file
  const json = await readLayersModelJson(dir)
  json.weightsManifest[0].paths = [manifest.weights.file]
  const weights = await readRecordedFile(dir, manifest.weights, 'weights')
  checkLayersWeights(dir, json, weights)
  const model = await buildLayersModel(dir, { modelJson: json, weights })
  const optimizerData = manifest.optimizer ? await readRecordedFile(dir, manifest.optimizer, 'optimizer') : null
  return {
    manifest,
    model,
    restoreOptimizer: async (optimizer) => {
      if (manifest.optimizer && optimizerData) await restoreAdam(optimizer, manifest.optimizer.state, optimizerData)
    },
  }
}

/**
 * Reads a file the manifest names and checks it against the sha256 recorded there.
 * @throws EngineError E_MODEL naming the file when it is missing, unreadable or differs from its record.
 */
async function readRecordedFile(dir: string, entry: { file: string; sha256: string }, what: string): Promise<Uint8Array> {
  const data = await readModelFolderFile(dir, entry.file, 'manifest.json', what)
  if (sha256(data) !== entry.sha256)
    throw new EngineError('E_MODEL', `${join(dir, entry.file)}: does not match its sha256 recorded in manifest.json (corrupt or partial)`)
  return data
}

async function removeStale(dir: string, keep: Set<string>): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[])
  await Promise.all(
    names
      .filter((n) => /^(weights|optimizer)-\d+\.bin$/.test(n) && !keep.has(n))
      .map((n) => rm(join(dir, n), { force: true }).catch(() => undefined)),
  )
}
