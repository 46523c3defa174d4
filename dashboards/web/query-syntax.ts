/**
 * @module dashboards/web/query-syntax
 * A tolerant tokenizer of the query language (query/LANGUAGE.md, "Lexical structure") for
 * highlighting and autocomplete. It never fails: text it does not know is one `other` token.
 * The server's parser stays the judge of what is valid.
 */

export type TokenKind = 'comment' | 'string' | 'time' | 'duration' | 'number' | 'keyword' | 'operator' | 'source' | 'function' | 'field' | 'pipe' | 'punct' | 'space' | 'other'

export interface Token {
  kind: TokenKind
  text: string
  start: number
}

export const SOURCES = ['spans', 'logs', 'metrics', 'trace'] as const
export const OPERATORS = ['where', 'select', 'extend', 'sort', 'limit', 'stats', 'join'] as const
export const KEYWORDS = ['and', 'or', 'not', 'in', 'contains', 'startswith', 'endswith', 'matches', 'as', 'by', 'asc', 'desc', 'on', 'true', 'false', 'null', 'last', 'from', 'to', 'inner', 'left'] as const
/** Scalar and aggregate functions of LANGUAGE.md "Functions" and "Aggregate functions". */
export const FUNCTIONS = [
  'bin', 'exists', 'lower', 'upper', 'len', 'now',
  'count', 'countif', 'sum', 'avg', 'min', 'max', 'dcount', 'count_distinct', 'percentile',
  'p50', 'p75', 'p90', 'p95', 'p99', 'p999', 'rate', 'increase', 'histogram_quantile',
] as const

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)/
const DURATION = /^\d+(\.\d+)?(ns|us|ms|s|m|h|d|w)(?![A-Za-z0-9_])/
const NUMBER = /^\d+(\.\d+)?([eE][+-]?\d+)?/
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(\.([A-Za-z_][A-Za-z0-9_]*|`[^`]*`))*/

export function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  let expectOperator = false // right after `|`
  let atStart = true // before the source
  const push = (kind: TokenKind, len: number): void => {
    tokens.push({ kind, text: text.slice(i, i + len), start: i })
    i += len
  }
  while (i < text.length) {
    const rest = text.slice(i)
    const ch = text[i]
    let m: RegExpExecArray | null
    if (/\s/.test(ch)) push('space', /^\s+/.exec(rest)![0].length)
    else if (ch === '#') push('comment', (/^#[^\n]*/.exec(rest) as RegExpExecArray)[0].length)
    else if (ch === '"' || ch === "'") {
      let j = 1
      while (j < rest.length && rest[j] !== ch && rest[j] !== '\n') j += rest[j] === '\\' ? 2 : 1
      push('string', Math.min(rest.length, j + 1))
    } else if ((m = TIME.exec(rest))) push('time', m[0].length)
    else if ((m = DURATION.exec(rest))) push('duration', m[0].length)
    else if ((m = NUMBER.exec(rest))) push('number', m[0].length)
    else if (ch === '`') push('field', (/^`[^`]*`?/.exec(rest) as RegExpExecArray)[0].length)
    else if ((m = IDENT.exec(rest))) {
      const word = m[0]
      const lower = word.toLowerCase()
      const next = text.slice(i + word.length).trimStart()[0]
      let kind: TokenKind = 'field'
      if (atStart && (SOURCES as readonly string[]).includes(lower)) kind = 'source'
      else if (expectOperator && (OPERATORS as readonly string[]).includes(lower)) kind = 'operator'
      else if (next === '(' && !word.includes('.')) kind = 'function'
      else if ((KEYWORDS as readonly string[]).includes(lower)) kind = 'keyword'
      push(kind, word.length)
      atStart = false
      expectOperator = false
      continue
    } else if (ch === '|') {
      push('pipe', 1)
      expectOperator = true
      continue
    } else if (/[=!<>+\-*/%(),]/.test(ch)) push('punct', /^(==|!=|<=|>=|.)/.exec(rest)![0].length)
    else push('other', 1)
    if (tokens[tokens.length - 1].kind !== 'space' && tokens[tokens.length - 1].kind !== 'comment') {
      atStart = false
      expectOperator = false
    }
  }
  return tokens
}

/** Offset in `text` of a 1-based line and column. */
export function offsetOf(text: string, line: number, column: number): number {
  let offset = 0
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', offset)
    if (nl < 0) return text.length
    offset = nl + 1
  }
  return Math.min(text.length, offset + column - 1)
}
