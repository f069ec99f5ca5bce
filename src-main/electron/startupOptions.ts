/**
 * What the desktop app takes from its environment and command line at start, before any window exists. Pure TS
 * (the caller passes process.env and process.argv), unit-tested in Node.
 *
 * - TILELAB_HEADLESS=1: software WebGL for CI machines without a GPU. Chromium needs `--enable-unsafe-swiftshader`
 *   to keep WebGL on SwiftShader, and `--use-angle=swiftshader` selects ANGLE's SwiftShader backend
 *   (../shared/notes/renderer-notes.md: `--use-gl=swiftshader` turns WebGL off, so it is not used). The
 *   window still needs a display: run under xvfb-run on Linux CI.
 * - TILELAB_USER_DATA=<dir>: another userData folder (settings, work folder, single-instance lock), so that tests
 *   start from a clean state and may run beside a user's instance.
 * - A study path on the command line (`tilelab-app /data/BraTS_001`, or what a file manager passes): opened at start
 *   and granted read access, as if picked in File > Open Study....
 */
import path from 'node:path'

/** A Chromium switch and its value (none for a flag), as for `app.commandLine.appendSwitch(name, value)`. */
export type ChromiumSwitch = [name: string, value?: string]

/** True when the environment asks for headless (software) rendering. */
export function isHeadless(env: Record<string, string | undefined>): boolean {
  const v = env.TILELAB_HEADLESS
  return v === '1' || v === 'true'
}

/** Chromium switches for this environment (appended before `app.whenReady`). */
export function chromiumSwitches(env: Record<string, string | undefined>): ChromiumSwitch[] {
  if (!isHeadless(env)) return []
  return [['enable-unsafe-swiftshader'], ['use-angle', 'swiftshader']]
}

/**
 * userData folder override from TILELAB_USER_DATA, or null to keep Electron's default.
 * @returns An absolute path (resolved against `cwd`), or null when unset or empty.
 */
export function userDataOverride(env: Record<string, string | undefined>, cwd: string): string | null {
  const v = env.TILELAB_USER_DATA
  return v ? path.resolve(cwd, v) : null
}

/**
 * The study path given on the command line, if any.
 * @param argv process.argv (or the argv of a second instance).
 * @param defaultApp process.defaultApp: true when run as `electron [switches] <app> [args]`, where the first
 *   positional argument is the app (a script or folder), false when packaged (argv[0] is the app itself).
 * @param cwd Working directory the path is relative to.
 * @returns The absolute path of the first positional argument after the app, or null. Switches (`--x`, `--x=v`,
 *   `-x`; Chromium and Node switches such as Playwright's `--inspect=0`) are skipped wherever they stand, and
 *   everything after a bare `--` is ignored.
 */
export function studyPathFromArgv(argv: readonly string[], defaultApp: boolean, cwd: string): string | null {
  const positional: string[] = []
  for (const a of argv.slice(1)) {
    if (a === '--') break
    if (a.startsWith('-') || a.length === 0) continue
    positional.push(a)
  }
  const study = positional[defaultApp ? 1 : 0]
  return study === undefined ? null : path.resolve(cwd, study)
}
