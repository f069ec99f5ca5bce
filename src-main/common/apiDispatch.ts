/**
 * The host side of TileLabApi, like VS Code's `ProxyChannel.fromService`: one function that every host (Electron's
 * ipcMain handler, the web host's `POST /api/<method>`, in-process calls) runs before the service sees a request.
 * It dispatches only allowlisted methods (API_METHODS), validates the request with the method's zod schema, lets the
 * host check paths (`guard`), and turns anything thrown into the wire form {name, code, message}.
 * Pure TS (zod via api.ts): no node:, electron or DOM.
 */
import { API_METHODS, type ApiMethod, requestSchemas, type TileLabService } from './api'
import type { ApiChannel, ApiReply } from './apiChannel'
import { EngineError, serializeError } from './errors'

/**
 * Host hook run on a validated request before the service: checks (and may rewrite) path fields.
 * Throws EngineError E_ACCESS to refuse.
 */
export type RequestGuard = (method: ApiMethod, request: Record<string, unknown>) => Promise<Record<string, unknown>>

const METHOD_SET = new Set<string>(API_METHODS)

/** True for the names of TileLabApi's methods (the allowlist). */
export function isApiMethod(method: string): method is ApiMethod {
  return METHOD_SET.has(method)
}

/**
 * Validates and runs one API call against the service.
 *
 * @param service The engine service (or a test double) implementing TileLabService.
 * @param method  Method name as received from the transport.
 * @param request Untrusted request object (parsed JSON, IPC argument).
 * @param guard   Optional host hook (path checks).
 * @returns `{ ok: true, value }`, or `{ ok: false, error }` with E_ARGS for an unknown method or a request the
 *   schema refuses (the message names the field and the problem), E_ACCESS from the guard, or the service's error.
 */
export async function dispatchApiCall(
  service: TileLabService,
  method: string,
  request: unknown,
  guard?: RequestGuard,
): Promise<ApiReply> {
  try {
    const valid = validateApiRequest(method, request)
    const checked = guard ? await guard(method as ApiMethod, valid) : valid
    const fn = (service as unknown as Record<string, (r: unknown) => Promise<unknown>>)[method]
    if (typeof fn !== 'function') throw new EngineError('E_INTERNAL', `service does not implement ${method}`)
    const value = await fn.call(service, checked)
    return { ok: true, value: value === undefined ? null : value }
  } catch (err) {
    return { ok: false, error: serializeError(err) }
  }
}

/**
 * Checks the method against the allowlist and the request against its schema.
 * @returns The parsed request (zod strips nothing: schemas are strict, so unknown keys are refused).
 * @throws EngineError E_ARGS naming the method, the field path and the problem.
 */
export function validateApiRequest(method: string, request: unknown): Record<string, unknown> {
  if (!isApiMethod(method)) throw new EngineError('E_ARGS', `unknown API method '${String(method).slice(0, 80)}'`)
  const parsed = requestSchemas[method].safeParse(request ?? {})
  if (!parsed.success) {
    const detail = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.length ? i.path.join('.') : '(request)'}: ${i.message}`)
      .join('; ')
    throw new EngineError('E_ARGS', `${method}: invalid request: ${detail}`)
  }
  return parsed.data as Record<string, unknown>
}

/**
 * An ApiChannel that calls the service in the same process (CLI, tests), through the same validation as the hosts.
 * @param resourceBase Base URL for resource URLs ('' when the caller reads resources with service.readResource).
 */
export function createInProcessChannel(service: TileLabService, resourceBase = '', guard?: RequestGuard): ApiChannel {
  return {
    resourceBase,
    call: (method, request) => dispatchApiCall(service, method, structuredClone(request), guard),
    listen: (event, listener) => service.on(event, listener),
  }
}
