/**
 * The rules of LANGUAGE.md "Values and types" and "Aggregate functions" that are easy to get
 * wrong: absent values under every operator (negated ones included), all-zero ids, values of
 * another type, exact times and ranks. On the hand-made fixture (testdata/fixture.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { BatchBuilder, hexToBytes, MemoryStore, type Store } from '../storage/index.ts'
import { runQuery } from './engine.ts'
import { parseQuery } from './parser.ts'
import { printQuery } from './printer.ts'
import { fixtureStore, T, TRACE_A } from './testdata/fixture.ts'

let store: Store
beforeAll(async () => {
  store = await fixtureStore()
})

async function rows(query: string): Promise<unknown[][]> {
  return (await runQuery(query, { store })).rows
}

/** The count of rows `where` keeps. */
async function count(source: string, where: string): Promise<number> {
  return (await rows(`${source} | where ${where} | stats count()`))[0][0] as number
}

describe('negated operators are false on absent values', () => {
  // Routes: /checkout, /pay, /cart; two spans have none.
  it.each([
    ['attr.http.route not in ("/pay")', 2],
    ['attr.http.route not in ("/pay", "/cart")', 1],
    ['attr.http.route not contains "a"', 1],
    ['attr.http.route not startswith "/c"', 1],
    ['attr.http.route not endswith "t"', 1],
    ['attr.http.route not matches "^/c"', 1],
    ['not (attr.http.route contains "a")', 3],
    ['not (attr.http.route in ("/pay"))', 4],
  ])('spans | where %s', async (where, want) => {
    expect(await count('spans', where)).toBe(want)
  })

  it('countif with a negated operator counts only rows that have the value', async () => {
    expect(await rows('spans | stats countif(attr.http.route not contains "check")')).toEqual([[2]])
  })

  it('prints `x not contains y` and `not x contains y` apart, each reading back as itself', () => {
    const text = printQuery(parseQuery('spans | where x not contains "a" and not (y contains "b")'))
    expect(text).toBe('spans | where x not contains "a" and not y contains "b"')
    expect(printQuery(parseQuery(text))).toBe(text)
  })
})

describe('a comparison with a value of another type is false', () => {
  // retries: 0 and 2 (ints) in the first batch, "many" (a string) in the second, absent twice.
  it.each([
    ['retries = 0', 1],
    ['retries != 0', 1],
    ['retries != "many"', 0],
    ['retries = "many"', 1],
    ['retries not in (0)', 1],
    ['retries > -1', 2],
    ['not (retries = 0)', 4],
  ])('spans | where %s', async (where, want) => {
    expect(await count('spans', where)).toBe(want)
  })
})

describe('all-zero ids are absent', () => {
  it('!= never matches an absent id', async () => {
    // One log has no trace context; the roots (spans 1, 4, 5) have no parent.
    expect(await count('logs', `trace_id != "${TRACE_A}"`)).toBe(1)
    expect(await count('spans', 'parent_span_id != "0000000000000001"')).toBe(1)
    expect(await count('spans', 'parent_span_id != "not hex"')).toBe(2)
    expect(await count('spans', 'parent_span_id not in ("0000000000000001")')).toBe(1)
  })

  it('dcount counts present ids only', async () => {
    expect(await rows(`spans | where trace_id = "${TRACE_A}" | stats dcount(parent_span_id)`)).toEqual([[2]])
    expect(await rows('logs | stats dcount(trace_id), dcount(span_id)')).toEqual([[2, 2]])
  })

  it('sorts absent ids last in either direction', async () => {
    const order = async (dir: string) => (await rows(`spans | sort parent_span_id ${dir} | select span_id`)).map((r) => r[0])
    expect(await order('asc')).toEqual(['0000000000000002', '0000000000000003', '0000000000000001', '0000000000000004', '0000000000000005'])
    expect(await order('desc')).toEqual(['0000000000000003', '0000000000000002', '0000000000000001', '0000000000000004', '0000000000000005'])
  })

  it('sorts ids in hex order', async () => {
    const ids = ['ff00000000000000', '0900000000000000', '1000000000000000', '0a00000000000000']
    const b = new BatchBuilder('spans')
    ids.forEach((id, row) => {
      b.setBytes('traceId', row, 16, hexToBytes(TRACE_A)!)
      b.setBytes('spanId', row, 8, hexToBytes(id)!)
      b.setI64('startTimeUnixNano', row, T)
      b.setI64('endTimeUnixNano', row, T + 1n)
    })
    const own = new MemoryStore()
    await own.append('default', b.finish(ids.length))
    const sorted = (await runQuery('spans | sort span_id | select span_id', { store: own })).rows.map((r) => r[0])
    expect(sorted).toEqual([...ids].sort())
  })
})

describe('times keep their nanoseconds', () => {
  it('min, max and percentiles of a time are exact times', async () => {
    // Nanoseconds a double cannot hold at this epoch (it steps by 256 ns).
    const starts = [T + 1n, T + 123_456_789n, T + 987_654_321n]
    const b = new BatchBuilder('spans')
    starts.forEach((start, row) => {
      b.setBytes('traceId', row, 16, hexToBytes(TRACE_A)!)
      b.setBytes('spanId', row, 8, hexToBytes(`000000000000000${row + 1}`)!)
      b.setI64('startTimeUnixNano', row, start)
      b.setI64('endTimeUnixNano', row, start + 1_001n)
    })
    const own = new MemoryStore()
    await own.append('default', b.finish(starts.length))
    const r = await runQuery('spans | stats min(time), max(end), min(start) by name', { store: own })
    expect(r.columns.map((c) => c.type)).toEqual(['string', 'time', 'time', 'time'])
    expect(r.rows).toEqual([[null, '2026-11-01T00:00:00.000000001Z', '2026-11-01T00:00:00.987655322Z', '2026-11-01T00:00:00.000000001Z']])
    const q = await runQuery('spans | stats p50(time), p99(end), percentile(start, 1)', { store: own })
    expect(q.columns.map((c) => c.type)).toEqual(['time', 'time', 'time'])
    expect(q.rows).toEqual([['2026-11-01T00:00:00.123456789Z', '2026-11-01T00:00:00.987655322Z', '2026-11-01T00:00:00.000000001Z']])
  })
})

describe('errors name what is wrong', () => {
  it('an unknown aggregate is UNKNOWN_NAME and named', async () => {
    const error = await runQuery('spans | stats p98(duration)', { store }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'UNKNOWN_NAME', line: 1, column: 15 })
    expect((error as Error).message).toMatch(/unknown aggregate p98\(\).*p99/)
  })

  it('a scalar function or a field in place of an aggregate stays INVALID_ARGUMENT', async () => {
    await expect(runQuery('spans | stats lower(name)', { store })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(runQuery('spans | stats duration', { store })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })
})

describe('percentiles take the nearest rank exactly', () => {
  it('p999 of 1,000 durations is the 999th', async () => {
    const b = new BatchBuilder('spans')
    for (let row = 0; row < 1000; row++) {
      b.setBytes('traceId', row, 16, hexToBytes(TRACE_A)!)
      b.setI64('startTimeUnixNano', row, T)
      b.setI64('endTimeUnixNano', row, T + BigInt(row + 1))
    }
    const own = new MemoryStore()
    await own.append('default', b.finish(1000))
    const r = await runQuery('spans | stats p999(duration), percentile(duration, 99.9), p99(duration), p50(duration)', { store: own })
    expect(r.rows).toEqual([[999, 999, 990, 500]])
  })
})

describe('a log record without observed time', () => {
  it('reads its observed time as absent, not 1970-01-01', async () => {
    const b = new BatchBuilder('logs')
    b.setI64('timeUnixNano', 0, T)
    b.setI64('observedTimeUnixNano', 0, 0n)
    b.setI64('timeUnixNano', 1, T)
    b.setI64('observedTimeUnixNano', 1, T + 5n)
    const own = new MemoryStore()
    await own.append('default', b.finish(2))
    const r = await runQuery('logs | sort observed_time | select observed_time, exists(observed_time) as has', { store: own })
    expect(r.rows).toEqual([['2026-11-01T00:00:00.000000005Z', true], [null, false]])
    const raw = await runQuery('logs | where not exists(observed_time)', { store: own })
    expect(raw.rows[0][raw.columns.findIndex((c) => c.name === 'observed_time')]).toBe(null)
    expect((await runQuery('logs | stats min(observed_time), count()', { store: own })).rows).toEqual([['2026-11-01T00:00:00.000000005Z', 2]])
  })
})

describe('stats by bin(time, ...)', () => {
  const range = { start: T - 120_000n * 1_000_000n, end: T + 180_000n * 1_000_000n }
  const minute = (m: number) => new Date(Number((T + BigInt(m) * 60_000_000_000n) / 1_000_000n)).toISOString().replace('.000Z', 'Z')

  it('orders rows by bucket, gap-filled buckets in place; empty buckets count and sum 0, others absent', async () => {
    const r = await runQuery('spans | stats count(), sum(duration), rate(), avg(duration), dcount(name) by bin(time, 1m)', { store, ...range })
    expect(r.rows).toEqual([
      [minute(-2), 0, 0, 0, null, 0],
      [minute(-1), 0, 0, 0, null, 0],
      [minute(0), 3, 750_000_000, 3 / 60, 250_000_000, 2],
      [minute(1), 1, 1_000_000, 1 / 60, 1_000_000, 1],
      [minute(2), 1, 50_000_000, 1 / 60, 50_000_000, 1],
    ])
  })

  it('orders by bucket, then by the other keys', async () => {
    const r = await runQuery('spans | stats count() by status, bin(time, 1m)', { store })
    expect(r.rows).toEqual([
      ['error', minute(0), 2],
      ['ok', minute(0), 1],
      ['unset', minute(1), 1],
      ['ok', minute(2), 1],
    ])
  })
})
