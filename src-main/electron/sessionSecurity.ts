/**
 * Session- and app-wide hardening of the desktop app, after Electron's security checklist
 * (https://www.electronjs.org/docs/latest/tutorial/security):
 *
 * - #1 only local content: every request that is not the app's scheme (or, unpackaged, the dev server) is
 *   cancelled in webRequest.onBeforeRequest (requestPolicy.isAllowedRequestUrl).
 * - #7 a CSP on every response: the tilelab:// handler sets it itself (appProtocol.ts); responses of the dev server
 *   get it added in onHeadersReceived.
 * - #5 permission requests and checks are denied (no camera, notifications, HID, serial, USB, display capture...).
 * - #12 no <webview>; #13 no navigation (will-navigate, will-frame-navigate, will-redirect); #14 no new windows
 *   (setWindowOpenHandler deny), for every webContents the app ever creates.
 */
import { app, type Session, type WebContents } from 'electron'
import { contentSecurityPolicy } from '../common/contentSecurityPolicy'
import { isAllowedRequestUrl, type RequestPolicyOptions } from './requestPolicy'

/** Applies the request, header and permission policies to a session (the default one). */
export function hardenSession(session: Session, policy: RequestPolicyOptions, log: (line: string) => void): void {
  session.webRequest.onBeforeRequest((details, callback) => {
    const allowed = isAllowedRequestUrl(details.url, policy)
    if (!allowed) log(`blocked request: ${details.resourceType} ${details.url.slice(0, 200)}`)
    callback({ cancel: !allowed })
  })
  if (policy.devServerOrigin) {
    const csp = contentSecurityPolicy({ electron: true })
    // The dev server's responses get the same policy the tilelab:// scheme sends (electronegativity cannot parse a
    // policy held in a variable; it is the one it parsed in the built page's meta tag, plus frame-ancestors).
    session.webRequest.onHeadersReceived((details, callback) => {
      callback({
        responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] }, // eng-disable CSP_GLOBAL_CHECK
      })
    })
  }
  session.setPermissionRequestHandler((_webContents, permission, callback) => {
    log(`denied permission request: ${permission}`)
    callback(false)
  })
  session.setPermissionCheckHandler(() => false)
  session.setDevicePermissionHandler(() => false)
  session.setDisplayMediaRequestHandler((_request, callback) => callback(null))
  session.on('will-download', (event) => event.preventDefault())
}

/** Blocks webviews, navigation and new windows in every webContents the app creates (checklist #12-#14). */
export function hardenAllWebContents(log: (line: string) => void): void {
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.on('will-attach-webview', (event) => {
      log('blocked <webview>')
      event.preventDefault()
    })
    contents.on('will-navigate', (event, url) => {
      log(`blocked navigation to ${url.slice(0, 200)}`)
      event.preventDefault()
    })
    contents.on('will-frame-navigate', (event) => {
      if (!event.isMainFrame) {
        log(`blocked frame navigation to ${event.url.slice(0, 200)}`)
        event.preventDefault()
      }
    })
    contents.on('will-redirect', (event, url) => {
      log(`blocked redirect to ${url.slice(0, 200)}`)
      event.preventDefault()
    })
    contents.setWindowOpenHandler(({ url }) => {
      log(`blocked new window for ${url.slice(0, 200)}`)
      return { action: 'deny' }
    })
  })
}
