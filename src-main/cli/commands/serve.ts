/**
 * `tilelab serve [--data DIR] [--port N]`: the loopback web host (src-main/web/webHost.ts) for the built renderer.
 * Its first stdout line is the URL to open, token included; logs go to stderr. Stops on SIGINT/SIGTERM.
 */
import type { Command } from 'commander'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { packageRoot, packageVersion } from '../../engine/packageRoot'
import type { TileLabService } from '../../common/api'
import type { WebHost } from '../../web/webHost'
import { EngineError } from '../../common/errors'


/** Folder of the built renderer (`npm run build:renderer` or `electron-vite build`). */
export const RENDERER_BUILD_DIR = join(packageRoot(), 'out', 'renderer')

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve the viewer on 127.0.0.1 with a per-start token; prints the URL to open first')
    .option('--data <dir>', 'the only folder the viewer may read studies from (and write results to)')
    .option('--port <n>', 'TCP port on 127.0.0.1 (0: any free port)', parsePort, 0)
    .option('--static <dir>', 'built renderer folder', RENDERER_BUILD_DIR)
    .action(async (opts: { data?: string; port: number; static: string }) => {
      const dataRoot = opts.data ?? null
      const { workDir } = await import('../../engine/service/workDir')
      const dirs = workDir()
      const service = await createServeService(dataRoot, dirs.root)
      // Evaluation runs the app starts without an output folder land in the work folder's runs/: readable, and
      // writable so that such a run can be resumed in place (the desktop app's work folder is writable likewise).
      await mkdir(dirs.runs, { recursive: true })
      const host = await startServe(service, { dataRoot, port: opts.port, staticDir: opts.static, writableRoots: [dirs.runs] })
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve)
        process.once('SIGTERM', resolve)
      })
      await host.close()
      await service.dispose()
    })
}

/**
 * Starts the web host for a service and prints its URL (token included) as the first line on `out`.
 * The bundled sample study (AppInfo.sampleStudy) is added as a read-only root, so a newcomer without `--data`
 * still sees it.
 * @throws EngineError E_IO when the data root or the renderer build is missing, or the port is taken.
 */
export async function startServe(
  service: TileLabService,
  options: { dataRoot: string | null; port?: number; staticDir?: string; readOnlyRoots?: string[]; writableRoots?: string[] },
  out: (line: string) => void = (line) => process.stdout.write(line),
): Promise<WebHost> {
  const { startWebHost } = await import('../../web/webHost')
  const { log } = await import('../../engine/log')
  const info = await service.getAppInfo({})
  const host = await startWebHost({
    service,
    staticDir: options.staticDir ?? RENDERER_BUILD_DIR,
    dataRoot: options.dataRoot,
    readOnlyRoots: [...(info.sampleStudy ? [info.sampleStudy] : []), ...(options.readOnlyRoots ?? [])],
    writableRoots: options.writableRoots ?? [],
    port: options.port ?? 0,
  })
  out(host.url + '\n')
  log.info({ port: host.port, data: options.dataRoot, sample: info.sampleStudy }, 'tilelab serve: listening on 127.0.0.1')
  return host
}

/**
 * The engine service of the web host: EngineService in a worker thread (engineWorkerHost.ts), so loading studies
 * and running the U-Net never block the HTTP event loop. The bundled sample study is generated on first use into
 * the work folder's cache (deterministic: case 0 of seed 2018). The service is confined to what the host serves.
 */
async function createServeService(
  dataRoot: string | null,
  workRoot: string,
): Promise<TileLabService & { dispose(): Promise<void> }> {
  const { startEngineWorker } = await import('../../engine/service/engineWorkerHost')
  const { workDir } = await import('../../engine/service/workDir')
  const { ensureSampleStudy } = await import('../../engine/synth/sampleStudy')
  const dirs = workDir(workRoot)
  const sampleStudy = await ensureSampleStudy(dirs.cache)
  // The service reads files only where the host's path guard lets requests point: --data, the sample study and
  // the work folder's evaluation runs (judged after symlinks, so a link or study.json cannot lead elsewhere).
  const readRoots = [...(dataRoot ? [dataRoot] : []), sampleStudy, dirs.runs]
  return startEngineWorker({ host: 'web', version: packageVersion(), dataRoot, sampleStudy, workDir: workRoot, readRoots })
}

function parsePort(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new EngineError('E_ARGS', `--port ${value}: not a port number`)
  return n
}
