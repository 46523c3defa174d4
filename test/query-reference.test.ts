/**
 * The reference questions Q1..Q10 on the repository's workload (workload/), written in the
 * query language and compared with answers computed from the generator's flat records
 * (test/support/workload-answers.ts): once from storage batches built from the records, once
 * from the OTLP/JSON requests decoded by ingest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OtlpDecoder } from '../ingest/index.ts'
import { type QueryResult } from '../query/index.ts'
import { BothWays } from '../query/testdata/both-ways.ts'
import { parseTime } from '../query/lexer.ts'
import { MemoryStore } from '../storage/index.ts'
import { appendWorkload, generateWorkload, otlpJson, type Workload } from '../workload/index.ts'
import { referenceAnswers, type Row } from './support/workload-answers.ts'
import { referenceQueries, traceLookupQuery, type ReferenceId } from './support/workload-queries.ts'

const workload: Workload = generateWorkload({ spans: 12_000, logs: 12_000, minutes: 60, intervalSeconds: 60 })
const expected = referenceAnswers(workload)

async function load(via: 'batches' | 'otlp'): Promise<MemoryStore> {
  const store = new MemoryStore()
  if (via === 'batches') {
    await appendWorkload(store, workload)
    return store
  }
  const decoder = new OtlpDecoder()
  const requests = otlpJson(workload)
  for (const signal of ['traces', 'logs', 'metrics'] as const) {
    for (const body of requests[signal]) await store.append('default', decoder.decode(signal, 'json', Buffer.from(JSON.stringify(body))).batch)
  }
  return store
}

const bySorted = (rows: Row[], key: (r: Row) => string) => [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))

describe.each(['batches', 'otlp'] as const)('reference questions on the repository workload, loaded as %s', (via) => {
  const queries = referenceQueries(workload.facts)
  // Each query runs in-process and on a query thread, with the same answer.
  const ways = new BothWays()

  beforeAll(async () => {
    ways.open(await load(via))
  })
  afterAll(() => ways.close())

  /** Rows of a result as objects keyed by column name; times back to epoch nanoseconds. */
  async function run(id: ReferenceId): Promise<Row[]> {
    const r: QueryResult = await ways.run(queries[id], { start: workload.facts.start, end: workload.facts.end })
    return r.rows.map((row) => Object.fromEntries(r.columns.map((c, k) => [c.name, c.type === 'time' && typeof row[k] === 'string' ? parseTime(row[k] as string) : row[k]])))
  }

  it('Q1: the 10 slowest spans', async () => expect(await run('Q1')).toEqual(expected.Q1))
  it('Q2: count and nearest-rank percentiles per operation, top 20 by p99', async () => expect(await run('Q2')).toEqual(expected.Q2))

  it('Q3: spans, errors and error ratio per service', async () => {
    const rows = await run('Q3')
    expect(rows.map((r) => [r['service.name'], r.spans, r.errors])).toEqual(expected.Q3.map((s) => [s['service.name'], s.spans, s.errors]))
    rows.forEach((r, i) => expect(r.error_ratio).toBeCloseTo(expected.Q3[i].error_ratio as number, 12))
  })

  it('Q4: every span of the slow trace in start order', async () => expect(await run('Q4')).toEqual(expected.Q4))

  it('Q5: 5xx spans of the error service per route', async () => {
    const key = (r: Row) => String(r['attr.http.route'])
    expect(bySorted(await run('Q5'), key)).toEqual(bySorted(expected.Q5, key))
  })

  it('Q6: error spans per minute, minutes without errors as 0', async () => {
    expect(expected.Q6.some((b) => b.count === 0)).toBe(true)
    expect(await run('Q6')).toEqual(expected.Q6)
  })

  it('Q7: log records containing "timeout" per service', async () => {
    const key = (r: Row) => String(r['service.name'])
    expect(bySorted(await run('Q7'), key)).toEqual(bySorted(expected.Q7, key))
  })

  it('Q8: error logs joined to their spans, per span name', async () => {
    const key = (r: Row) => String(r['span.name'])
    expect(bySorted(await run('Q8'), key)).toEqual(bySorted(expected.Q8, key))
  })

  it('Q9: request counter increase and rate per route and 5-minute bucket, across a counter reset', async () => {
    const key = (r: Row) => `${r['http.route']} ${r.time}`
    const rows = bySorted(await run('Q9'), key)
    const want = bySorted(expected.Q9, key)
    expect(rows.map((r) => [key(r), r.increase_value])).toEqual(want.map((r) => [key(r), r.increase_value]))
    rows.forEach((r, i) => expect(r.rate_value as number).toBeCloseTo(want[i].rate_value as number, 9))
  })

  it('Q10: p99 of the request duration histogram per route', async () => {
    const rows = await run('Q10')
    const want = bySorted(expected.Q10, (r) => String(r['http.route']))
    expect(rows.map((r) => r['http.route'])).toEqual(want.map((r) => r['http.route']))
    rows.forEach((r, i) => expect(r.p99 as number).toBeCloseTo(want[i].p99 as number, 12))
  })

  it('trace lookup: the slow trace as a tree, parents before children', async () => {
    const r = await ways.run(traceLookupQuery(workload.facts))
    const col = (name: string) => r.columns.findIndex((c) => c.name === name)
    expect(r.rows.length).toBe(expected.Q4.length)
    const seen = new Set<unknown>()
    for (const row of r.rows) {
      const parent = row[col('parent_span_id')]
      expect(parent === null || seen.has(parent)).toBe(true)
      seen.add(row[col('span_id')])
    }
    expect(r.rows[0][col('depth')]).toBe(0)
  })
})
