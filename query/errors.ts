/**
 * @module query/errors
 * The one error type of the query component. `code` is stable; messages may change.
 */

export type QueryErrorCode =
  /** The query text does not parse: `line` and `column` say where, the message what was expected. */
  | 'SYNTAX'
  /** A name the language does not know: operator, function, field after `stats`/`select`. */
  | 'UNKNOWN_NAME'
  /** An argument or operand of the wrong type or arity. */
  | 'INVALID_ARGUMENT'
  /** The time range is empty or malformed. */
  | 'INVALID_RANGE'
  /** The query would buffer more than the configured memory budget. */
  | 'MEMORY_LIMIT'
  /** The query ran longer than its time limit. */
  | 'TIMEOUT'
  /** The caller went away or cancelled the query. */
  | 'CANCELLED'
  /** Storage failed underneath the query (the StorageError is the cause). */
  | 'STORAGE'
  /** The server's memory is near its limit (`memoryLimit`) and a query runs already: retry later. */
  | 'OVERLOADED'

export interface QueryErrorOptions extends ErrorOptions {
  line?: number
  column?: number
  /** The query text, so `format()` can print the line and a caret. */
  source?: string
}

export class QueryError extends Error {
  readonly code: QueryErrorCode
  /** 1-based line of the query text the error is about, when it is about a place. */
  readonly line?: number
  /** 1-based column, counted in characters. */
  readonly column?: number
  readonly source?: string

  constructor(code: QueryErrorCode, message: string, options: QueryErrorOptions = {}) {
    super(message, options)
    this.name = 'QueryError'
    this.code = code
    this.line = options.line
    this.column = options.column
    this.source = options.source
  }

  /**
   * The message with its place and a caret under the offending character.
   * @example
   * // line 1, column 15: cannot parse query: expected an expression, got "|"
   * //   spans | where | limit 1
   * //                 ^
   */
  format(): string {
    if (this.line === undefined || this.column === undefined) return this.message
    const head = `line ${this.line}, column ${this.column}: ${this.message}`
    const text = this.source?.split('\n')[this.line - 1]
    if (text === undefined) return head
    return `${head}\n  ${text}\n  ${' '.repeat(this.column - 1)}^`
  }

  /** The JSON body of an HTTP error answer. */
  toJSON(): { code: QueryErrorCode; message: string; line?: number; column?: number } {
    return { code: this.code, message: this.message, line: this.line, column: this.column }
  }
}

/** Position of character offset `at` in `source`, 1-based. */
export function positionOf(source: string, at: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  for (let i = 0; i < at && i < source.length; i++) {
    if (source.charCodeAt(i) === 10) {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: at - lineStart + 1 }
}
