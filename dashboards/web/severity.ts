/**
 * @module dashboards/web/severity
 * Log severity numbers (OpenTelemetry logs data model, "SeverityNumber": 1-4 TRACE, 5-8 DEBUG,
 * 9-12 INFO, 13-16 WARN, 17-20 ERROR, 21-24 FATAL) as the classes the UI colours.
 */

export type SeverityClass = 'error' | 'warn' | 'info' | 'debug'

export const SEVERITY_CLASSES: readonly { cls: SeverityClass; label: string; min: number; max: number; color: string }[] = [
  { cls: 'error', label: 'error', min: 17, max: 24, color: '#ef4444' },
  { cls: 'warn', label: 'warn', min: 13, max: 16, color: '#f59e0b' },
  { cls: 'info', label: 'info', min: 9, max: 12, color: '#3b82f6' },
  { cls: 'debug', label: 'debug/trace', min: 0, max: 8, color: '#94a3b8' },
]

/** The class of a severity number; absent numbers read as info (the SDK default is unset). */
export function severityClass(n: unknown): SeverityClass {
  if (typeof n !== 'number' || n === 0) return 'info'
  if (n >= 17) return 'error'
  if (n >= 13) return 'warn'
  if (n >= 9) return 'info'
  return 'debug'
}

/** Minimum severity choices of the Logs filter: URL value and label. */
export const MIN_SEVERITY_CHOICES: readonly { value: string; label: string }[] = [
  { value: '', label: 'any severity' },
  { value: '5', label: 'debug and up' },
  { value: '9', label: 'info and up' },
  { value: '13', label: 'warn and up' },
  { value: '17', label: 'error and up' },
]
