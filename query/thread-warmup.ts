/**
 * @module query/thread-warmup
 * What a query thread runs once it has started, before its first query: the shapes of common
 * queries (the reference questions of bench/, a trace lookup, a dashboard's rate panel) over a
 * few rows of each signal made here, through the same path a query takes on the thread
 * (snapshots, scanner, operators, the result and its JSON). V8 compiles a function to fast code
 * only after it has run it many times; a query's fixed path (parse, plan, result, JSON) runs
 * once per query, so without this the first tens of queries of a new thread run it in the
 * interpreter, which costs a cheap query (a trace lookup) more than its scan.
 */
import { BatchBuilder, MemoryStore, type Batch, type ScanSnapshot } from '../storage/index.ts'
import { parseQuery } from './parser.ts'
import { planScans } from './plan-scans.ts'
import { planQuery } from './planner.ts'
import type { QueryThreadRequest } from './query-protocol.ts'

const NS_PER_SECOND = 1_000_000_000n
const SERVICES = ['checkout', 'cart', 'frontend']
const ROUTES = ['/api/cart', '/api/checkout', '/api/items/{id}']
const TRACES = 8
const SPANS_PER_TRACE = 8

/** A trace id of the warm-up data, as the query language writes it. */
const traceHex = (t: number): string => (t + 1).toString(16).padStart(32, '0')
const idBytes = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g)!, (h) => Number.parseInt(h, 16))
const spanHex = (t: number, s: number): string => (t * 256 + s + 1).toString(16).padStart(16, '0')

/** Spans of TRACES traces, logs beside some of them, counter and histogram points: within [start, start + 1 min). */
function warmupBatches(start: bigint): Batch[] {
  const spans = new BatchBuilder('spans')
  const logs = new BatchBuilder('logs')
  let row = 0
  for (let t = 0; t < TRACES; t++) {
    for (let s = 0; s < SPANS_PER_TRACE; s++, row++) {
      const begin = start + BigInt(row) * 100_000_000n
      spans.setBytes('traceId', row, 16, idBytes(traceHex(t)))
      spans.setBytes('spanId', row, 8, idBytes(spanHex(t, s)))
      spans.setBytes('parentSpanId', row, 8, s === 0 ? new Uint8Array(8) : idBytes(spanHex(t, 0)))
      spans.setStr('name', row, s === 0 ? 'GET' : `op-${s % 3}`)
      spans.setU32('kind', row, s === 0 ? 2 : 1)
      spans.setI64('startTimeUnixNano', row, begin)
      spans.setI64('endTimeUnixNano', row, begin + BigInt(1 + ((row * 7919) % 1000)) * 1_000_000n)
      spans.setU32('statusCode', row, row % 5 === 0 ? 2 : 0)
      spans.setStr('r:service.name', row, SERVICES[(t + s) % SERVICES.length])
      spans.setAttribute('a:http.route', row, ROUTES[s % ROUTES.length])
      spans.setAttribute('a:http.response.status_code', row, BigInt(row % 5 === 0 ? 503 : 200))
      logs.setI64('timeUnixNano', row, begin)
      logs.setU32('severityNumber', row, row % 4 === 0 ? 17 : 9)
      logs.setStr('body', row, row % 3 === 0 ? 'upstream timeout' : 'request done')
      logs.setBytes('traceId', row, 16, idBytes(traceHex(t)))
      logs.setBytes('spanId', row, 8, idBytes(spanHex(t, s)))
      logs.setStr('r:service.name', row, SERVICES[(t + s) % SERVICES.length])
    }
  }
  const points = new BatchBuilder('metrics')
  let p = 0
  for (let step = 0; step < 4; step++) {
    for (const route of ROUTES) {
      const time = start + BigInt(step) * 15n * NS_PER_SECOND
      points.setStr('metric.name', p, 'http.server.request.count')
      points.setU32('metric.type', p, 2)
      points.setU32('metric.temporality', p, 2)
      points.setBool('metric.monotonic', p, true)
      points.setI64('startTimeUnixNano', p, start)
      points.setI64('timeUnixNano', p, time)
      points.setF64('value', p, (step + 1) * 10)
      points.setAttribute('a:http.route', p++, route)
      points.setStr('metric.name', p, 'http.server.request.duration')
      points.setU32('metric.type', p, 3)
      points.setU32('metric.temporality', p, 2)
      points.setI64('startTimeUnixNano', p, start)
      points.setI64('timeUnixNano', p, time)
      points.setI64('count', p, BigInt((step + 1) * 6))
      points.setF64('sum', p, (step + 1) * 1.5)
      points.setI64List('bucketCounts', p, [BigInt(step + 1), BigInt(3 * (step + 1)), BigInt(2 * (step + 1))])
      points.setF64List('explicitBounds', p, [0.1, 0.5])
      points.setAttribute('a:http.route', p++, route)
    }
  }
  return [spans.finish(row), logs.finish(row), points.finish(p)]
}

/** The queries a thread warms up with: one of each common shape. */
function warmupQueries(): string[] {
  const service = SERVICES[0]
  return [
    'spans | sort duration desc, trace_id, span_id | limit 10 | select service.name, name, duration, trace_id, span_id',
    'spans | stats count(), p50(duration), p95(duration), p99(duration) by service.name, name | sort p99_duration desc, service.name, name | limit 20',
    'spans | stats count() as spans, countif(status = "error") as errors by service.name | extend errors / spans as error_ratio | sort service.name',
    `spans | where trace_id = "${traceHex(3)}" | sort time, span_id | select span_id, parent_span_id, service.name, name, time, duration, status_code`,
    `spans | where service.name = "${service}" and attr.http.response.status_code >= 500 | stats count() by attr.http.route | sort count desc`,
    'spans | where status = "error" | stats count() by bin(time, 1m) | sort time',
    'logs | where body contains "timeout" | stats count() by service.name | sort count desc, service.name',
    'logs | where severity >= 17 | join spans as span on trace_id, span_id | stats count() by span.name | sort count desc, span.name',
    'metrics | where metric.name = "http.server.request.count" | stats increase(value), rate(value) by http.route, bin(time, 5m) | sort http.route, time',
    'metrics | where metric.name = "http.server.request.duration" | stats histogram_quantile(0.99) as p99 by http.route | sort http.route',
    'spans | where service.name = "cart" | limit 20',
    `trace "${traceHex(5)}"`,
  ]
}

/** One warm-up query as the pool would send it: its snapshots taken from the warm-up rows. */
export type WarmupRun = Omit<Extract<QueryThreadRequest, { kind: 'run' }>, 'kind' | 'id'>

/**
 * The warm-up queries, `rounds` times each (one round of all, then the next), as messages for
 * the thread's own run path; their snapshots hold only rows in memory (no files, nothing shared).
 * @example for (const run of warmupRuns(20)) await answer(run)
 */
export async function* warmupRuns(rounds: number): AsyncGenerator<WarmupRun> {
  const tenant = 'warmup'
  const now = BigInt(Date.now()) * 1_000_000n
  const start = now - 3_600n * NS_PER_SECOND
  const end = start + 3_600n * NS_PER_SECOND
  const store = new MemoryStore()
  for (const batch of warmupBatches(start)) await store.append(tenant, batch)
  const texts = warmupQueries()
  for (let round = 0; round < rounds; round++) {
    for (const query of texts) {
      const plan = planQuery(parseQuery(query), { start, end, now, source: query })
      const snapshots = [...planScans(plan, tenant)].map(([key, request]): [string, ScanSnapshot] => [key, store.snapshot(request).snapshot])
      yield { query, options: { tenant, start, end, now, limits: {} }, snapshots, jsonSince: performance.timeOrigin + performance.now() }
    }
  }
}
