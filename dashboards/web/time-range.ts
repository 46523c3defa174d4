/**
 * @module dashboards/web/time-range
 * The time range every page reads, kept in the URL (`from`, `to`, `refresh`) so that a link
 * holds it. `from`/`to` are `now`, `now-<n><unit>` (relative, re-read at each refresh) or an
 * absolute time (RFC 3339 or epoch milliseconds).
 */

export interface TimeRange {
  from: string
  to: string
}

export interface ResolvedRange {
  startMs: number
  endMs: number
}

export const DEFAULT_RANGE: TimeRange = { from: 'now-1h', to: 'now' }

/** Relative choices of the picker. */
export const RELATIVE_CHOICES: readonly { label: string; from: string }[] = [
  { label: 'Last 5 minutes', from: 'now-5m' },
  { label: 'Last 15 minutes', from: 'now-15m' },
  { label: 'Last 30 minutes', from: 'now-30m' },
  { label: 'Last 1 hour', from: 'now-1h' },
  { label: 'Last 3 hours', from: 'now-3h' },
  { label: 'Last 6 hours', from: 'now-6h' },
  { label: 'Last 12 hours', from: 'now-12h' },
  { label: 'Last 24 hours', from: 'now-24h' },
  { label: 'Last 2 days', from: 'now-2d' },
  { label: 'Last 7 days', from: 'now-7d' },
  { label: 'Last 30 days', from: 'now-30d' },
]

/** Auto-refresh choices: URL value and milliseconds (0: off). */
export const REFRESH_CHOICES: readonly { label: string; value: string; ms: number }[] = [
  { label: 'Off', value: '', ms: 0 },
  { label: '5s', value: '5s', ms: 5_000 },
  { label: '10s', value: '10s', ms: 10_000 },
  { label: '30s', value: '30s', ms: 30_000 },
  { label: '1m', value: '1m', ms: 60_000 },
  { label: '5m', value: '5m', ms: 300_000 },
]

const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 }

/** Milliseconds of one end, or an Error saying what is wrong with the text. */
export function parseTimePoint(text: string, nowMs: number): number | Error {
  const t = text.trim()
  if (t === 'now') return nowMs
  const rel = /^now-(\d+)(s|m|h|d|w)$/.exec(t)
  if (rel) return nowMs - Number(rel[1]) * UNIT_MS[rel[2]]
  if (/^\d{10,16}$/.test(t)) return Number(t)
  if (/^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?)?$/.test(t)) {
    const ms = Date.parse(t.replace(' ', 'T'))
    if (!Number.isNaN(ms)) return ms
  }
  return new Error(`cannot read time ${JSON.stringify(text)}: expected now, now-15m, now-2h, now-7d, or a time like 2026-11-01T10:00:00Z`)
}

/** The range in milliseconds, or an Error for a bad end or an empty range. */
export function resolveRange(range: TimeRange, nowMs = Date.now()): ResolvedRange | Error {
  const startMs = parseTimePoint(range.from, nowMs)
  if (startMs instanceof Error) return startMs
  const endMs = parseTimePoint(range.to, nowMs)
  if (endMs instanceof Error) return endMs
  if (startMs >= endMs) return new Error(`cannot use this time range: from (${range.from}) must be before to (${range.to})`)
  return { startMs, endMs }
}

/** A short label: "Last 1 hour", or the two ends. */
export function rangeLabel(range: TimeRange): string {
  if (range.to === 'now') {
    const choice = RELATIVE_CHOICES.find((c) => c.from === range.from)
    if (choice) return choice.label
    if (range.from.startsWith('now-')) return `Last ${range.from.slice(4)}`
  }
  return `${pointLabel(range.from)} → ${pointLabel(range.to)}`
}

function pointLabel(point: string): string {
  if (point.startsWith('now')) return point
  const ms = parseTimePoint(point, Date.now())
  return ms instanceof Error ? point : formatLocal(ms)
}

/** 2026-11-01 10:00:00 in the browser's zone. */
export function formatLocal(ms: number): string {
  const d = new Date(ms)
  const p = (n: number): string => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
}

/** An absolute URL value for a millisecond time (RFC 3339, UTC). */
export function absolutePoint(ms: number): string {
  return new Date(Math.round(ms)).toISOString()
}

/** The range twice as wide around the same middle, as absolute times. */
export function zoomOut(resolved: ResolvedRange, nowMs = Date.now()): TimeRange {
  const width = resolved.endMs - resolved.startMs
  const end = Math.min(nowMs, resolved.endMs + width / 2)
  return { from: absolutePoint(end - 2 * width), to: end >= nowMs ? 'now' : absolutePoint(end) }
}

/** Epoch nanoseconds as the decimal string the query API takes. */
export function toApiNs(ms: number): string {
  return (BigInt(Math.round(ms)) * 1_000_000n).toString()
}
