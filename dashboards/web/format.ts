/**
 * @module dashboards/web/format
 * How values read on screen: units (ms, bytes, %, /s), durations, times, JSON.
 */

export type Unit = '' | 'ns' | 'ms' | 's' | 'bytes' | 'percent' | 'percentunit' | 'rps'

export const UNITS: readonly { value: Unit; label: string }[] = [
  { value: '', label: 'none' },
  { value: 'ns', label: 'duration (ns)' },
  { value: 'ms', label: 'milliseconds' },
  { value: 's', label: 'seconds' },
  { value: 'bytes', label: 'bytes' },
  { value: 'percent', label: 'percent (0-100)' },
  { value: 'percentunit', label: 'percent (0.0-1.0)' },
  { value: 'rps', label: 'per second (/s)' },
]

function trim(n: number, digits = 3): string {
  if (n === 0) return '0'
  const abs = Math.abs(n)
  if (abs >= 1000 || Number.isInteger(n)) return Math.round(n).toLocaleString('en-US')
  return Number(n.toPrecision(digits)).toString()
}

/** A duration given in nanoseconds, like 1.25 ms or 3.2 s. */
export function formatDurationNs(ns: number): string {
  const abs = Math.abs(ns)
  if (abs < 1e3) return `${trim(ns)} ns`
  if (abs < 1e6) return `${trim(ns / 1e3)} µs`
  if (abs < 1e9) return `${trim(ns / 1e6)} ms`
  if (abs < 60e9) return `${trim(ns / 1e9)} s`
  if (abs < 3600e9) return `${trim(ns / 60e9)} min`
  return `${trim(ns / 3600e9)} h`
}

function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let i = 0
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${trim(v)} ${units[i]}`
}

/** A number in a unit. */
export function formatValue(v: number, unit: Unit = ''): string {
  if (!Number.isFinite(v)) return String(v)
  switch (unit) {
    case '':
      return Math.abs(v) >= 1e6 ? `${trim(v / 1e6)}M` : Math.abs(v) >= 1e4 ? `${trim(v / 1e3)}k` : trim(v)
    case 'ns':
      return formatDurationNs(v)
    case 'ms':
      return formatDurationNs(v * 1e6)
    case 's':
      return formatDurationNs(v * 1e9)
    case 'bytes':
      return formatBytes(v)
    case 'percent':
      return `${trim(v)}%`
    case 'percentunit':
      return `${trim(v * 100)}%`
    case 'rps':
      return `${trim(v)}/s`
    default: {
      const never: never = unit
      return String(never)
    }
  }
}

/** A result cell as text, by its column type. */
export function formatCell(value: unknown, type: string): string {
  if (value === null || value === undefined) return ''
  if (type === 'duration' && typeof value === 'number') return formatDurationNs(value)
  if (typeof value === 'object') return JSON.stringify(value)
  // Six significant digits: 0.00555555555 reads as 0.00555556; the exact value is in the title.
  if (typeof value === 'number' && !Number.isInteger(value)) return String(Number(value.toPrecision(6)))
  return String(value)
}
