import { describe, expect, it } from 'vitest'
import { QueryError } from './errors.ts'
import { parseMemo, parseQuery } from './parser.ts'
import { printQuery } from './printer.ts'

/** Parses `input`, prints it, and checks the canonical text and that it parses to the same tree. */
function f(input: string, want: string): void {
  const printed = printQuery(parseQuery(input))
  expect(printed).toBe(want)
  expect(printQuery(parseQuery(printed))).toBe(want)
}

describe('parse -> print gives the canonical text', () => {
  it('sources and ranges', () => {
    f('spans', 'spans')
    f('logs   last 90m', 'logs last 1.5h')
    f('metrics from 2026-11-01T00:00:00Z to 2026-11-01T01:00:00.250Z', 'metrics from 2026-11-01T00:00:00Z to 2026-11-01T01:00:00.25Z')
    f('spans to 2026-11-01T02:00:00+02:00', 'spans to 2026-11-01T00:00:00Z')
    f("trace 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'", 'trace "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"')
  })

  it('where: comparisons, logic, strings, in, exists', () => {
    f('spans|where duration>100ms and service.name=="checkout"', 'spans | where duration > 100ms and service.name = "checkout"')
    f('spans | where duration >= 1500ms', 'spans | where duration >= 1.5s')
    f('spans | where (a = 1 or b = 2) and not c = 3', 'spans | where (a = 1 or b = 2) and not c = 3')
    f('spans | where a = 1 or (b = 2 and c = 3)', 'spans | where a = 1 or b = 2 and c = 3')
    f('logs | where body contains "timeout" and body not startswith "x"', 'logs | where body contains "timeout" and body not startswith "x"')
    f('logs | where body matches "^a\\\\d+" or body endswith \'z\'', 'logs | where body matches "^a\\\\d+" or body endswith "z"')
    f('spans | where kind in ("server", "client") and status not in ("error")', 'spans | where kind in ("server", "client") and status not in ("error")')
    f('spans | where exists(attr.http.route) and not exists(resource.`k8s-pod`)', 'spans | where exists(attr.http.route) and not exists(resource.`k8s-pod`)')
    f('spans | where time >= 2026-11-01T00:30:00Z and x != -5 and y = true and z = null', 'spans | where time >= 2026-11-01T00:30:00Z and x != -5 and y = true and z = null')
  })

  it('arithmetic keeps precedence with minimal parentheses', () => {
    f('spans | extend (duration - 1ms) * 2 as d, duration - (1ms - 2ns) as e, -duration as f', 'spans | extend (duration - 1ms) * 2 as d, duration - (1ms - 2ns) as e, -duration as f')
    f('spans | select a + b * c % d, a / b / c', 'spans | select a + b * c % d, a / b / c')
  })

  it('select, sort, limit, stats, join', () => {
    f('spans | select name, duration / 1ms as ms | sort by ms desc, name asc | limit 5', 'spans | select name, duration / 1ms as ms | sort ms desc, name | limit 5')
    f('spans | stats count(), p99(duration) as p99 by service.name, bin(time, 60s)', 'spans | stats count(), p99(duration) as p99 by service.name, bin(time, 1m)')
    f('logs | join spans as s on trace_id, span_id', 'logs | join spans as s on trace_id = s.trace_id, span_id = s.span_id')
    f('spans | join left (spans | select span_id, name) as parent on parent_span_id = parent.span_id and x = parent.y',
      'spans | join left (spans | select span_id, name) as parent on parent_span_id = parent.span_id, x = parent.y')
    f('spans # a comment\n| limit 1', 'spans | limit 1')
  })
})

/** Expects parsing `input` to fail with `code` at line/column, with `message` in the text. */
function bad(input: string, line: number, column: number, message: string): void {
  try {
    parseQuery(input)
  } catch (error) {
    expect(error).toBeInstanceOf(QueryError)
    const e = error as QueryError
    expect([e.code, e.line, e.column]).toEqual(['SYNTAX', line, column])
    expect(e.message).toContain(message)
    return
  }
  throw new Error(`parsed without error: ${input}`)
}

describe('syntax errors name the line, the column and what was expected', () => {
  it('cases', () => {
    bad('spans | where', 1, 14, 'expected an expression, got the end of the query')
    bad('spanz | limit 1', 1, 1, 'expected a source: spans, logs, metrics or trace "<id>"')
    bad('spans | frob', 1, 9, 'expected an operator (where, select, extend, sort, limit, stats, join), got "frob"')
    bad('spans\n| where duration > ', 2, 20, 'expected an expression')
    bad('logs | where body = "abc', 1, 21, 'unterminated string')
    bad('spans | limit ten', 1, 15, 'expected a whole number of rows after "limit", got "ten"')
    bad('spans | where duration > 10parsecs', 1, 28, 'unknown duration unit after 10')
    bad('spans | stats count() by', 1, 25, 'expected an expression')
    bad('spans | where a = 1 b', 1, 21, 'expected "|" or the end of the query, got "b"')
    bad('spans | join spans on x', 1, 20, 'expected "as", got "on"')
    bad('spans | where x in (1, y)', 1, 24, 'expected an expression, got "y"')
    bad('spans last 2026-11-01T00:00:00Z', 1, 12, 'expected a duration after "last"')
    bad('spans | where a ~ 1', 1, 17, 'unexpected character "~"')
  })

  it('format() prints the line and a caret under the column', () => {
    try {
      parseQuery('spans\n| where duration >> 1')
    } catch (error) {
      expect((error as QueryError).format()).toBe(
        'line 2, column 19: cannot parse query: expected an expression, got ">"\n  | where duration >> 1\n                    ^',
      )
      return
    }
    throw new Error('expected an error')
  })
})

describe('parseMemo', () => {
  it('gives the tree of a text parsed lately again, reports mistakes each time, and lets the oldest go', () => {
    const parse = parseMemo(2)
    const a = parse('spans | limit 1')
    expect(parse('spans | limit 1')).toBe(a)
    expect(a).toEqual(parseQuery('spans | limit 1'))
    expect(Object.isFrozen(a)).toBe(true)
    for (let k = 0; k < 2; k++) expect(() => parse('spans | limit')).toThrow(QueryError)
    const b = parse('logs')
    // 'logs' was parsed after 'spans | limit 1': a third text lets the older one go.
    parse('metrics')
    expect(parse('logs')).toBe(b)
    expect(parse('spans | limit 1')).not.toBe(a)
  })
})
