/**
 * @module query/testdata/fixture
 * A tiny hand-made data set for the language tests: 5 spans in 3 traces (two batches, an
 * attribute that is an int in one batch and a string in the other), 3 log records, and
 * counter, histogram and gauge points. Times are offsets from T = 2026-11-01T00:00:00Z.
 */
import { BatchBuilder, hexToBytes, MemoryStore, METRIC_TYPE, type AnyValue, type Store } from '../../storage/index.ts'

export const T = 1793491200000000000n
export const MS = 1_000_000n
export const TRACE_A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
export const TRACE_B = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'
export const TRACE_C = 'cccccccccccccccccccccccccccccccc'

interface SpanSpec {
  trace: string
  span: string
  parent?: string
  name: string
  kind: number
  service: string
  startMs: number
  durMs: number
  status: number
  attrs: Record<string, AnyValue>
}

const SPANS: SpanSpec[][] = [
  [
    { trace: TRACE_A, span: '0000000000000001', name: 'GET /checkout', kind: 2, service: 'frontend', startMs: 0, durMs: 300, status: 1, attrs: { 'http.route': '/checkout', 'http.response.status_code': 200n, retries: 0n } },
    { trace: TRACE_A, span: '0000000000000002', parent: '0000000000000001', name: 'POST /pay', kind: 3, service: 'frontend', startMs: 10, durMs: 250, status: 2, attrs: { 'http.response.status_code': 503n, retries: 2n } },
    { trace: TRACE_A, span: '0000000000000003', parent: '0000000000000002', name: 'POST /pay', kind: 2, service: 'payment', startMs: 20, durMs: 200, status: 2, attrs: { 'http.route': '/pay', 'http.response.status_code': 503n } },
    { trace: TRACE_B, span: '0000000000000004', name: 'GET /health', kind: 2, service: 'frontend', startMs: 60_000, durMs: 1, status: 0, attrs: {} },
  ],
  [{ trace: TRACE_C, span: '0000000000000005', name: 'GET /cart', kind: 2, service: 'cart', startMs: 120_000, durMs: 50, status: 1, attrs: { 'http.route': '/cart', retries: 'many' } }],
]

function spanBatch(specs: SpanSpec[]) {
  const b = new BatchBuilder('spans')
  specs.forEach((s, row) => {
    b.setBytes('traceId', row, 16, hexToBytes(s.trace)!)
    b.setBytes('spanId', row, 8, hexToBytes(s.span)!)
    b.setBytes('parentSpanId', row, 8, hexToBytes(s.parent ?? '0000000000000000')!)
    b.setStr('name', row, s.name)
    b.setU32('kind', row, s.kind)
    b.setI64('startTimeUnixNano', row, T + BigInt(s.startMs) * MS)
    b.setI64('endTimeUnixNano', row, T + BigInt(s.startMs + s.durMs) * MS)
    b.setU32('statusCode', row, s.status)
    b.setStr('scope.name', row, 'shop')
    b.setAttribute('r:service.name', row, s.service)
    b.setAttribute('s:library.kind', row, 'http')
    for (const [k, v] of Object.entries(s.attrs)) b.setAttribute(`a:${k}`, row, v)
  })
  return b.finish(specs.length)
}

function logBatch() {
  const b = new BatchBuilder('logs')
  const logs = [
    { ms: 15, sev: 17, text: 'ERROR', body: 'payment timeout after 200ms', trace: TRACE_A, span: '0000000000000003', service: 'payment' },
    { ms: 60_000, sev: 9, text: 'INFO', body: 'health ok', trace: '', span: '', service: 'frontend' },
    { ms: 120_010, sev: 13, text: 'WARN', body: 'cart slow', trace: TRACE_C, span: '0000000000000005', service: 'cart' },
  ]
  logs.forEach((l, row) => {
    b.setI64('timeUnixNano', row, T + BigInt(l.ms) * MS)
    b.setU32('severityNumber', row, l.sev)
    b.setStr('severityText', row, l.text)
    b.setStr('body', row, l.body)
    b.setBytes('traceId', row, 16, l.trace === '' ? new Uint8Array(16) : hexToBytes(l.trace)!)
    b.setBytes('spanId', row, 8, l.span === '' ? new Uint8Array(8) : hexToBytes(l.span)!)
    b.setAttribute('r:service.name', row, l.service)
  })
  return b.finish(logs.length)
}

function metricBatch() {
  const b = new BatchBuilder('metrics')
  let row = 0
  const start = T - 30_000n * MS
  const point = (name: string, type: number, minute: number, route: string | undefined, set: (r: number) => void, seriesStart = start) => {
    b.setStr('metric.name', row, name)
    b.setU32('metric.type', row, type)
    b.setI64('timeUnixNano', row, T + BigInt(minute) * 60_000n * MS)
    if (type !== METRIC_TYPE.gauge) b.setI64('startTimeUnixNano', row, seriesStart)
    if (route !== undefined) b.setAttribute('a:http.route', row, route)
    b.setAttribute('r:service.name', row, 'frontend')
    set(row++)
  }
  // Series /b started an hour before T: in a range starting at T its first point is a baseline.
  const counter = (route: string, minute: number, value: number) =>
    point('requests', METRIC_TYPE.sum, minute, route, (r) => b.setF64('value', r, value), route === '/b' ? T - 3_600_000n * MS : start)
  counter('/a', 0, 10)
  counter('/a', 1, 20)
  counter('/a', 2, 5)
  counter('/a', 3, 15)
  counter('/b', 0, 100)
  counter('/b', 1, 160)
  const histogram = (minute: number, counts: bigint[]) =>
    point('latency', METRIC_TYPE.histogram, minute, '/a', (r) => {
      b.setI64('count', r, counts.reduce((x, y) => x + y, 0n))
      b.setI64List('bucketCounts', r, counts)
      b.setF64List('explicitBounds', r, [0.1, 1])
    })
  histogram(0, [1n, 1n, 0n])
  histogram(1, [3n, 2n, 1n])
  point('cpu', METRIC_TYPE.gauge, 0, undefined, (r) => b.setF64('value', r, 0.5))
  point('cpu', METRIC_TYPE.gauge, 1, undefined, (r) => b.setF64('value', r, 0.7))
  return b.finish(row)
}

/**
 * A MemoryStore holding the fixture for tenant "default" (and one span for tenant "other").
 * @example const store = await fixtureStore()
 */
export async function fixtureStore(): Promise<Store> {
  const store = new MemoryStore()
  for (const specs of SPANS) await store.append('default', spanBatch(specs))
  await store.append('default', logBatch())
  await store.append('default', metricBatch())
  await store.append('other', spanBatch([{ ...SPANS[1][0], service: 'secret-service' }]))
  return store
}
