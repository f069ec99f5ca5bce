/**
 * Renders a Vega-Lite specification to an SVG string in Node (no browser, no canvas): compile with vega-lite,
 * parse with vega, run a headless View and serialise its scenegraph. Used for the self-contained report.html and
 * sweep.html; the app renders the same specs with vega-embed.
 *
 * @source Vega docs, "View API: toSVG" (headless rendering with renderer 'none'); vega-lite `compile`.
 */
import * as vega from 'vega'
import * as vl from 'vega-lite'
import type { TopLevelSpec } from 'vega-lite'
import { EngineError } from '../../common/errors'

/**
 * @param spec A Vega-Lite top-level spec with inline data.
 * @returns `<svg …>…</svg>` text.
 * @throws EngineError E_INTERNAL when the spec does not compile or render (the message names the Vega error).
 */
export async function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  let view: vega.View | undefined
  try {
    const compiled = vl.compile(spec).spec
    view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Warn })
    return await view.toSVG()
  } catch (err) {
    throw new EngineError('E_INTERNAL', `chart rendering failed: ${(err as Error).message}`, { cause: err })
  } finally {
    view?.finalize()
  }
}
