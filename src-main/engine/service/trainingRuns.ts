/**
 * Training runs under the user's models folder, for "resume an unfinished run?" when the app starts: a run is a
 * model folder whose `checkpoints/last/manifest.json` (training/checkpoint.ts) says fewer epochs are done than the
 * recipe asks for. The manifest's trainer state (training/trainer.ts TrainerState) also gives the cohort folder a
 * resume needs and the per-epoch history the app redraws its curves from.
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { TrainingEpoch, TrainingRun } from '../../common/api'

interface ManifestState {
  savedAt?: string
  state?: {
    epochsDone?: number
    dataPath?: string
    recipe?: { epochs?: number; data?: string }
    history?: { epoch?: number; loss?: number; valDiceFull?: number | null; valDiceTiled?: number | null }[]
  }
}

/** Runs found in `modelsDir`, unfinished first, newest first. Unreadable folders are skipped. */
export async function listTrainingRuns(modelsDir: string): Promise<TrainingRun[]> {
  const names = await readdir(modelsDir).catch(() => [] as string[])
  const runs: TrainingRun[] = []
  for (const name of names) {
    const dir = join(modelsDir, name)
    const manifestPath = join(dir, 'checkpoints', 'last', 'manifest.json')
    const manifest = await readFile(manifestPath, 'utf8')
      .then((t) => JSON.parse(t) as ManifestState)
      .catch(() => null)
    if (!manifest?.state) continue
    const epochsDone = manifest.state.epochsDone ?? 0
    const epochs = manifest.state.recipe?.epochs ?? epochsDone
    const updatedAt = manifest.savedAt ?? (await stat(manifestPath)).mtime.toISOString()
    const data = manifest.state.dataPath ?? manifest.state.recipe?.data ?? null
    runs.push({ dir, name, epochsDone, epochs, updatedAt, finished: epochsDone >= epochs, data, history: historyOf(manifest) })
  }
  return runs.sort((a, b) => Number(a.finished) - Number(b.finished) || b.updatedAt.localeCompare(a.updatedAt))
}

/** The epochs of the manifest's history with a number for epoch and loss; validation Dice null when absent. */
function historyOf(manifest: ManifestState): TrainingEpoch[] {
  const rows = Array.isArray(manifest.state?.history) ? manifest.state.history : []
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)
  return rows.flatMap((h) => {
    const epoch = num(h?.epoch)
    const loss = num(h?.loss)
    return epoch === null || loss === null ? [] : [{ epoch, loss, valDiceFull: num(h.valDiceFull), valDiceTiled: num(h.valDiceTiled) }]
  })
}
