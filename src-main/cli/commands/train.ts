/**
 * `tilelab train --data <cohort> --out <folder> [options]`: trains the paper's U-Net (engine/training/trainer.ts)
 * with a progress bar on a terminal, or one TrainEvent per line with `--json`. Ctrl-C / SIGTERM stop after the
 * current step and save a resumable checkpoint (a second Ctrl-C quits at once); `--resume` continues.
 */
import { Command, Option } from 'commander'
import type { TrainEvent } from '../../common/events'
import type { TrainRecipe, PresetName } from '../../engine/training/recipe'

const HELP_AFTER = `
Recipe (paper-spec §3): random P×P crops (--crop, default 128) of z-scored FLAIR axial slices, with top-left
offsets drawn uniformly from 0..L−P on each axis, both ends included (the paper's code drew 0..L−P−1, so the
last row and column never entered a crop: fixed here). Loss = −log(batch soft Dice), smooth 1, sums over the
whole batch. Adam (β1 0.9, β2 0.999, ε 1e-7) at --lr. --steps-per-epoch defaults to training slices // batch size.

Augmentation, applied to image and mask together:
  --augment dihedral (default): left-right flip with p 0.5 (--no-flip-lr to turn off), up-down flip with p 0.5
    (--no-flip-ud), then a counter-clockwise rotation by k·90° with k uniform in {0,1,2,3} (--no-rot90); all
    8 flips/rotations equally likely (1/8 each). Non-square whole slices (--input full) rotate by 0° or 180° only.
  --augment paper: the authors' generator: identity 0.625, left-right flip 0.125, 90° rotation 0.125,
    flip + rotation 0.125; never up-down.
  --augment none.

Sampling: each batch holds --batch-size distinct slices (the first N of a random permutation, as the paper); all
training slices equally likely (the paper) unless --tumor-fraction F > 0, which draws round(F·N) of each batch
from slices with tumour and the rest from all slices. Every batch is a pure function of (seed, epoch, step).

Validation, after every epoch: mean soft Dice of full-image inference and of tiled inference (tile = --crop,
overlap --val-overlap, mean of overlapping probabilities) on whole slices of the validation patients
(split by patient with --val-fraction and --seed): --val-slices tumor (default) or all, at most --val-max-slices
(default 64, evenly spaced; 0 = no limit).

Checkpoints: the output folder's model (model.json, weights.bin, card.json) is the epoch with the best
validation full-image Dice. The paper kept the best TRAINING loss (Keras ModelCheckpoint monitor="loss"); TileLab
does that only when there is no validation set (--val-fraction 0). checkpoints/last holds the latest weights and
Adam state: saved after every epoch, every --checkpoint-minutes, and on Ctrl-C / SIGTERM after the current step.
--resume continues from it with the same recipe and batches (pass --epochs to train further).

Presets (explicit options win): paper = crop 128, batch 128, 15 epochs, lr 1e-4, base 32, depth 4 (also the
defaults); cpu-small = crop 128, batch 8, 3 epochs × 50 steps, base 8, depth 4, tumour fraction 0.5, 32
validation slices: minutes on two CPU cores.

Slice cache: slices are decoded from NIfTI and z-scored once, then kept in --cache-dir (default
$TILELAB_CACHE_DIR, else ~/.cache/tilelab/slices; keyed by file paths, sizes, mtimes and normalisation) and held in
memory when they fit in --cache-mb (default 1024), else read from the cache files.`

interface TrainFlags {
  data?: string
  out: string
  preset?: PresetName
  resume?: boolean
  epochs?: string
  stepsPerEpoch?: string
  batchSize?: string
  lr?: string
  crop?: string
  input?: 'crops' | 'full'
  baseFilters?: string
  depth?: string
  dropout?: string
  upsampling?: 'upsample' | 'transpose'
  valFraction?: string
  seed?: string
  normalization?: 'slice' | 'volume'
  augment?: 'dihedral' | 'paper' | 'none'
  flipLr: boolean
  flipUd: boolean
  rot90: boolean
  tumorFraction?: string
  valSlices?: 'all' | 'tumor'
  valMaxSlices?: string
  valOverlap?: string
  backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu'
  cacheDir?: string
  diskCache: boolean
  cacheMb: string
  checkpointMinutes: string
  microBatch?: string
  json?: boolean
}

/** Registers `tilelab train`. */
export function register(program: Command): void {
  program
    .command('train')
    .description("train the paper's U-Net on a cohort (crops, Dice loss, Adam), resumable, with full and tiled validation")
    .option('--data <dir>', 'cohort folder: study folders with FLAIR and a tumour label, at any depth')
    .requiredOption('--out <dir>', 'output folder: model.json, weights.bin, card.json, history.csv, checkpoints/')
    .addOption(new Option('--preset <name>', 'recipe preset (see below)').choices(['paper', 'cpu-small']))
    .option('--resume', 'continue the run in --out from checkpoints/last (same recipe, optimiser state and batches)')
    .option('--epochs <n>', 'epochs (default 15)')
    .option('--steps-per-epoch <n>', 'optimiser steps per epoch (default: training slices // batch size)')
    .option('--batch-size <n>', 'slices per batch (default 128)')
    .option('--lr <rate>', 'Adam learning rate (default 1e-4)')
    .option('--crop <px>', 'crop side P, a multiple of 2^depth (default 128)')
    .addOption(new Option('--input <kind>', 'train on random crops (the paper) or whole slices').choices(['crops', 'full']))
    .option('--base-filters <n>', 'filters of the first level: 32 = the paper; 16 or 8 for CPUs (default 32)')
    .option('--depth <n>', 'max-pool steps (default 4)')
    .option('--dropout <rate>', 'dropout between the convs of levels 3 and 4 (default 0.2, the paper)')
    .addOption(new Option('--upsampling <kind>', 'decoder up-step (default upsample, the paper)').choices(['upsample', 'transpose']))
    .option('--val-fraction <f>', 'share of patients held out for validation (default 0.15, the paper\'s 85/15)')
    .option('--seed <n>', 'seed of the split, the initial weights and every batch (default 816, the paper\'s)')
    .addOption(new Option('--normalization <kind>', 'z-score per slice (default) or per volume').choices(['slice', 'volume']))
    .addOption(new Option('--augment <mode>', 'augmentation (see below; default dihedral)').choices(['dihedral', 'paper', 'none']))
    .option('--no-flip-lr', 'dihedral: no left-right flips')
    .option('--no-flip-ud', 'dihedral: no up-down flips')
    .option('--no-rot90', 'dihedral: no 90° rotations')
    .option('--tumor-fraction <f>', 'share of each batch drawn from slices with tumour (default 0: all slices alike)')
    .addOption(new Option('--val-slices <which>', 'validation slices (default tumor)').choices(['all', 'tumor']))
    .option('--val-max-slices <n>', 'most validation slices per epoch, 0 = all (default 64)')
    .option('--val-overlap <f>', 'overlap of the tiled validation (default 0.5, the paper)')
    .addOption(
      new Option('--backend <name>', 'tfjs backend').choices(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
    )
    .option('--cache-dir <dir>', 'slice cache folder (default ~/.cache/tilelab/slices)')
    .option('--no-disk-cache', 'keep the slice cache in memory only (bounded by --cache-mb)')
    .option('--cache-mb <mib>', 'most MiB of slices held in memory', '1024')
    .option(
      '--micro-batch <n>',
      'images per forward/backward pass; gradients of the micro-batches add up exactly to the batch\'s (default: on wasm the most that fit its 4 GiB heap, else the whole batch)',
    )
    .option('--checkpoint-minutes <m>', 'also save checkpoints/last every m minutes within an epoch (0 = epoch ends only)', '10')
    .option('--json', 'print one JSON TrainEvent per line on stdout')
    .addHelpText('after', HELP_AFTER)
    .action(async (flags: TrainFlags, command: Command) => {
      await runTrain(flags, command)
    })
}

async function runTrain(flags: TrainFlags, command: Command): Promise<void> {
  const { EngineError } = await import('../../common/errors')
  const { CancellationTokenSource } = await import('../../common/cancellation')
  const { resolveRecipe } = await import('../../engine/training/recipe')
  const explicit = (name: string): boolean => command.getOptionValueSource(name) === 'cli'
  const num = (name: keyof TrainFlags, option: string): number | undefined => {
    const v = flags[name]
    if (v === undefined || !explicit(name)) return undefined
    const n = Number(v)
    if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n))
      throw new EngineError('E_ARGS', `train: ${option} must be a number, received ${JSON.stringify(v)}`)
    return n
  }
  const partial: Partial<TrainRecipe> = {
    epochs: num('epochs', '--epochs'),
    stepsPerEpoch: num('stepsPerEpoch', '--steps-per-epoch'),
    batchSize: num('batchSize', '--batch-size'),
    lr: num('lr', '--lr'),
    crop: num('crop', '--crop'),
    input: flags.input,
    baseFilters: num('baseFilters', '--base-filters'),
    depth: num('depth', '--depth'),
    dropout: num('dropout', '--dropout'),
    upsampling: flags.upsampling,
    valFraction: num('valFraction', '--val-fraction'),
    seed: num('seed', '--seed'),
    normalization: flags.normalization,
    augment: flags.augment,
    flipLeftRight: explicit('flipLr') ? flags.flipLr : undefined,
    flipUpDown: explicit('flipUd') ? flags.flipUd : undefined,
    rotate90: explicit('rot90') ? flags.rot90 : undefined,
    tumorFraction: num('tumorFraction', '--tumor-fraction'),
    valSlices: flags.valSlices,
    valMaxSlices: num('valMaxSlices', '--val-max-slices'),
    valOverlap: num('valOverlap', '--val-overlap'),
  }
  const cacheMb = Number(flags.cacheMb)
  const checkpointMinutes = Number(flags.checkpointMinutes)
  if (!(cacheMb >= 0)) throw new EngineError('E_ARGS', `train: --cache-mb must be a number ≥ 0, received ${flags.cacheMb}`)
  if (!(checkpointMinutes >= 0))
    throw new EngineError('E_ARGS', `train: --checkpoint-minutes must be a number ≥ 0, received ${flags.checkpointMinutes}`)
  let recipe: TrainRecipe
  if (flags.resume) {
    const ignored = Object.entries(partial).filter(([k, v]) => v !== undefined && k !== 'epochs').map(([k]) => k)
    if (flags.data || flags.preset) ignored.push(...(flags.data ? ['data'] : []), ...(flags.preset ? ['preset'] : []))
    if (ignored.length > 0)
      process.stderr.write(`tilelab train: --resume uses the checkpoint's recipe; ignoring ${ignored.join(', ')}\n`)
    recipe = resolveRecipe({ data: flags.data ?? '(from checkpoint)' })
  } else {
    if (!flags.data) throw new EngineError('E_ARGS', 'train: --data <cohort folder> is required (unless --resume)')
    recipe = resolveRecipe({ ...partial, data: flags.data }, flags.preset)
  }

  const microBatch = flags.microBatch === undefined ? undefined : Number(flags.microBatch)
  if (microBatch !== undefined && !(Number.isInteger(microBatch) && microBatch >= 1))
    throw new EngineError('E_ARGS', `train: --micro-batch must be a positive integer, received ${flags.microBatch}`)
  const { initBackend } = await import('../../engine/backend/initBackend')
  const { defaultCacheDir } = await import('../../engine/training/sliceCache')
  const { train } = await import('../../engine/training/trainer')
  const backend = (await initBackend(flags.backend)).engine
  const report = flags.json ? jsonReporter() : await humanReporter()
  const source = new CancellationTokenSource()
  let signals = 0
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++
    if (signals > 1) process.exit(130)
    process.stderr.write(`\ntilelab train: ${signal}: stopping after the current step (again to quit now)\n`)
    source.cancel()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    const result = await train({
      recipe,
      out: flags.out,
      resume: flags.resume,
      resumeEpochs: flags.resume ? num('epochs', '--epochs') : undefined,
      backend,
      cacheDir: flags.diskCache ? (flags.cacheDir ?? defaultCacheDir()) : null,
      cacheMb,
      microBatch,
      checkpointMinutes,
      token: source.token,
      onEvent: report.event,
    })
    report.done()
    if (result.outcome === 'cancelled')
      throw new EngineError('E_CANCELLED', `training stopped; continue with: tilelab train --out ${flags.out} --resume`)
  } finally {
    report.done()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

interface Reporter {
  event: (e: TrainEvent) => void
  done: () => void
}

function jsonReporter(): Reporter {
  return { event: (e) => void process.stdout.write(JSON.stringify(e) + '\n'), done: () => undefined }
}

/** Progress bar on a terminal (stderr), one line per epoch on stdout, logs on stderr. */
async function humanReporter(): Promise<Reporter> {
  const { SingleBar, Presets } = await import('cli-progress')
  const tty = process.stderr.isTTY === true
  const bar = tty
    ? new SingleBar(
        {
          format:
            'epoch {epoch}/{epochs} [{bar}] step {value}/{total} | loss {loss} | Dice {dice} | {ips} img/s | ETA {etaText}',
          hideCursor: true,
          clearOnComplete: true,
        },
        Presets.shades_classic,
      )
    : null
  let epochs = 0
  let active = false
  const stopBar = (): void => {
    if (active) bar?.stop()
    active = false
  }
  return {
    done: stopBar,
    event: (e) => {
      switch (e.type) {
        case 'start':
          epochs = e.epochs
          process.stderr.write(
            `training on ${e.backend}: ${e.parameters.toLocaleString('en')} parameters, ${e.trainCases.length} training / ` +
              `${e.valCases.length} validation studies, ${e.epochs} epochs × ${e.stepsPerEpoch} steps × ${e.batchSize}` +
              (e.resumedFromEpoch === null ? '' : ` (resumed after epoch ${e.resumedFromEpoch}, step ${e.resumedFromStep ?? 0})`) +
              '\n',
          )
          break
        case 'step': {
          const payload = {
            epoch: e.epoch,
            epochs,
            loss: e.loss.toFixed(4),
            dice: e.dice.toFixed(4),
            ips: e.imagesPerSec.toFixed(1),
            etaText: formatEta(e.etaMs),
          }
          if (bar && !active) {
            bar.start(e.stepsPerEpoch, e.step, payload)
            active = true
          } else bar?.update(e.step, payload)
          break
        }
        case 'epoch':
          stopBar()
          process.stdout.write(
            `epoch ${e.epoch}/${e.epochs}: loss ${e.loss.toFixed(4)}, validation Dice full ${fmt(e.valDiceFull)} / tiled ${fmt(e.valDiceTiled)}, ` +
              `${e.seconds.toFixed(1)} s, saved ${e.saved.join(' + ')} (best epoch ${e.bestEpoch})\n`,
          )
          break
        case 'log':
          stopBar() // the next step starts a fresh bar below the message
          process.stderr.write(`${e.level}: ${e.message}\n`)
          break
        case 'end':
          stopBar()
          if (e.outcome === 'ok') process.stdout.write(`done: ${e.epochsDone} epochs; model in ${e.out}\n`)
          break
      }
    },
  }
}

function fmt(v: number | null): string {
  return v === null ? '—' : v.toFixed(4)
}

function formatEta(ms: number | null): string {
  if (ms === null) return '?'
  const s = Math.round(ms / 1000)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s % 60).padStart(2, '0')}s`
}
