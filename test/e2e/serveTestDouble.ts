/**
 * Manual check of the viewer against the TEST DOUBLE service (no engine): writes the synthetic study into a temp
 * folder, serves the built renderer on 127.0.0.1 and prints the URL (token included) on the first line.
 *
 *   npx tsx test/e2e/serveTestDouble.ts [--data DIR] [--port N]
 *
 * With `--data ../shared/data/real` the real BraTS cases can be browsed (the probabilities stay fake).
 */
import path from 'node:path'
import { parseArgs } from 'node:util'
import { startWebHost } from '../../src-main/web/webHost'
import { ensureRendererBuild, RENDERER_OUT, tempDir } from './harness'
import { writeSyntheticStudy } from './syntheticStudy'
import { createTestDoubleService, preloadStudyFiles } from './testDoubleService'

const { values } = parseArgs({ options: { data: { type: 'string' }, port: { type: 'string' } } })
const tmp = tempDir('tilelab-double-')
const sample = await writeSyntheticStudy(tmp.dir)
const dataRoot = values.data ? path.resolve(values.data) : tmp.dir
await ensureRendererBuild()
preloadStudyFiles([sample.flairPath, sample.labelPath])
const service = createTestDoubleService({ dataRoot, sampleStudy: sample.dir })
const host = await startWebHost({
  service,
  staticDir: RENDERER_OUT,
  dataRoot,
  readOnlyRoots: [sample.dir],
  port: values.port ? Number(values.port) : 0,
})
process.stdout.write(host.url + '\n')
const stop = async () => {
  await host.close()
  tmp.remove()
  process.exit(0)
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
