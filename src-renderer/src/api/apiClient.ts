/**
 * The renderer's one API client. In Electron the preload exposes the IPC channel as `window.tilelab`; in a browser
 * (web host) the channel is HTTP + SSE. Either way the renderer sees the same typed TileLabApi.
 */
import type { TileLabApi } from '../../../src-main/common/api'
import type { ApiChannel } from '../../../src-main/common/apiChannel'
import type { ShellBridge } from '../../../src-main/common/menuCommands'
import { createApiProxy, resolveResourceUrl } from '../../../src-main/common/apiProxy'
import { createHttpChannel } from './httpChannel'

declare global {
  interface Window {
    /** The preload's IPC channel (Electron only). */
    tilelab?: ApiChannel
    /** The preload's menu-command bridge (Electron only). */
    tilelabShell?: ShellBridge
  }
}

let api: TileLabApi | null = null

/** The API client of this page (created on first use). */
export function getApi(): TileLabApi {
  api ??= createApiProxy(window.tilelab ?? createHttpChannel())
  return api
}

/** Which transport the client uses. */
export function transportName(): 'electron' | 'web' {
  return window.tilelab ? 'electron' : 'web'
}

/**
 * Fetches the bytes behind a resource URL the API returned (NIfTI, label voxels, probability slices).
 * @throws Error naming the URL and the HTTP status.
 */
export async function fetchResource(url: string, signal?: AbortSignal): Promise<ArrayBuffer> {
  const abs = resolveResourceUrl(getApi(), url)
  const res = await fetch(abs, { credentials: 'same-origin', signal })
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`)
  return res.arrayBuffer()
}
