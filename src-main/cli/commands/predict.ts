/**
 * `tilelab predict <study> --model <dir> [--slice N | --all] [--tile 128] [--overlap 0.5] [--blend mean|gaussian]
 *   [--centre-crop [px]] [--image F] [--label F] [--engine auto|onnx|tfjs] [--backend B]
 *   [--normalization slice|volume] [--pngs auto|all|tumor|none] [--out DIR] [--json]`
 *
 * Whole-image and tiled prediction of one study (engine/prediction/predictStudy.ts): NIfTI probability maps, a
 * labelled PNG per pictured slice and prediction.json with per-slice Dice, tile layout and timings.
 */
import type { Command } from 'commander'
import type { Blend, Normalization } from '../../common/types'
import type { PredictStudyOptions } from '../../engine/prediction/predictStudy'
import { intOption, numberOption } from '../options'
import { defaultModelDir } from '../../engine/service/workDir'

interface PredictOptions {
  model: string
  slice?: number
  all?: boolean
  tile: number
  overlap: number
  blend: string
  centreCrop?: number | true
  image?: string
  label?: string
  engine: string
  backend?: string
  normalization?: string
  pngs: string
  out?: string
  json?: boolean
}

const HELP_AFTER = `
Outputs (in --out, default ./tilelab-predict/<study name>):
  prob_full.nii.gz               whole-image probabilities, float32, the source affine
  prob_tiled.nii.gz              tiled probabilities (blended over the tiles)
  prob_full_minus_tiled.nii.gz   full − tiled, in [−1, 1]
  prob_centre_crop.nii.gz        with --centre-crop: the crop's probabilities in its window
  pngs/slice_<k>.png             FLAIR, ground truth, both heatmaps and their difference, labelled
  prediction.json                per-slice soft/binary Dice, FP/FN, tile layout, timings, model, study
The maps cover the whole study grid; axial slices that were not predicted are 0 (with --slice, only that slice
is filled). PNGs (--pngs auto): the predicted slice; with --all, only the slices holding ground-truth tumour
(every slice when the study has no label).`

/** Registers `tilelab predict`. */
export function register(program: Command): void {
  program
    .command('predict')
    .description('whole-image vs tiled prediction of one study: NIfTI maps, labelled PNGs, Dice per slice')
    .argument('<study>', 'study folder (or a FLAIR NIfTI file)')
    .option('--model <dir>', 'model folder (default: the shipped model)', defaultModelDir())
    .option('--slice <k>', 'axial slice to predict (default: the slice with the most tumour, the middle one without a label)', intOption('--slice'))
    .option('--all', 'predict every axial slice')
    .option('--tile <px>', 'tile side in pixels', intOption('--tile'), 128)
    .option('--overlap <fraction>', 'overlap between neighbouring tiles, in [0, 1)', numberOption('--overlap'), 0.5)
    .option('--blend <mode>', "how overlapping tiles are combined: 'mean' (the paper) or 'gaussian'", 'mean')
    .option('--centre-crop [px]', "also predict the paper's centre crop (Fig. 3), default 128 px; Dice against the ground truth cropped alike", intOption('--centre-crop'))
    .option('--image <file>', 'FLAIR image to use (wins over discovery and study.json)')
    .option('--label <file>', 'tumour label map to use (wins over discovery and study.json)')
    .option('--engine <engine>', "'auto', 'onnx' or 'tfjs'", 'auto')
    .option('--backend <name>', 'tfjs backend (cpu, wasm, tensorflow)')
    .option('--normalization <mode>', "FLAIR z-score per 'slice' or 'volume' (default: the model card's, else slice)")
    .option('--pngs <which>', "slices pictured: 'auto', 'all', 'tumor' or 'none'", 'auto')
    .option('--out <dir>', 'output folder (default: ./tilelab-predict/<study name>)')
    .option('--json', 'print the report (prediction.json) as one JSON object on stdout')
    .addHelpText('after', HELP_AFTER)
    .action(async (studyPath: string, opts: PredictOptions) => {
      const { predictStudy } = await import('../../engine/prediction/predictStudy')
      const { PAPER_CROP } = await import('../../engine/inference/centreCrop')
      const { predictProgress, formatPrediction } = await import('../predictOutput')
      const { CancellationTokenSource } = await import('../../common/cancellation')
      const source = new CancellationTokenSource()
      const onSigint = (): void => {
        if (source.token.isCancellationRequested) process.exit(130)
        source.cancel()
      }
      process.on('SIGINT', onSigint)
      const progress = predictProgress({ json: opts.json === true })
      try {
        const report = await predictStudy({
          study: studyPath,
          image: opts.image,
          label: opts.label,
          model: opts.model,
          engine: opts.engine as 'auto' | 'onnx' | 'tfjs',
          backend: opts.backend as PredictStudyOptions['backend'],
          slice: opts.slice,
          all: opts.all === true,
          tiling: { tile: opts.tile, overlap: opts.overlap, blend: opts.blend as Blend },
          centreCrop: opts.centreCrop === undefined ? null : opts.centreCrop === true ? PAPER_CROP : opts.centreCrop,
          normalization: opts.normalization as Normalization | undefined,
          pngs: opts.pngs as 'auto' | 'all' | 'tumor' | 'none',
          out: opts.out,
          token: source.token,
          onProgress: progress.onProgress,
        })
        progress.close()
        process.stdout.write(opts.json ? JSON.stringify(report) + '\n' : formatPrediction(report))
      } finally {
        progress.close()
        process.off('SIGINT', onSigint)
      }
    })
}
