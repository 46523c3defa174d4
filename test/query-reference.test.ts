/**
 * The reference queries Q1..Q10 (shared/workload/SPEC.md) on the small workload, written in
 * the query language and compared with the answers in the workload's manifest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type QueryResult } from '../query/index.ts'
import { BothWays } from '../query/testdata/both-ways.ts'
import { parseTime } from '../query/lexer.ts'
import { smallWorkload, type LoadedWorkload } from './support/workload-loader.ts'
import { referenceQueries, traceLookupQuery, type ReferenceId } from './support/workload-queries.ts'

// The same answers whether the rows were built from the flat files or decoded by ingest.
describe.each(['ndjson', 'otlp'] as const)('reference queries on the small workload, loaded from %s', (via) => {
  let w: LoadedWorkload
  let queries: Record<ReferenceId, string>
  // Each query runs in-process and on a query thread, with the same answer.
  const ways = new BothWays()

  beforeAll(async () => {
    w = await smallWorkload(via)
    queries = referenceQueries(w.manifest)
    ways.open(w.store)
  })
  afterAll(async () => {
    await ways.close()
    w?.cleanup()
  })

  /** Rows of a result as objects keyed by column name. */
  async function run(id: ReferenceId): Promise<Record<string, unknown>[]> {
    const window = w.manifest.window
    const r: QueryResult = await ways.run(queries[id], { start: BigInt(window.start_unix_nano), end: BigInt(window.end_unix_nano) })
    return r.rows.map((row) => Object.fromEntries(r.columns.map((c, k) => [c.name, row[k]])))
  }

  type Row = Record<string, unknown>
  const expected = (id: ReferenceId) => w.manifest.expected[id] as Record<string, Row[] & unknown>

    it('Q1: the 10 slowest spans', async () => {
      const rows = await run('Q1')
      const want = (expected('Q1').spans as Row[]).map((s) => ({ 'service.name': s.service_name, name: s.name, duration: s.duration_ns, trace_id: s.trace_id, span_id: s.span_id }))
      expect(rows).toEqual(want)
    })

    it('Q2: count and nearest-rank percentiles per operation, top 20 by p99', async () => {
      const rows = await run('Q2')
      const want = (expected('Q2').top20 as Row[]).map((o) => ({
        'service.name': o.service_name, name: o.name, count: o.count, p50_duration: o.p50, p95_duration: o.p95, p99_duration: o.p99,
      }))
      expect(rows).toEqual(want)
    })

    it('Q3: spans, errors and error ratio per service', async () => {
      const rows = await run('Q3')
      const want = expected('Q3').services as Row[]
      expect(rows.map((r) => [r['service.name'], r.spans, r.errors])).toEqual(want.map((s) => [s.service_name, s.spans, s.errors]))
      rows.forEach((r, i) => expect(r.error_ratio).toBeCloseTo(want[i].error_ratio as number, 12))
    })

    it('Q4: every span of the slow trace in start order', async () => {
      const rows = await run('Q4')
      const want = (expected('Q4').spans as Row[]).map((s) => ({
        span_id: s.span_id, parent_span_id: s.parent_span_id === '' ? null : s.parent_span_id, 'service.name': s.service_name, name: s.name,
        time: BigInt(s.start_time_unix_nano as string), duration: s.duration_ns, status_code: s.status_code,
      }))
      expect(rows.map((r) => ({ ...r, time: parseTime(r.time as string) }))).toEqual(want)
    })

    it('Q5: 5xx spans of the error service per route', async () => {
      const rows = await run('Q5')
      const want = expected('Q5').routes as Row[]
      expect(rows).toEqual(want.map((r) => ({ 'attr.http.route': r.http_route, count: r.count })))
    })

    it('Q6: error spans per minute', async () => {
      const rows = await run('Q6')
      // Every minute of the window, minutes without errors as 0.
      const want = expected('Q6').buckets as Row[]
      expect(want.some((b) => b.count === 0)).toBe(true)
      expect(rows).toEqual(want.map((b) => ({ time: b.minute_start, count: b.count })))
      expect(rows.reduce((n, r) => n + (r.count as number), 0)).toBe(expected('Q6').total)
    })

    it('Q7: log records containing "timeout" per service', async () => {
      const rows = await run('Q7')
      const want = expected('Q7').services as Row[]
      expect(new Map(rows.map((r) => [r['service.name'], r.count]))).toEqual(new Map(want.map((s) => [s.service_name, s.count])))
    })

    it('Q8: error logs joined to their spans, per span name', async () => {
      const rows = await run('Q8')
      const want = expected('Q8').names as Row[]
      expect(new Map(rows.map((r) => [r['span.name'], r.count]))).toEqual(new Map(want.map((s) => [s.name, s.count])))
      expect(rows.reduce((n, r) => n + (r.count as number), 0)).toBe(expected('Q8').total)
    })

    it('Q9: request counter increase and rate per route and 5-minute bucket', async () => {
      const rows = await run('Q9')
      const q9 = expected('Q9')
      const starts = q9.bucket_starts as unknown as string[]
      const got = new Map(rows.map((r) => [`${r['http.route']} ${r.time}`, r]))
      let compared = 0
      for (const route of q9.routes as Row[]) {
        starts.forEach((start, i) => {
          const r = got.get(`${route.http_route} ${start}`)
          expect(r?.increase_value).toBe((route.increase as number[])[i])
          expect(r?.rate_value as number).toBeCloseTo((route.rate_per_s as number[])[i], 9)
          compared++
        })
      }
      expect(rows.length).toBe(compared)
    })

    it('Q10: p99 of the request duration histogram per route', async () => {
      const rows = await run('Q10')
      const want = expected('Q10').routes as Row[]
      expect(rows.map((r) => r['http.route'])).toEqual(want.map((r) => r.http_route).sort())
      const byRoute = new Map(rows.map((r) => [r['http.route'], r.p99 as number]))
      for (const r of want) expect(byRoute.get(r.http_route)).toBeCloseTo(r.p99_s as number, 12)
    })

    it('trace lookup: the slow trace as a tree, parents before children', async () => {
      const r = await ways.run(traceLookupQuery(w.manifest))
      const col = (name: string) => r.columns.findIndex((c) => c.name === name)
      expect(r.rows.length).toBe(expected('Q4').span_count)
      const seen = new Set<unknown>()
      for (const row of r.rows) {
        const parent = row[col('parent_span_id')]
        expect(parent === null || seen.has(parent)).toBe(true)
        seen.add(row[col('span_id')])
      }
      expect(r.rows[0][col('depth')]).toBe(0)
    })
})
