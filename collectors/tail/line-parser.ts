/**
 * @module collectors/tail/line-parser
 * Turns one log record's text into log fields: JSON objects and logfmt lines give their keys
 * as attributes; a timestamp and a severity are taken from well-known keys (JSON, logfmt) or
 * from the start of a plain line. Severity numbers follow the OpenTelemetry logs data model
 * (TRACE 1, DEBUG 5, INFO 9, WARN 13, ERROR 17, FATAL 21).
 */
import type { AnyValue } from '../../storage/index.ts'

export type LineFormat = 'auto' | 'json' | 'logfmt' | 'plain'
export const LINE_FORMATS: readonly LineFormat[] = ['auto', 'json', 'logfmt', 'plain']

export interface ParsedRecord {
  body: string
  /** Epoch nanoseconds, when the record says when it happened. */
  timeUnixNano?: bigint
  severityNumber?: number
  severityText?: string
  attributes: Record<string, AnyValue>
}

const TIME_KEYS = ['time', 'timestamp', 'ts', '@timestamp', 't', 'datetime']
const LEVEL_KEYS = ['level', 'severity', 'lvl', 'log.level', 'loglevel', 'levelname']
const BODY_KEYS = ['msg', 'message', 'body', 'log']

/** Severity words and their OpenTelemetry numbers. */
const SEVERITY: Record<string, number> = {
  trace: 1, debug: 5, info: 9, information: 9, informational: 9, notice: 10, warn: 13, warning: 13,
  error: 17, err: 17, critical: 21, crit: 21, fatal: 21, emerg: 21, emergency: 21, alert: 21, panic: 21,
}

/** The OpenTelemetry severity number of a level word, or of a number bunyan/pino style (10 trace .. 60 fatal). */
export function severityNumber(level: AnyValue | undefined): number | undefined {
  if (typeof level === 'string') return SEVERITY[level.toLowerCase()]
  const n = typeof level === 'bigint' ? Number(level) : level
  if (typeof n !== 'number') return undefined
  const byNumber: Record<number, number> = { 10: 1, 20: 5, 30: 9, 40: 13, 50: 17, 60: 21 }
  return byNumber[n]
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?/

/**
 * Epoch nanoseconds of a timestamp: RFC 3339 / ISO 8601 text (a missing zone is UTC), or a number
 * of seconds, milliseconds, microseconds or nanoseconds since the epoch, told apart by size.
 */
export function parseTimestamp(value: AnyValue | undefined): bigint | undefined {
  if (typeof value === 'string') {
    if (/^\d+$/.test(value)) {
      // Integers keep every digit: nanosecond stamps are past a double's precision.
      const n = BigInt(value)
      if (n === 0n) return undefined
      return value.length <= 11 ? n * 1_000_000_000n : value.length <= 14 ? n * 1_000_000n : value.length <= 17 ? n * 1000n : n
    }
    if (/^\d+\.\d+$/.test(value)) return parseTimestamp(Number(value))
    const m = RFC3339.exec(value)
    if (m === null) return undefined
    let zone = m[4] ?? 'Z'
    if (zone !== 'Z' && !zone.includes(':')) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`
    const ms = Date.parse(`${m[1]}T${m[2]}${zone}`)
    if (Number.isNaN(ms)) return undefined
    return BigInt(ms) * 1_000_000n + BigInt((m[3] ?? '').padEnd(9, '0'))
  }
  const n = typeof value === 'bigint' ? Number(value) : value
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) return undefined
  if (n < 1e11) return BigInt(Math.round(n * 1e6)) * 1000n // seconds
  if (n < 1e14) return BigInt(Math.round(n * 1e3)) * 1000n // milliseconds
  if (n < 1e17) return BigInt(Math.round(n)) * 1000n // microseconds
  return BigInt(Math.round(n)) // nanoseconds
}

/** JSON values as attribute values: integers as bigint (OTLP int), objects and lists kept whole. */
function jsonValue(v: unknown): AnyValue {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : v
  if (Array.isArray(v)) return v.map(jsonValue)
  const out: Record<string, AnyValue> = {}
  for (const [k, x] of Object.entries(v as object)) out[k] = jsonValue(x)
  return out
}

function fromFields(fields: Record<string, AnyValue>, raw: string): ParsedRecord {
  const rec: ParsedRecord = { body: raw, attributes: {} }
  let timeKey: string | undefined
  let levelKey: string | undefined
  let bodyKey: string | undefined
  for (const k of TIME_KEYS) if (timeKey === undefined && k in fields && parseTimestamp(fields[k]) !== undefined) timeKey = k
  for (const k of LEVEL_KEYS) if (levelKey === undefined && k in fields && (typeof fields[k] === 'string' || typeof fields[k] === 'bigint')) levelKey = k
  for (const k of BODY_KEYS) if (bodyKey === undefined && typeof fields[k] === 'string') bodyKey = k
  if (timeKey !== undefined) rec.timeUnixNano = parseTimestamp(fields[timeKey])
  if (levelKey !== undefined) {
    const level = fields[levelKey]
    rec.severityNumber = severityNumber(level)
    if (typeof level === 'string') rec.severityText = level.toUpperCase()
  }
  if (bodyKey !== undefined) rec.body = fields[bodyKey] as string
  for (const [k, v] of Object.entries(fields)) if (k !== timeKey && k !== levelKey && k !== bodyKey) rec.attributes[k] = v
  return rec
}

/** Parses `key=value key2="quoted value"` pairs; undefined when the text is not logfmt. */
export function parseLogfmt(text: string): Record<string, AnyValue> | undefined {
  const out: Record<string, AnyValue> = {}
  const re = /\s*([^\s="]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s"]*))/y
  let pos = 0
  let pairs = 0
  while (pos < text.length) {
    if (/^\s*$/.test(text.slice(pos))) break
    re.lastIndex = pos
    const m = re.exec(text)
    if (m === null) return undefined
    out[m[1]] = m[2] !== undefined ? m[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c)) : m[3]
    pos = re.lastIndex
    pairs++
  }
  return pairs > 0 ? out : undefined
}

const PLAIN_LEVEL = /^[[(]?(TRACE|DEBUG|INFO|INFORMATION|NOTICE|WARN|WARNING|ERROR|ERR|CRITICAL|CRIT|FATAL|PANIC)[\])]?[:\s]/i

function parsePlain(text: string): ParsedRecord {
  const rec: ParsedRecord = { body: text, attributes: {} }
  let rest = text
  const m = RFC3339.exec(rest)
  if (m !== null) {
    const t = parseTimestamp(m[0])
    if (t !== undefined) {
      rec.timeUnixNano = t
      rest = rest.slice(m[0].length).trimStart()
    }
  }
  const level = PLAIN_LEVEL.exec(rest)
  if (level !== null) {
    rec.severityText = level[1].toUpperCase()
    rec.severityNumber = SEVERITY[level[1].toLowerCase()]
  }
  return rec
}

/** Parses one record's text (lines joined by "\n" for multi-line records). */
export function parseRecord(text: string, format: LineFormat): ParsedRecord {
  if (format === 'json' || (format === 'auto' && text.startsWith('{'))) {
    try {
      const value: unknown = JSON.parse(text)
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) return fromFields(jsonValue(value) as Record<string, AnyValue>, text)
    } catch {
      // not JSON after all: kept as a plain line
    }
    return parsePlain(text)
  }
  if (format === 'logfmt' || format === 'auto') {
    const fields = parseLogfmt(text)
    if (fields !== undefined && (format === 'logfmt' || Object.keys(fields).length >= 2)) return fromFields(fields, text)
  }
  return parsePlain(text)
}
