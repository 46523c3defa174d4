import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Scan, Store } from '../storage/index.ts'
import { runQuery } from './engine.ts'
import { QueryError, type QueryErrorCode } from './errors.ts'
import { parseQuery } from './parser.ts'
import { planQuery } from './planner.ts'
import { BothWays } from './testdata/both-ways.ts'
import { fixtureStore, T } from './testdata/fixture.ts'

let store: Store
// Errors are the same in-process and on a query thread.
const ways = new BothWays()
afterAll(() => ways.close())
beforeAll(async () => {
  store = await fixtureStore()
  ways.open(store)
})

/** Expects `query` to fail with `code`, at `column` of line 1 when given. */
async function bad(query: string, code: QueryErrorCode, message: string, column?: number, options = {}): Promise<void> {
  const error = await ways.run(query, options).then(() => undefined, (e: unknown) => e)
  expect(error, query).toBeInstanceOf(QueryError)
  const e = error as QueryError
  expect(e.code, e.message).toBe(code)
  expect(e.message).toContain(message)
  if (column !== undefined) expect([e.line, e.column]).toEqual([1, column])
}

describe('errors after parsing', () => {
  it('names, aggregates and arguments', async () => {
    await bad('spans | where frob(name) = 1', 'UNKNOWN_NAME', 'cannot call frob: unknown function', 15)
    await bad('spans | stats count() | where name = "x"', 'UNKNOWN_NAME', 'cannot resolve field name: the rows here have only count', 31)
    await bad('spans | where count() > 1', 'INVALID_ARGUMENT', 'cannot use aggregate count() here', 15)
    await bad('spans | stats lower(name)', 'INVALID_ARGUMENT', 'each item before "by" must be an aggregate call', 15)
    await bad('spans | stats sum()', 'INVALID_ARGUMENT', 'cannot aggregate sum: expected sum(expression)', 15)
    await bad('spans | stats percentile(duration, 120)', 'INVALID_ARGUMENT', 'second argument must be a number in (0, 100]', 36)
    await bad('metrics | stats histogram_quantile(2)', 'INVALID_ARGUMENT', 'expected one quantile in [0, 1]', 17)
    await bad('spans | stats rate()', 'INVALID_ARGUMENT', 'it needs a time bucket', 15)
    await bad('spans | where name', 'INVALID_ARGUMENT', 'cannot filter on field name alone', 15)
    await bad('logs | where body matches "("', 'INVALID_ARGUMENT', 'cannot compile regular expression', 27)
    await bad('logs | where body matches "(?=a)b"', 'INVALID_ARGUMENT', 'invalid or unsupported Perl syntax: `(?=`; "matches" takes RE2 syntax', 27)
    // Compiled while planning: a bad pattern fails even where no row would be evaluated.
    await bad('logs from 2020-01-01T00:00:00Z to 2020-01-02T00:00:00Z | where body matches "(a)\\\\1"', 'INVALID_ARGUMENT', 'invalid escape sequence', 77)
    await bad('spans | where time + name > 1', 'INVALID_ARGUMENT', 'cannot apply + to a time and a string', 20)
    await bad('spans | select bin(time, name)', 'INVALID_ARGUMENT', 'cannot call bin', 16)
    await bad('spans | limit 1000000000', 'INVALID_ARGUMENT', 'cannot limit to 1000000000 rows', 9)
    await bad('trace "abc"', 'INVALID_ARGUMENT', 'expected 32 hex digits', 1)
    await bad('spans from 2026-11-01T01:00:00Z to 2026-11-01T00:00:00Z', 'INVALID_RANGE', 'its time range is empty')
  })

  it('memory limit, time limit and cancellation', async () => {
    await bad('spans | sort name', 'MEMORY_LIMIT', 'over the limit of 0.0 MiB', undefined, { limits: { maxMemoryBytes: 10 } })
    await bad('spans | stats count() by span_id', 'MEMORY_LIMIT', 'stats needs about', undefined, { limits: { maxMemoryBytes: 500 } })
    const controller = new AbortController()
    controller.abort(new Error('client went away'))
    await bad('spans | stats count()', 'CANCELLED', 'it was cancelled', undefined, { signal: controller.signal })
    await bad('spans | stats count()', 'TIMEOUT', 'limit of 0 ms', undefined, { limits: { timeoutMs: 0 } })
  })
})

describe('planner pushdown', () => {
  const plan = (text: string, options: { start?: bigint; end?: bigint } = {}) => planQuery(parseQuery(text), { now: T, source: text, ...options })

  it('the time range from the source, the API and leading where conditions', () => {
    const p = plan('spans from 2026-11-01T00:00:00Z | where time < 2026-11-01T00:30:00Z and duration > 1s', { end: T + 3_600_000_000_000n })
    expect([p.start, p.end]).toEqual([T, T + 1_800_000_000_000n])
  })

  it('scan conditions for intrinsic and attribute equality; a bare name holds on any of its columns', () => {
    const p = plan('spans | where status = "error" and name = "GET /" and resource.service.name = "a" and service.name = "b" and attr.k in ("x", "y") and trace_id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"')
    expect(p.where).toEqual([
      { op: 'eq', column: 'statusCode', value: 2 },
      { op: 'eq', column: 'name', value: 'GET /' },
      { op: 'eq', column: 'r:service.name', value: 'a' },
      { op: 'any', of: [{ op: 'eq', column: 'a:service.name', value: 'b' }, { op: 'eq', column: 'r:service.name', value: 'b' }] },
      { op: 'in', column: 'a:k', values: ['x', 'y'] },
      { op: 'eq', column: 'traceId', value: new Uint8Array(16).fill(0xaa) },
    ])
  })

  it('column projection follows the fields the query reads', () => {
    const p = plan('spans | where duration > 1s | stats count() by service.name')
    expect([...p.columns!].sort()).toEqual(['a:service.name', 'endTimeUnixNano', 'r:service.name', 'startTimeUnixNano'])
    expect(plan('spans | limit 1').columns).toBeUndefined()
    const join = plan('logs | join spans as s on trace_id | stats count() by s.name')
    expect([...join.columns!].sort()).toEqual(['timeUnixNano', 'traceId'])
    expect([...join.stages[0].right!.columns!].sort()).toEqual(['name', 'startTimeUnixNano', 'traceId'])
  })

  it('numeric bounds become scan conditions only on columns storage holds as u32', () => {
    expect(plan('spans | where status_code >= 2 and 3 > flags').where).toEqual([
      { op: 'ge', column: 'statusCode', value: 2 },
      { op: 'lt', column: 'flags', value: 3 },
    ])
    expect(plan('logs | where severity > 16').where).toEqual([{ op: 'gt', column: 'severityNumber', value: 16 }])
    // value is f64, count i64: no bounds; equalities on them neither.
    expect(plan('metrics | where value > 1 and count >= 2 and value = 3').where).toEqual([])
    // Only leading where stages push down.
    expect(plan('logs | where severity > 16 | sort time | where severity < 20').where).toEqual([{ op: 'gt', column: 'severityNumber', value: 16 }])
  })

  it("a join's right side reads its own columns and those later stages read of it, and pushes its own conditions", () => {
    const p = plan('spans | where name = "a" | join (logs | where severity >= 17) as l on trace_id | select name, l.body')
    expect(p.where).toEqual([{ op: 'eq', column: 'name', value: 'a' }])
    expect([...p.columns!].sort()).toEqual(['name', 'startTimeUnixNano', 'traceId'])
    const right = p.stages[1].right!
    expect(right.where).toEqual([{ op: 'ge', column: 'severityNumber', value: 17 }])
    expect(right.columns).toEqual(['traceId', 'body', 'bodyValue', 'severityNumber', 'timeUnixNano'])
    // Raw joined rows at the end show every column of both sides.
    const raw = plan('spans | join logs as l on trace_id')
    expect([raw.columns, raw.stages[0].right!.columns]).toEqual([undefined, undefined])
  })

  it('series aggregates read every label and the point columns their registry entry names', () => {
    const p = plan('metrics | where metric = "http.requests" | stats rate(value), histogram_quantile(0.9) by bin(time, 1m)')
    expect(p.columns).toBeUndefined()
    expect([...new Set(p.seriesColumns)].sort()).toEqual([
      'bucketCounts', 'exp.negativeBucketCounts', 'exp.negativeOffset', 'exp.positiveBucketCounts', 'exp.positiveOffset', 'exp.scale', 'exp.zeroCount', 'exp.zeroThreshold',
      'explicitBounds', 'metric.name', 'metric.type', 'startTimeUnixNano', 'timeUnixNano', 'value',
    ])
    // rate() counts rows: no series.
    expect(plan('metrics | stats rate() by bin(time, 1m)').seriesColumns).toBeUndefined()
  })

  it('a scan sees the range, columns and conditions, and rows outside them are still filtered', async () => {
    const seen: unknown[] = []
    const spy: Store = { ...store, scan: (r) => (seen.push(r), store.scan(r)) as Scan, getTrace: store.getTrace.bind(store) }
    const r = await runQuery('spans | where status = "error" | stats count()', { store: spy, start: T, end: T + 60_000_000_000n })
    expect(r.rows).toEqual([[2]])
    expect(seen[0]).toMatchObject({ start: T, end: T + 60_000_000_000n, where: [{ op: 'eq', column: 'statusCode', value: 2 }] })
    expect(r.stats).toMatchObject({ rowsScanned: 4, blocksTotal: 2, blocksSkipped: 1, rowsReturned: 1 })
  })
})
