/**
 * Closing the window while a training or evaluation job runs asks first, and a confirmed close stops the job so
 * that it keeps its last checkpoint (resumable) instead of running on unseen.
 *
 * - Browser (web host): `beforeunload` asks (the browser's own dialog); on `pagehide` the running jobs are cancelled
 *   with keep-alive requests, which outlive the page. The CLI stops after the current step and saves checkpoints/last.
 * - Desktop app: the same `beforeunload` handler makes Electron emit `will-prevent-unload` on the window's
 *   webContents; the main process (electron/mainWindow.ts) shows a native "Stop and close / Keep running" dialog
 *   and lets the close go on only when the user confirms. Quitting disposes the engine service, which cancels every
 *   job the same way (SIGINT to the CLI, checkpoint saved).
 *
 * `window.__tilelabBusy` (read-only flag) tells a shell or a test whether a job would be interrupted.
 */
import { transportName } from '../api/apiClient'
import { isEvaluationActive } from './evaluationProgress'
import { jobs } from './jobsState.svelte'
import { isTrainingActive } from './trainingProgress'

/** Job ids that closing the page would interrupt. */
export function runningJobIds(): string[] {
  const ids: string[] = []
  if (isTrainingActive(jobs.training)) ids.push(jobs.training!.jobId)
  if (isEvaluationActive(jobs.evaluation)) ids.push(jobs.evaluation!.jobId)
  return ids
}

/** Installs the handlers; returns their removal. */
export function installCloseGuard(): () => void {
  const onBeforeUnload = (e: BeforeUnloadEvent) => {
    if (runningJobIds().length === 0) return
    e.preventDefault()
    e.returnValue = '' // older Chromium (and Electron) look at returnValue
  }
  const onPageHide = () => {
    if (transportName() !== 'web') return
    for (const jobId of runningJobIds())
      void fetch(`${location.origin}/api/cancelJob`, {
        method: 'POST',
        keepalive: true,
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jobId }),
      }).catch(() => undefined)
  }
  window.addEventListener('beforeunload', onBeforeUnload)
  window.addEventListener('pagehide', onPageHide)
  Object.defineProperty(window, '__tilelabBusy', { configurable: true, get: () => runningJobIds().length > 0 })
  return () => {
    window.removeEventListener('beforeunload', onBeforeUnload)
    window.removeEventListener('pagehide', onPageHide)
  }
}
