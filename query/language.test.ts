/**
 * One test per construct of LANGUAGE.md, on the hand-made fixture (testdata/fixture.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../storage/index.ts'
import { runQuery, type QueryOptions } from './engine.ts'
import { BothWays } from './testdata/both-ways.ts'
import { fixtureStore, MS, T, TRACE_A, TRACE_C } from './testdata/fixture.ts'

let store: Store
// Every case through f and one runs in-process and on a query thread.
const ways = new BothWays()
afterAll(() => ways.close())
beforeAll(async () => {
  store = await fixtureStore()
  ways.open(store)
})

/** Runs `query` and compares its rows (arrays of values) with `want`. */
async function f(query: string, want: unknown[][], options: Partial<QueryOptions> = {}): Promise<void> {
  const r = await ways.run(query, options)
  expect(r.rows, query).toEqual(want)
}

/** The single value of a one-row, one-column answer. */
async function one(query: string, options: Partial<QueryOptions> = {}): Promise<unknown> {
  const r = await ways.run(query, options)
  expect(r.rows.length, query).toBe(1)
  return r.rows[0][r.rows[0].length - 1]
}

describe('sources and time ranges', () => {
  it('signals', async () => {
    expect(await one('spans | stats count()')).toBe(5)
    expect(await one('logs | stats count()')).toBe(3)
    expect(await one('metrics | stats count()')).toBe(10)
  })
  it('from / to', async () => {
    expect(await one('spans from 2026-11-01T00:01:00Z | stats count()')).toBe(2)
    expect(await one('spans from 2026-11-01T00:00:00Z to 2026-11-01T00:01:00Z | stats count()')).toBe(3)
    expect(await one('spans to 2026-11-01T00:00:00.015Z | stats count()')).toBe(2)
  })
  it('last', async () => {
    expect(await one('spans last 1m | stats count()', { now: T + 90_000n * MS })).toBe(1)
  })
  it('the API range intersects the query range', async () => {
    expect(await one('spans | stats count()', { start: T + 60_000n * MS })).toBe(2)
    expect(await one('spans from 2026-11-01T00:00:00Z | stats count()', { end: T + 1n })).toBe(1)
  })
  it('trace lookup in tree order', async () => {
    await f(`trace "${TRACE_A}" | select span_id, parent_span_id, depth`, [
      ['0000000000000001', null, 0],
      ['0000000000000002', '0000000000000001', 1],
      ['0000000000000003', '0000000000000002', 2],
    ])
  })
  it('tenants see only their data', async () => {
    await f('spans | stats count() by service.name', [['secret-service', 1]], { tenant: 'other' })
    expect(await one('spans | where service.name = "secret-service" | stats count()')).toBe(0)
  })
})

describe('where: fields', () => {
  const count = (where: string, signal = 'spans') => one(`${signal} | where ${where} | stats count()`)
  it('intrinsic fields', async () => {
    expect(await count('duration > 100ms')).toBe(3)
    expect(await count('duration <= 0.05s')).toBe(2)
    expect(await count('name = "POST /pay"')).toBe(2)
    expect(await count('kind = "server"')).toBe(4)
    expect(await count('status = "error"')).toBe(2)
    expect(await count('status_code = 1')).toBe(2)
    expect(await count(`trace_id = "${TRACE_A}"`)).toBe(3)
    expect(await count('span_id = "0000000000000003"')).toBe(1)
    expect(await count('time >= 2026-11-01T00:01:00Z')).toBe(2)
    expect(await count('end - time = 300ms')).toBe(1)
    expect(await count('severity >= 17', 'logs')).toBe(1)
    expect(await count('severity_text = "WARN"', 'logs')).toBe(1)
    expect(await count('metric.name = "requests" and value >= 100', 'metrics')).toBe(2)
    expect(await count('metric.type = "histogram"', 'metrics')).toBe(2)
    expect(await count('scope.name = "shop"')).toBe(5)
  })
  it('attributes: explicit prefixes and bare names', async () => {
    expect(await count('service.name = "payment"')).toBe(1)
    expect(await count('resource.service.name = "payment"')).toBe(1)
    expect(await count('attr.http.route = "/pay"')).toBe(1)
    expect(await count('http.route = "/cart"')).toBe(1)
    expect(await count('attr.service.name = "payment"')).toBe(0)
    expect(await count('scope.library.kind = "http"')).toBe(5)
    expect(await count('attr.http.response.status_code >= 500')).toBe(2)
  })
  it('an attribute whose type differs between batches', async () => {
    expect(await count('attr.retries >= 1')).toBe(1)
    expect(await count('attr.retries = "many"')).toBe(1)
    expect(await count('exists(attr.retries)')).toBe(3)
  })
})

describe('where: operators', () => {
  const count = (where: string, signal = 'spans') => one(`${signal} | where ${where} | stats count()`)
  it('comparison', async () => {
    expect(await count('duration != 50ms')).toBe(4)
    expect(await count('duration < 50ms')).toBe(1)
  })
  it('and, or, not', async () => {
    expect(await count('status = "error" and not service.name = "payment" or name = "GET /cart"')).toBe(2)
    expect(await count('not (status = "error" or status = "ok")')).toBe(1)
  })
  it('in and not in', async () => {
    expect(await count('service.name in ("cart", "payment")')).toBe(2)
    expect(await count('service.name not in ("cart", "payment")')).toBe(3)
    expect(await count('attr.http.response.status_code in (200, 503)')).toBe(3)
  })
  it('contains, startswith, endswith, matches', async () => {
    expect(await count('body contains "timeout"', 'logs')).toBe(1)
    expect(await count('body startswith "health"', 'logs')).toBe(1)
    expect(await count('body endswith "slow"', 'logs')).toBe(1)
    expect(await count('body matches "^pay.* [0-9]+ms$"', 'logs')).toBe(1)
    expect(await count('body matches "(?i)^PAY\\\\w+ timeout after \\\\d{3}ms$"', 'logs')).toBe(1)
    expect(await count('body not matches "^(a+)+$"', 'logs')).toBe(3)
    expect(await count('body matches "^GET /api/cart/\\\\d+ took [0-9]{3,}ms"', 'logs')).toBe(0)
    expect(await count('body matches "\\u0070ay\\\\x{6d}"', 'logs')).toBe(1)
    expect(await count('body not contains "o"', 'logs')).toBe(0)
  })
  it('exists', async () => {
    expect(await count('exists(attr.http.route)')).toBe(3)
    expect(await count('not exists(parent_span_id)')).toBe(3)
    expect(await count('exists(trace_id)', 'logs')).toBe(2)
  })
  it('absent values make comparisons false', async () => {
    expect(await count('attr.http.route != "/pay"')).toBe(2)
    expect(await count('not attr.http.route = "/pay"')).toBe(4)
  })
})

describe('select, extend, sort, limit', () => {
  it('select with computed columns', async () => {
    await f('spans | select name, duration / 1ms as ms | where ms > 200 | sort ms desc', [['GET /checkout', 300], ['POST /pay', 250]])
  })
  it('extend keeps the row', async () => {
    await f(`spans | where trace_id = "${TRACE_C}" | extend duration * 2 as double | select name, double`, [['GET /cart', 100_000_000]])
  })
  it('time arithmetic and functions', async () => {
    await f(`spans | where trace_id = "${TRACE_C}" | select time + 1s as later, lower(name), upper(service.name) as s, len(name) as n, bin(time, 1h) as hour`, [
      ['2026-11-01T00:02:01Z', 'get /cart', 'CART', 9, '2026-11-01T00:00:00Z'],
    ])
    expect(await one('spans | limit 1 | select now() - now() as zero')).toBe(0)
  })
  it('sort on several keys, absent last, and limit', async () => {
    await f('spans | sort service.name desc, duration | select span_id | limit 3', [['0000000000000003'], ['0000000000000004'], ['0000000000000002']])
    await f('spans | sort attr.http.route | select attr.http.route', [['/cart'], ['/checkout'], ['/pay'], [null], [null]])
    await f('spans | sort duration desc | limit 2 | select name', [['GET /checkout'], ['POST /pay']])
  })
})

describe('stats', () => {
  it('count, countif, sum, avg, min, max, dcount', async () => {
    await f('spans | stats count(), countif(status = "error") as errors, sum(duration) as total, avg(duration) as mean, min(duration) as lo, max(time) as last, dcount(service.name) as services, count_distinct(name) as names', [
      [5, 2, 801_000_000, 160_200_000, 1_000_000, '2026-11-01T00:02:00Z', 3, 4],
    ])
  })
  it('group by keys and bins', async () => {
    await f('spans | stats count() by service.name | sort service.name', [['cart', 1], ['frontend', 3], ['payment', 1]])
    await f('spans | stats count() by bin(time, 1m) | sort time', [['2026-11-01T00:00:00Z', 3], ['2026-11-01T00:01:00Z', 1], ['2026-11-01T00:02:00Z', 1]])
  })
  it('fills the empty buckets of a bounded time range', async () => {
    const range = 'from 2026-10-31T23:58:00Z to 2026-11-01T00:03:00Z'
    await f(`spans ${range} | stats count(), max(duration) by bin(time, 1m) | sort time | limit 3`, [
      ['2026-10-31T23:58:00Z', 0, null],
      ['2026-10-31T23:59:00Z', 0, null],
      ['2026-11-01T00:00:00Z', 3, 300e6],
    ])
    // With a second key, nothing is invented.
    expect((await runQuery(`spans ${range} | stats count() by bin(time, 1m), service.name`, { store })).rows.every((r) => (r[2] as number) > 0)).toBe(true)
  })
  it('percentiles: nearest rank', async () => {
    await f('spans | stats p50(duration), p75(duration), p90(duration), p95(duration), p99(duration), p999(duration), percentile(duration, 20) as p20', [
      [200e6, 250e6, 300e6, 300e6, 300e6, 300e6, 1e6],
    ])
  })
  it('rate of rows per bucket', async () => {
    await f('spans | stats rate() by bin(time, 1m) | sort time | limit 1', [['2026-11-01T00:00:00Z', 3 / 60]])
  })
  it('increase and rate of a counter, with a reset', async () => {
    await f('metrics | where metric.name = "requests" | stats increase(value), rate(value) by http.route | sort http.route', [
      ['/a', 35, 35 / 180],
      ['/b', 160, 160 / 60],
    ])
    await f('metrics | where metric.name = "requests" and http.route = "/a" | stats increase(value) as inc by bin(time, 1m) | sort time', [
      ['2026-11-01T00:00:00Z', 10], ['2026-11-01T00:01:00Z', 10], ['2026-11-01T00:02:00Z', 5], ['2026-11-01T00:03:00Z', 10],
    ])
  })
  it('a series that started long before the range only sets the baseline', async () => {
    const q = 'metrics | where metric.name = "requests" | stats increase(value) by http.route | sort http.route'
    await f(q, [['/a', 35], ['/b', 60]], { start: T, end: T + 10n * 60_000n * MS })
  })
  it('histogram_quantile', async () => {
    await f('metrics | where metric.name = "latency" | stats histogram_quantile(0.5) as q50, histogram_quantile(0.75) as q75, histogram_quantile(0.9) as q90', [[0.1, 0.775, 1]])
  })
})

describe('join', () => {
  it('inner join of logs to their spans', async () => {
    await f('logs | join spans as span on trace_id, span_id | select body, span.name | sort body', [['cart slow', 'GET /cart'], ['payment timeout after 200ms', 'POST /pay']])
  })
  it('left join keeps rows without a match', async () => {
    await f('logs | join left spans as span on trace_id, span_id | select body, span.name | sort body', [
      ['cart slow', 'GET /cart'], ['health ok', null], ['payment timeout after 200ms', 'POST /pay'],
    ])
  })
  it('self join: spans to their parent span', async () => {
    await f('spans | join (spans | select span_id, name) as parent on parent_span_id = parent.span_id | select name, parent.name | sort name, parent.name', [
      ['POST /pay', 'GET /checkout'], ['POST /pay', 'POST /pay'],
    ])
  })
  it('stats over joined rows', async () => {
    await f('logs | where severity >= 13 | join spans as s on trace_id, span_id | stats count() by s.service.name | sort s.service.name', [['cart', 1], ['payment', 1]])
  })
})
