/**
 * Window/level presets of the FLAIR, from the study's robust intensity range (StudyInfo.intensity).
 * FLAIR has no calibrated units (unlike CT's Hounsfield), so presets are relative to the percentiles:
 * - Auto: p1..p99, the default;
 * - Full: min..max;
 * - Lesion: a narrow, bright window that separates hyperintense oedema/tumour from white matter
 *   (lower bound at 35 % of the p1..p99 span, upper a little above p99).
 */
import type { StudyInfo } from '../../../src-main/common/api'

export interface WindowPreset {
  id: 'auto' | 'full' | 'lesion'
  label: string
  key: string
  lower: number
  upper: number
}

export function windowPresets(study: Pick<StudyInfo, 'intensity'>): WindowPreset[] {
  const { min, max, p01, p99 } = study.intensity
  const span = Math.max(p99 - p01, 1e-6)
  return [
    { id: 'auto', label: 'Auto', key: '1', lower: p01, upper: p99 > p01 ? p99 : p01 + 1 },
    { id: 'full', label: 'Full', key: '2', lower: min, upper: max > min ? max : min + 1 },
    {
      id: 'lesion',
      label: 'Lesion',
      key: '3',
      lower: p01 + 0.35 * span,
      upper: Math.max(p99 + 0.1 * span, p01 + 0.35 * span + 1e-3),
    },
  ]
}

/** Window width and level (centre) of a [lower, upper] range. */
export function toWindowLevel(lower: number, upper: number): { width: number; level: number } {
  return { width: upper - lower, level: (upper + lower) / 2 }
}
