/**
 * Where the desktop app finds its parts, unpackaged (repo checkout, `npm run build` then `electron .`) and packaged
 * (electron-builder: the app in resources/app.asar, the models beside it as extraResources so that native code
 * such as onnxruntime can open model files by path). Pure TS: the caller passes Electron's paths.
 *
 * Unpackaged, `mainDir` is out/main of the checkout, so the repo root is two levels up. Packaged, it is
 * resources/app.asar/out/main and `resourcesPath` is the resources folder.
 */
import path from 'node:path'
import { sampleStudyPath } from '../engine/synth/sampleStudy'

export interface AppPathInputs {
  /** app.isPackaged */
  isPackaged: boolean
  /** Folder of the bundled main script (out/main). */
  mainDir: string
  /** process.resourcesPath (packaged). */
  resourcesPath: string
  /** app.getPath('userData') (after any TILELAB_USER_DATA override). */
  userDataPath: string
}

export interface AppPaths {
  /** Built renderer served on tilelab://app/ (out/renderer). */
  rendererDir: string
  /** Sandboxed preload (out/preload/index.cjs). */
  preloadFile: string
  /** Models shipped with the app (read-only): models/ of the repo, or resources/models when packaged. */
  bundledModelsDir: string
  /** The generated sample study (read-only to the renderer): made on first use in <userData>/work/cache. */
  sampleStudyDir: string
  /** Window icon (resources/icons/512x512.png). */
  iconFile: string
  /** Models the user trains (writable): <userData>/models. */
  userModelsDir: string
  /** The engine's work folder (evaluation outputs, training runs, caches): <userData>/work. */
  workDir: string
  /** Settings file: <userData>/settings.json. */
  settingsFile: string
}

/** Resolves every path the app uses. */
export function appPaths(inputs: AppPathInputs): AppPaths {
  const appRoot = path.resolve(inputs.mainDir, '..', '..')
  const shipped = inputs.isPackaged ? inputs.resourcesPath : appRoot
  const shippedResources = inputs.isPackaged ? inputs.resourcesPath : path.join(appRoot, 'resources')
  return {
    rendererDir: path.join(appRoot, 'out', 'renderer'),
    preloadFile: path.join(appRoot, 'out', 'preload', 'index.cjs'),
    bundledModelsDir: path.join(shipped, 'models'),
    sampleStudyDir: sampleStudyPath(path.join(inputs.userDataPath, 'work', 'cache')),
    iconFile: path.join(shippedResources, 'icons', '512x512.png'),
    userModelsDir: path.join(inputs.userDataPath, 'models'),
    workDir: path.join(inputs.userDataPath, 'work'),
    settingsFile: path.join(inputs.userDataPath, 'settings.json'),
  }
}
