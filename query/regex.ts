/**
 * @module query/regex
 * The regular expressions of `matches` (LANGUAGE.md "Regular expressions"): RE2 syntax and
 * semantics, matched in time linear in the text, so no pattern can stall the process the way
 * a backtracking engine does on `^(a+)+$`. Every pattern is compiled with RE2JS (a port of RE2)
 * once per query; patterns in the safe subset of regex-subset.ts then run as a JavaScript
 * RegExp, which is faster, and the others on RE2JS itself.
 */
import { RE2JS, RE2JSException } from 're2js'
import type { Expr } from './ast.ts'
import { QueryError, type QueryErrorOptions } from './errors.ts'
import { subsetSource } from './regex-subset.ts'

/** A compiled pattern: `test` is true when the pattern matches anywhere in the text. */
export interface Pattern {
  test(text: string): boolean
  /** Which engine runs it: `regexp` for the safe subset, `re2` otherwise. */
  readonly engine: 'regexp' | 're2'
}

/**
 * Compiles an RE2 pattern; throws INVALID_ARGUMENT (at `place`) when RE2 does not accept it.
 * @example compilePattern('conn(ection)? reset').test('connection reset by peer') // true
 */
export function compilePattern(pattern: string, place: QueryErrorOptions = {}): Pattern {
  let re2: RE2JS
  try {
    re2 = RE2JS.compile(pattern)
  } catch (error) {
    if (!(error instanceof RE2JSException)) throw error
    const reason = error.message.replace(/^error parsing regexp: /, '')
    throw new QueryError(
      'INVALID_ARGUMENT',
      `cannot compile regular expression ${JSON.stringify(pattern)}: ${reason}; "matches" takes RE2 syntax, without backreferences or lookaround`,
      { ...place, cause: error },
    )
  }
  const source = subsetSource(pattern)
  if (source !== undefined) {
    const re = new RegExp(source, 'u')
    return { test: (text) => re.test(text), engine: 'regexp' }
  }
  return { test: (text) => re2.test(text), engine: 're2' }
}

const compiled = new WeakMap<Expr, Pattern>()

/**
 * The compiled pattern of a `matches` operand (a string literal), compiled once per tree:
 * the planner compiles it, so a bad pattern fails before any row is read, and evaluation of
 * every batch reuses it.
 */
export function patternOf(pattern: Expr, place: QueryErrorOptions): Pattern {
  let p = compiled.get(pattern)
  if (p !== undefined) return p
  if (pattern.kind !== 'Literal' || pattern.type !== 'string') {
    throw new QueryError('INVALID_ARGUMENT', 'cannot match: the pattern after "matches" must be a string literal', place)
  }
  p = compilePattern(pattern.value as string, place)
  compiled.set(pattern, p)
  return p
}
