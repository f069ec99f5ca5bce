/**
 * Text of Help > About TileLab: the version, the runtime versions, and the paper the app is built on. Pure TS.
 */

/** The paper TileLab reproduces (Springer LNCS, BrainLes 2018 workshop proceedings). */
export const PAPER_CITATION =
  'G. A. Reina and R. Panchumarthy. Adverse Effects of Image Tiling on Convolutional Neural Networks. ' +
  'In: Brainlesion: Glioma, Multiple Sclerosis, Stroke and Traumatic Brain Injuries (BrainLes 2018), ' +
  'Lecture Notes in Computer Science 11383, Springer, 2019. doi:10.1007/978-3-030-11723-8_3'

export interface AboutContent {
  title: string
  message: string
  detail: string
}

/**
 * Content of the About box (Electron `dialog.showMessageBox` fields).
 * @param version The app's version (package.json, `app.getVersion()`).
 * @param versions `process.versions` of the main process (electron, chrome, node).
 */
export function aboutContent(version: string, versions: Partial<Record<'electron' | 'chrome' | 'node', string>>): AboutContent {
  const runtime = ['electron', 'chrome', 'node']
    .filter((k) => versions[k as keyof typeof versions])
    .map((k) => `${k[0].toUpperCase()}${k.slice(1)} ${versions[k as keyof typeof versions]}`)
    .join(' · ')
  return {
    title: 'About TileLab',
    message: `TileLab ${version}`,
    detail: [
      'Does tiled inference hurt my segmentation model? A research viewer and toolkit that compares full-image and ' +
        'tiled U-Net predictions on brain MRI (FLAIR), with Dice per slice.',
      '',
      'Built on:',
      PAPER_CITATION,
      '',
      'For research use only. Not for diagnosis or treatment.',
      '',
      runtime,
    ].join('\n'),
  }
}
