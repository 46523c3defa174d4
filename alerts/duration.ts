/**
 * @module alerts/duration
 * Durations as rule files and the configuration write them: Prometheus' form, one or more
 * number-unit pairs (`30s`, `1m30s`, `250ms`), or `0`.
 */

const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }
const PAIR = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y

/** Milliseconds of `text`, or undefined when it is not a duration. */
export function parseDurationMs(text: unknown): number | undefined {
  if (typeof text === 'number' && Number.isFinite(text) && text >= 0) return text * 1000
  if (typeof text !== 'string') return undefined
  if (text === '0') return 0
  let total = 0
  PAIR.lastIndex = 0
  let at = 0
  while (at < text.length) {
    PAIR.lastIndex = at
    const m = PAIR.exec(text)
    if (m === null) return undefined
    total += Number(m[1]) * UNITS_MS[m[2]]
    at = PAIR.lastIndex
  }
  return text.length > 0 ? total : undefined
}

/** A duration in milliseconds as the shortest text (`90000` → `1m30s`). */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0s'
  let out = ''
  let rest = ms
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const n = Math.floor(rest / size)
    if (n > 0) out += `${n}${unit}`
    rest -= n * size
  }
  return out
}
