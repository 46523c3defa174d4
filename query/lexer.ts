/**
 * @module query/lexer
 * Splits query text into tokens. Keywords are plain identifiers: the parser decides.
 * See LANGUAGE.md "Lexical structure".
 */
import { QueryError, positionOf } from './errors.ts'

export type TokenType = 'ident' | 'quoted' | 'number' | 'duration' | 'time' | 'string' | 'punct' | 'eof'

export interface Token {
  readonly type: TokenType
  /** Identifier or punctuation text, string contents, or the literal as written. */
  readonly text: string
  /** Value of number (number), duration (nanoseconds, number) and time (epoch ns, bigint) tokens. */
  readonly value?: number | bigint
  readonly at: number
}

/** Nanoseconds per duration unit. */
export const DURATION_UNITS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
  d: 86400e9,
  w: 7 * 86400e9,
}

/** Words that cannot be bare field names (quote them with backticks to use them as names). */
export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  'and', 'or', 'not', 'in', 'contains', 'startswith', 'endswith', 'matches', 'as', 'by', 'asc', 'desc', 'on', 'true', 'false', 'null',
])

const PUNCT = ['==', '!=', '<=', '>=', '|', ',', '(', ')', '.', '=', '<', '>', '+', '-', '*', '/', '%']
const TIME_RE = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})/y
const NUMBER_RE = /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const UNIT_RE = /(?:ns|us|ms|s|m|h|d|w)(?![A-Za-z0-9_])/y
const IDENT_RE = /[A-Za-z_][A-Za-z0-9_]*/y

/**
 * Tokens of `source`, ending with an `eof` token.
 * @example tokenize('spans | limit 1').map((t) => t.text) // ['spans', '|', 'limit', '1', '']
 */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  const fail = (at: number, message: string): never => {
    throw new QueryError('SYNTAX', `cannot parse query: ${message}`, { ...positionOf(source, at), source })
  }
  const match = (re: RegExp): string | undefined => {
    re.lastIndex = i
    return re.exec(source)?.[0]
  }
  while (i < source.length) {
    const c = source[i]
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++
      continue
    }
    if (c === '#') {
      while (i < source.length && source[i] !== '\n') i++
      continue
    }
    const at = i
    const time = match(TIME_RE)
    if (time !== undefined) {
      tokens.push({ type: 'time', text: time, value: parseTime(time, () => fail(at, `invalid time ${time}`)), at })
      i += time.length
      continue
    }
    const number = match(NUMBER_RE)
    if (number !== undefined) {
      i += number.length
      const unit = match(UNIT_RE)
      if (unit !== undefined) {
        i += unit.length
        tokens.push({ type: 'duration', text: number + unit, value: Number(number) * DURATION_UNITS[unit], at })
      } else {
        if (/[A-Za-z_]/.test(source[i] ?? '')) fail(i, `unknown duration unit after ${number}; expected one of ${Object.keys(DURATION_UNITS).join(', ')}`)
        tokens.push({ type: 'number', text: number, value: Number(number), at })
      }
      continue
    }
    const ident = match(IDENT_RE)
    if (ident !== undefined) {
      tokens.push({ type: 'ident', text: ident, at })
      i += ident.length
      continue
    }
    if (c === '"' || c === "'") {
      const { text, end } = readString(source, i, fail)
      tokens.push({ type: 'string', text, at })
      i = end
      continue
    }
    if (c === '`') {
      const end = source.indexOf('`', i + 1)
      if (end < 0) fail(at, 'unterminated quoted name, expected a closing `')
      if (end === i + 1) fail(at, 'empty quoted name')
      tokens.push({ type: 'quoted', text: source.slice(i + 1, end), at })
      i = end + 1
      continue
    }
    const punct = PUNCT.find((p) => source.startsWith(p, i))
    if (punct === undefined) fail(at, `unexpected character ${JSON.stringify(c)}`)
    tokens.push({ type: 'punct', text: punct!, at })
    i += punct!.length
  }
  tokens.push({ type: 'eof', text: '', at: source.length })
  return tokens
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", '/': '/', b: '\b', f: '\f' }

function readString(source: string, start: number, fail: (at: number, m: string) => never): { text: string; end: number } {
  const quote = source[start]
  let text = ''
  let i = start + 1
  while (i < source.length && source[i] !== quote) {
    const c = source[i]
    if (c === '\n') fail(start, 'unterminated string, expected a closing quote before the end of the line')
    if (c !== '\\') {
      text += c
      i++
      continue
    }
    const e = source[i + 1]
    if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(source.slice(i + 2, i + 6))) {
      text += String.fromCharCode(parseInt(source.slice(i + 2, i + 6), 16))
      i += 6
    } else if (e !== undefined && ESCAPES[e] !== undefined) {
      text += ESCAPES[e]
      i += 2
    } else {
      fail(i, `unknown escape \\${e ?? ''} in string; supported: \\n \\t \\r \\\\ \\" \\' \\uXXXX`)
    }
  }
  if (i >= source.length) fail(start, 'unterminated string, expected a closing quote')
  return { text, end: i + 1 }
}

/**
 * Epoch nanoseconds of an RFC 3339 time with up to nine fractional digits.
 * @example parseTime('2026-11-01T00:00:00.5Z') // 1793491200500000000n
 */
export function parseTime(text: string, onError: () => never = () => {
  throw new RangeError(`invalid time ${text}`)
}): bigint {
  const m = /^(.*T\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(text)
  if (m === null) return onError()
  const ms = Date.parse(m[1] + m[3])
  if (Number.isNaN(ms)) return onError()
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0') || '0')
}

/** Times formatted lately: a result repeats its time buckets row after row. */
const formatted = new Map<bigint, string>()

/** RFC 3339 text of epoch nanoseconds, UTC, with the fraction only when it is not zero. */
export function formatTime(ns: bigint): string {
  let text = formatted.get(ns)
  if (text === undefined) {
    if (formatted.size >= 4096) formatted.clear()
    formatted.set(ns, (text = formatNew(ns)))
  }
  return text
}

function formatNew(ns: bigint): string {
  let seconds = ns / 1_000_000_000n
  let frac = ns % 1_000_000_000n
  if (frac < 0n) {
    seconds -= 1n
    frac += 1_000_000_000n
  }
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19)
  const digits = frac.toString().padStart(9, '0').replace(/0+$/, '')
  return digits === '' ? `${base}Z` : `${base}.${digits}Z`
}
