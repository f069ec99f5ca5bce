/**
 * `tilelab info <study> [--image F] [--label F] [--json]`: what TileLab finds in a study — files, dims, voxel size,
 * datatype, orientation, label values, whole-tumour voxel count and the axial slice with the most tumour.
 */
import type { Command } from 'commander'
import type { Study } from '../../engine/io/study'

/** The `--json` output of `tilelab info`. */
export interface InfoJson {
  name: string
  path: string
  /** FLAIR image path. */
  image: string
  /** Label map path, or null when the study has none. */
  label: string | null
  /** [nx, ny, nz] voxels. */
  dims: [number, number, number]
  voxelSizeMm: [number, number, number]
  /** Datatype stored in the image file. */
  datatype: string
  labelDatatype: string | null
  /** Axis codes of the voxel axes, e.g. 'LPS'. */
  orientation: string
  affine: number[][]
  /** [min, max] of the image values (after scl scaling). */
  intensityRange: [number, number]
  /** Distinct label values, ascending; [] without a label. */
  labelValues: number[]
  /** Voxels with label > 0; null without a label. */
  wholeTumorVoxels: number | null
  /** Axial slice (k) with the most tumour; null without a label or tumour. */
  maxTumorSlice: number | null
  maxTumorSlicePixels: number | null
  /** Axial slices holding any tumour. */
  tumorSlices: number | null
}

/** Summarises a loaded study as `tilelab info --json` prints it. */
export function studyInfo(study: Study): InfoJson {
  const { image, label } = study
  let min = Infinity
  let max = -Infinity
  for (const v of image.data) {
    if (v < min) min = v
    if (v > max) max = v
  }
  const wholeTumorVoxels = study.wholeTumor ? study.tumorPixelsPerSlice.reduce((a, b) => a + b, 0) : null
  return {
    name: study.name,
    path: study.path,
    image: study.imagePath,
    label: study.labelPath,
    dims: [...image.dims],
    voxelSizeMm: [...image.spacingMm],
    datatype: image.datatype,
    labelDatatype: label?.datatype ?? null,
    orientation: image.orientation,
    affine: image.affine,
    intensityRange: [min, max],
    labelValues: label?.labelValues ?? [],
    wholeTumorVoxels,
    maxTumorSlice: study.maxTumorSlice,
    maxTumorSlicePixels: study.maxTumorSlice === null ? null : study.tumorPixelsPerSlice[study.maxTumorSlice],
    tumorSlices: study.wholeTumor ? study.tumorPixelsPerSlice.filter((c) => c > 0).length : null,
  }
}

/** Human-readable form of `studyInfo`. */
export function formatInfo(info: InfoJson): string {
  const num = (v: number): string => String(+v.toPrecision(6))
  const rows: [string, string][] = [
    ['study', `${info.name}  (${info.path})`],
    ['image (FLAIR)', info.image],
    ['label', info.label ?? '(none)'],
    ['dims', `${info.dims.join(' × ')} voxels`],
    ['voxel size', `${info.voxelSizeMm.map(num).join(' × ')} mm`],
    ['datatype', info.labelDatatype ? `${info.datatype} (label ${info.labelDatatype})` : info.datatype],
    ['orientation', info.orientation],
    ['intensity range', `${num(info.intensityRange[0])} .. ${num(info.intensityRange[1])}`],
  ]
  if (info.label) {
    rows.push(['label values', info.labelValues.join(', ')])
    rows.push(['whole tumour', `${info.wholeTumorVoxels} voxels in ${info.tumorSlices} axial slices`])
    rows.push([
      'max tumour slice',
      info.maxTumorSlice === null ? '(no tumour)' : `${info.maxTumorSlice} (${info.maxTumorSlicePixels} pixels)`,
    ])
  }
  const width = Math.max(...rows.map(([k]) => k.length))
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + '\n'
}

/** Registers `tilelab info`. */
export function register(program: Command): void {
  program
    .command('info')
    .description('show the files, grid, labels and tumour extent TileLab finds in a study')
    .argument('<study>', 'study folder (or a single NIfTI file)')
    .option('--image <file>', 'FLAIR image to use (wins over discovery and study.json)')
    .option('--label <file>', 'tumour label map to use (wins over discovery and study.json)')
    .option('--json', 'print one JSON object on stdout')
    .action(async (studyPath: string, opts: { image?: string; label?: string; json?: boolean }) => {
      const { loadStudy } = await import('../../engine/io/study')
      const study = await loadStudy(studyPath, { image: opts.image, label: opts.label })
      const info = studyInfo(study)
      process.stdout.write(opts.json ? JSON.stringify(info) + '\n' : formatInfo(info))
    })
}
