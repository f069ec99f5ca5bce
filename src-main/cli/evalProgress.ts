/**
 * How `tilelab evaluate` and `tilelab sweep` show their EvalEvents:
 * - `--json`: every event as one JSON line on stdout (the summary follows as the last line);
 * - a terminal (stderr is a TTY): a cli-progress bar with slices, slices/s, ETA and the current study;
 * - otherwise (a batch job's log): one plain line per study and per failure, and a progress line at most every
 *   30 s, on stderr.
 */
import { SingleBar } from 'cli-progress'
import type { EvalEvent } from '../common/events'

export type EventSink = ((event: EvalEvent) => void) & { close(): void }

/** Picks the display for the current process. */
export function evalEventSink(options: { json: boolean; tty?: boolean; now?: () => number }): EventSink {
  if (options.json) return Object.assign((e: EvalEvent) => void process.stdout.write(JSON.stringify(e) + '\n'), { close() {} })
  return (options.tty ?? process.stderr.isTTY) ? barSink() : lineSink(options.now ?? Date.now)
}

/** 'ETA 3m 20s' style durations. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—'
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

function barSink(): EventSink {
  const bar = new SingleBar({
    format: '{bar} {value}/{total} slices | {rate} slices/s | ETA {etaText} | {study}',
    barsize: 30,
    hideCursor: true,
    stream: process.stderr,
    fps: 5,
  })
  let started = false
  const sink = (e: EvalEvent): void => {
    if (e.type === 'start') {
      process.stderr.write(`Evaluating ${e.studies} studies with ${e.model} (${e.backend})${e.resumed ? `, ${e.resumed} already done` : ''} → ${e.out}\n`)
    } else if (e.type === 'slice') {
      const payload = { rate: e.slicesPerSec.toFixed(2), etaText: formatDuration(e.etaMs), study: e.study }
      if (!started) {
        bar.start(e.total ?? e.done, e.done, payload)
        started = true
      }
      bar.setTotal(Math.max(e.total ?? e.done, e.done))
      bar.update(e.done, payload)
    } else if (e.type === 'sweepStep') {
      const payload = { rate: '—', etaText: formatDuration(e.etaMs), study: `${e.study} ${e.tile === null ? 'whole image' : `tile ${e.tile}, overlap ${e.overlap}`}` }
      if (!started) {
        bar.start(e.total, e.done, payload)
        started = true
      }
      bar.update(e.done, payload)
    } else if (e.type === 'studyFailed') {
      bar.stop()
      started = false
      process.stderr.write(`  failed: ${e.study}: ${e.error}\n`)
    } else if (e.type === 'end') {
      if (started) bar.stop()
      started = false
    }
  }
  return Object.assign(sink, { close: () => started && bar.stop() })
}

function lineSink(now: () => number): EventSink {
  let last = -Infinity
  let latest: string | null = null
  const write = (s: string): void => void process.stderr.write(s + '\n')
  const sink = (e: EvalEvent): void => {
    if (e.type === 'start')
      write(`Evaluating ${e.studies} studies with ${e.model} (${e.backend})${e.resumed ? `, ${e.resumed} already done` : ''} → ${e.out}`)
    else if (e.type === 'study') write(`[${e.index + 1}/${e.studies}] ${e.study}: ${e.slices} slices`)
    else if (e.type === 'studyFailed') write(`  failed: ${e.study}: ${e.error}`)
    else if (e.type === 'slice' || e.type === 'sweepStep') {
      latest =
        e.type === 'slice'
          ? `  ${e.done}/${e.total ?? '?'} slices, ${e.slicesPerSec.toFixed(2)} slices/s, ETA ${formatDuration(e.etaMs)}`
          : `  ${e.done}/${e.total} steps, ETA ${formatDuration(e.etaMs)}`
      if (now() - last >= 30_000) {
        write(latest)
        last = now()
        latest = null
      }
    } else if (e.type === 'end') {
      if (latest) write(latest)
      write(`${e.outcome === 'ok' ? 'Done' : e.outcome === 'cancelled' ? 'Cancelled' : 'Failed'}: ${e.out}`)
    }
  }
  return Object.assign(sink, { close() {} })
}
