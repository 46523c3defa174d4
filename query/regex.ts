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
import type { Budget } from './budget.ts'
import { QueryError, type QueryErrorOptions } from './errors.ts'
import { subsetSource } from './regex-subset.ts'

/**
 * A compiled pattern: `test` is true when the pattern matches anywhere in the text.
 * `prepare` tests many texts ahead, pacing the query between them, and `test` then answers
 * from what it remembered: a batch of 65,536 distinct log bodies takes tens of milliseconds
 * even in linear time, too long to hold the event loop. Results are the same either way.
 */
export class Pattern {
  /** Which engine runs it: `regexp` for the safe subset, `re2` otherwise. */
  readonly engine: 'regexp' | 're2'
  private readonly run: (text: string) => boolean
  private known = new Map<string, boolean>()

  constructor(engine: 'regexp' | 're2', run: (text: string) => boolean) {
    this.engine = engine
    this.run = run
  }

  test(text: string): boolean {
    return this.known.get(text) ?? this.run(text)
  }

  /** Tests `texts` now, checking the query's clock (Budget.pace) every PREPARE_STEP texts. */
  async prepare(texts: Iterable<string>, budget: Budget): Promise<void> {
    let i = 0
    for (const text of texts) {
      if (!this.known.has(text)) this.known.set(text, this.run(text))
      if (++i % PREPARE_STEP === 0) await budget.pace()
    }
  }

  /** Forgets prepared results (after the batch they were for). */
  release(): void {
    this.known = new Map()
  }
}

/** Texts tested between two checks of the clock: 256 bodies of a few hundred bytes are well
 * under a millisecond even on the RE2 engine. */
const PREPARE_STEP = 256

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
    return new Pattern('regexp', (text) => re.test(text))
  }
  return new Pattern('re2', (text) => re2.test(text))
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
