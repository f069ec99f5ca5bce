/**
 * `tilelab serve [--data DIR] [--port N]`: the loopback web host (src-main/web/webHost.ts) for the built renderer.
 * Its first stdout line is the URL to open, token included; logs go to stderr. Stops on SIGINT/SIGTERM.
 */
import type { Command } from 'commander'
import { fileURLToPath } from 'node:url'
import type { TileLabService } from '../../common/api'
import type { WebHost } from '../../web/webHost'
import { EngineError } from '../../common/errors'

/** Folder of the built renderer (`npm run build:renderer` or `electron-vite build`). */
export const RENDERER_BUILD_DIR = fileURLToPath(new URL('../../../out/renderer', import.meta.url))

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve the viewer on 127.0.0.1 with a per-start token; prints the URL to open first')
    .option('--data <dir>', 'the only folder the viewer may read studies from (and write results to)')
    .option('--port <n>', 'TCP port on 127.0.0.1 (0: any free port)', parsePort, 0)
    .option('--static <dir>', 'built renderer folder', RENDERER_BUILD_DIR)
    .action(async (opts: { data?: string; port: number; static: string }) => {
      const dataRoot = opts.data ?? null
      const service = await createServeService(dataRoot)
      const host = await startServe(service, { dataRoot, port: opts.port, staticDir: opts.static })
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve)
        process.once('SIGTERM', resolve)
      })
      await host.close()
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
  options: { dataRoot: string | null; port?: number; staticDir?: string },
  out: (line: string) => void = (line) => process.stdout.write(line),
): Promise<WebHost> {
  const { startWebHost } = await import('../../web/webHost')
  const { log } = await import('../../engine/log')
  const info = await service.getAppInfo({})
  const host = await startWebHost({
    service,
    staticDir: options.staticDir ?? RENDERER_BUILD_DIR,
    dataRoot: options.dataRoot,
    readOnlyRoots: info.sampleStudy ? [info.sampleStudy] : [],
    port: options.port ?? 0,
  })
  out(host.url + '\n')
  log.info({ port: host.port, data: options.dataRoot, sample: info.sampleStudy }, 'tilelab serve: listening on 127.0.0.1')
  return host
}

/**
 * WIRING POINT (issue 5): the real engine service for the web host.
 * Once src-main/engine/service exists, replace the body with something like
 *   const { createTileLabService } = await import('../../engine/service/tileLabService')
 *   return createTileLabService({ host: 'web', dataRoot })
 * The web host only needs the TileLabService shape (common/api.ts): the API methods, `on`, and `readResource`.
 * @throws EngineError E_INTERNAL until the service is assembled.
 */
async function createServeService(dataRoot: string | null): Promise<TileLabService> {
  throw new EngineError(
    'E_INTERNAL',
    `tilelab serve: the engine service (src-main/engine/service/) is not part of this build yet (--data ${dataRoot ?? 'none'})`,
  )
}

function parsePort(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new EngineError('E_ARGS', `--port ${value}: not a port number`)
  return n
}
