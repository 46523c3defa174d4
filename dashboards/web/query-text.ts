/**
 * @module dashboards/web/query-text
 * Writing query text from what a user picked (query/LANGUAGE.md "Lexical structure"): string
 * literals, field paths with odd names, durations, and a bucket width for a time range. Values
 * from telemetry always go through these, so a name cannot change the query's meaning.
 */

/** Reserved words of the language: a path part spelled like one must be quoted. */
const RESERVED = new Set(['and', 'or', 'not', 'in', 'contains', 'startswith', 'endswith', 'matches', 'as', 'by', 'asc', 'desc', 'on', 'true', 'false', 'null'])
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * A string literal of the language.
 * @example quote('say "hi"') // "say \"hi\""
 */
export function quote(text: string): string {
  let out = '"'
  for (const ch of text) {
    if (ch === '"' || ch === '\\') out += '\\' + ch
    else if (ch === '\n') out += '\\n'
    else if (ch === '\t') out += '\\t'
    else if (ch === '\r') out += '\\r'
    else if (ch.charCodeAt(0) < 0x20 || ch === '\u2028' || ch === '\u2029') out += '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0')
    else out += ch
  }
  return out + '"'
}

/**
 * A dotted field path; parts that are not identifiers are quoted with backticks. Undefined for a
 * name the language cannot spell (a backtick inside a part, an empty part).
 * @example fieldPath('attr', 'k8s-pod') // attr.`k8s-pod`
 */
export function fieldPath(...names: string[]): string | undefined {
  const parts: string[] = []
  for (const name of names) {
    for (const part of name.split('.')) {
      if (part === '' || part.includes('`')) return undefined
      parts.push(IDENT.test(part) && !RESERVED.has(part.toLowerCase()) ? part : '`' + part + '`')
    }
  }
  return parts.join('.')
}

/** A duration as the language writes it (`250ms`, `1.5s`), or undefined when it is not one. */
export function durationText(text: string): string | undefined {
  const t = text.trim().replace(/\s+/g, '')
  return /^\d+(\.\d+)?(ns|us|ms|s|m|h)$/.test(t) ? t : undefined
}

/** A literal for a filter value typed as text: numbers and booleans as such, else a string. */
export function valueLiteral(text: string): string {
  if (/^-?\d+(\.\d+)?$/.test(text)) return text
  if (text === 'true' || text === 'false') return text
  return quote(text)
}

const WIDTHS: readonly [string, number][] = [
  ['1s', 1e3], ['5s', 5e3], ['10s', 10e3], ['30s', 30e3], ['1m', 60e3], ['5m', 300e3], ['10m', 600e3],
  ['30m', 1800e3], ['1h', 3600e3], ['3h', 3 * 3600e3], ['6h', 6 * 3600e3], ['12h', 12 * 3600e3], ['1d', 86400e3],
]

/**
 * The bucket width for `bin(time, w)` that cuts a range into at most `buckets` buckets: enough
 * points for a readable chart, few enough to draw at once.
 */
export function bucketWidth(rangeMs: number, buckets = 120): { text: string; ms: number } {
  for (const [text, ms] of WIDTHS) if (rangeMs / ms <= buckets) return { text, ms }
  const [text, ms] = WIDTHS[WIDTHS.length - 1]
  return { text, ms }
}

/** `where` conditions joined with `and`; empty when there are none. */
export function whereClause(conditions: readonly string[]): string {
  return conditions.length === 0 ? '' : ` | where ${conditions.join(' and ')}`
}
