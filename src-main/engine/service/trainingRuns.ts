/**
 * Training runs under the user's models folder, for "resume an unfinished run?" when the app starts: a run is a
 * model folder whose `checkpoints/last/manifest.json` (training/checkpoint.ts) says fewer epochs are done than the
 * recipe asks for.
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { TrainingRun } from '../../common/api'

interface ManifestState {
  savedAt?: string
  state?: { epochsDone?: number; recipe?: { epochs?: number } }
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
    runs.push({ dir, name, epochsDone, epochs, updatedAt, finished: epochsDone >= epochs })
  }
  return runs.sort((a, b) => Number(a.finished) - Number(b.finished) || b.updatedAt.localeCompare(a.updatedAt))
}
