/**
 * Hostile records inside valid requests, over OTLP/HTTP (protobuf and JSON) and OTLP/gRPC: a
 * record the OTLP data model forbids, or whose time lies outside the ingest time window, is
 * rejected alone by partial success (exact counts, a message naming the first reason), and the
 * rest of the request is stored.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { GRPC_EXPORT_PATHS, startOtlpGrpc, startOtlpHttp, type OtlpServer, type OtlpSignal } from '../ingest/index.ts'
import { MemoryStore } from '../storage/index.ts'
import { grpcExport, partialFromJson, partialFromProtobuf, type Partial } from './support/otlp-answers.ts'
import { JSON_TYPE, post, PROTOBUF, storedRows } from './support/otlp-http-client.ts'
import { encodeOtlpJsonAsProtobuf } from './support/otlp-protobufjs.ts'

const T0 = '1793491200000000000' // 2026-11-01T00:00:00Z
const T1 = '1793491260000000000' // a minute later
const P = { startTimeUnixNano: T0, timeUnixNano: T1 }
const GOOD_METRIC = { name: 'good', gauge: { dataPoints: [{ ...P, asDouble: 1 }] } }

const metrics = (bad: Record<string, unknown>) => ({ resourceMetrics: [{ scopeMetrics: [{ metrics: [GOOD_METRIC, { name: 'bad', ...bad }, GOOD_METRIC] }] }] })
const histogram = (point: Record<string, unknown>) => metrics({ histogram: { dataPoints: [{ ...P, ...point }], aggregationTemporality: 2 } })
const exponential = (point: Record<string, unknown>) => metrics({ exponentialHistogram: { dataPoints: [{ ...P, ...point }], aggregationTemporality: 2 } })
const summary = (point: Record<string, unknown>) => metrics({ summary: { dataPoints: [{ ...P, ...point }] } })
const span = (id: string, start: string, end: string) => ({ traceId: '5b8efff798038103d269b633813fc60c', spanId: id, name: 's', startTimeUnixNano: start, endTimeUnixNano: end })

interface Case {
  name: string
  signal: OtlpSignal
  request: unknown
  rejected: number
  stored: number
  message?: RegExp
}

const CASES: Case[] = [
  { name: 'histogram: bucket_counts not len(bounds)+1', signal: 'metrics', request: histogram({ count: '6', bucketCounts: ['1', '2', '3'], explicitBounds: [1, 2, 3] }), rejected: 1, stored: 2, message: /bucket_counts has 3 entries for 3 explicit_bounds \(expected 4/ },
  { name: 'histogram: bounds without bucket_counts', signal: 'metrics', request: histogram({ count: '1', explicitBounds: [1] }), rejected: 1, stored: 2, message: /bucket_counts has 0 entries for 1 explicit_bounds/ },
  { name: 'histogram: bounds not strictly increasing', signal: 'metrics', request: histogram({ count: '3', bucketCounts: ['1', '1', '1'], explicitBounds: [1, 1] }), rejected: 1, stored: 2, message: /explicit_bounds are not strictly increasing: 1 follows 1/ },
  { name: 'histogram: a NaN bound', signal: 'metrics', request: histogram({ count: '2', bucketCounts: ['1', '1'], explicitBounds: ['NaN'] }), rejected: 1, stored: 2, message: /one is NaN/ },
  { name: 'histogram: count below the buckets', signal: 'metrics', request: histogram({ count: '2', bucketCounts: ['1', '2'], explicitBounds: [5] }), rejected: 1, stored: 2, message: /count 2 is smaller than the sum of bucket_counts, 3/ },
  { name: 'histogram: negative count', signal: 'metrics', request: histogram({ count: '-1' }), rejected: 1, stored: 2, message: /count is negative/ },
  { name: 'histogram: no buckets and no bounds is valid', signal: 'metrics', request: histogram({ count: '5', sum: 2.5 }), rejected: 0, stored: 3 },
  { name: 'histogram: a count above the buckets is let through', signal: 'metrics', request: histogram({ count: '9', bucketCounts: ['1', '2'], explicitBounds: [5] }), rejected: 0, stored: 3 },
  { name: 'exponential: count below zero_count + buckets', signal: 'metrics', request: exponential({ count: '3', zeroCount: '1', positive: { offset: 0, bucketCounts: ['2', '2'] } }), rejected: 1, stored: 2, message: /count 3 is smaller than the sum of zero_count and the bucket counts, 5/ },
  { name: 'exponential: negative bucket count', signal: 'metrics', request: exponential({ count: '3', negative: { offset: 0, bucketCounts: ['-1'] } }), rejected: 1, stored: 2, message: /negative bucket_counts hold a negative count/ },
  { name: 'exponential: negative zero_count', signal: 'metrics', request: exponential({ count: '3', zeroCount: '-2' }), rejected: 1, stored: 2, message: /zero_count is negative/ },
  { name: 'exponential: valid', signal: 'metrics', request: exponential({ count: '5', zeroCount: '1', scale: 2, positive: { offset: -1, bucketCounts: ['2', '2'] } }), rejected: 0, stored: 3 },
  { name: 'summary: quantile above 1', signal: 'metrics', request: summary({ count: '1', quantileValues: [{ quantile: 1.5, value: 1 }] }), rejected: 1, stored: 2, message: /quantile 1.5 is outside \[0, 1\]/ },
  { name: 'summary: NaN quantile', signal: 'metrics', request: summary({ count: '1', quantileValues: [{ quantile: 'NaN', value: 1 }] }), rejected: 1, stored: 2, message: /quantile NaN is outside \[0, 1\]/ },
  { name: 'summary: quantiles not increasing', signal: 'metrics', request: summary({ count: '2', quantileValues: [{ quantile: 0.9, value: 2 }, { quantile: 0.5, value: 1 }] }), rejected: 1, stored: 2, message: /quantiles are not strictly increasing: 0.5 follows 0.9/ },
  { name: 'summary: negative value', signal: 'metrics', request: summary({ count: '2', quantileValues: [{ quantile: 0.5, value: -1 }] }), rejected: 1, stored: 2, message: /the value at quantile 0.5 is negative/ },
  { name: 'summary: negative count', signal: 'metrics', request: summary({ count: '-5' }), rejected: 1, stored: 2, message: /count is negative/ },
  { name: 'gauge: start after time', signal: 'metrics', request: metrics({ gauge: { dataPoints: [{ startTimeUnixNano: T1, timeUnixNano: T0, asDouble: 1 }, { ...P, asDouble: 2 }] } }), rejected: 1, stored: 3, message: /1 of 4 records rejected; the first because its start_time_unix_nano is after time_unix_nano/ },
  {
    name: 'span: end before start',
    signal: 'traces',
    request: { resourceSpans: [{ scopeSpans: [{ spans: [span('eee19b7ec3c1b174', T0, T1), span('eee19b7ec3c1b175', T1, T0), span('eee19b7ec3c1b176', T1, T0)] }] }] },
    rejected: 2,
    stored: 1,
    message: /2 of 3 records rejected; the first because its end_time_unix_nano is before start_time_unix_nano/,
  },
]

const store = new MemoryStore()
let http: OtlpServer
let grpcServer: OtlpServer

beforeAll(async () => {
  http = await startOtlpHttp({ store })
  grpcServer = await startOtlpGrpc({ store })
})
afterAll(async () => {
  await http.close()
  await grpcServer.close()
})

type Send = (c: Case) => Promise<Partial>

const TRANSPORTS: [string, Send][] = [
  [
    'HTTP protobuf',
    async (c) => {
      const answer = await post(http.address, `/v1/${c.signal}`, encodeOtlpJsonAsProtobuf(c.signal, c.request), PROTOBUF)
      expect(answer.status, answer.text).toBe(200)
      return partialFromProtobuf(answer.body)
    },
  ],
  [
    'HTTP JSON',
    async (c) => {
      const answer = await post(http.address, `/v1/${c.signal}`, JSON.stringify(c.request), JSON_TYPE)
      expect(answer.status, answer.text).toBe(200)
      return partialFromJson(answer.text)
    },
  ],
  [
    'gRPC',
    async (c) => {
      const { error, response } = await grpcExport(grpcServer.address, GRPC_EXPORT_PATHS[c.signal], encodeOtlpJsonAsProtobuf(c.signal, c.request))
      expect(error).toBeNull()
      return partialFromProtobuf(response!)
    },
  ],
]

describe.each(TRANSPORTS)('data model violations over %s', (_, send) => {
  test.each(CASES)('$name', async (c) => {
    const before = storedRows(store)
    const partial = await send(c)
    expect(partial.rejected).toBe(c.rejected)
    if (c.message !== undefined) expect(partial.message).toMatch(c.message)
    else expect(partial.message).toBe('')
    expect(storedRows(store) - before).toBe(c.stored)
  })
})

describe('the ingest time window', () => {
  const DAY = 86_400_000_000_000n
  const NOW = 1796601600000000000n // 2026-12-07T00:00:00Z
  const at = (ns: bigint) => String(ns)
  const OLD = NOW - 8n * DAY
  const RECENT = NOW - DAY
  const FUTURE = NOW + 2n * 3_600_000_000_000n
  const requests: Record<OtlpSignal, (times: bigint[]) => unknown> = {
    traces: (times) => ({ resourceSpans: [{ scopeSpans: [{ spans: times.map((t, i) => span(`eee19b7ec3c1b1${(16 + i).toString(16)}`, at(t), at(t + 1000n))) }] }] }),
    logs: (times) => ({ resourceLogs: [{ scopeLogs: [{ logRecords: times.map((t) => ({ timeUnixNano: at(t), body: { stringValue: 'x' } })) }] }] }),
    metrics: (times) => ({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'm', gauge: { dataPoints: times.map((t) => ({ timeUnixNano: at(t), asDouble: 1 })) } }] }] }] }),
  }
  let windowStore: MemoryStore
  let windowHttp: OtlpServer
  let windowGrpc: OtlpServer

  beforeAll(async () => {
    windowStore = new MemoryStore()
    // Metrics are kept forever here: no lower bound for them.
    const timeWindow = { retentionNs: { spans: 7n * DAY, logs: 7n * DAY, metrics: 0n }, maxFutureSkewNs: 3_600_000_000_000n, now: () => NOW }
    windowHttp = await startOtlpHttp({ store: windowStore, timeWindow })
    windowGrpc = await startOtlpGrpc({ store: windowStore, timeWindow, metrics: windowHttp.metrics })
  })
  afterAll(async () => {
    await windowHttp.close()
    await windowGrpc.close()
  })

  test.each(['traces', 'logs'] as const)('%s: older than the retention or too far ahead, rejected by partial success over HTTP and gRPC', async (signal) => {
    const body = requests[signal]([OLD, RECENT, FUTURE, RECENT])
    const before = storedRows(windowStore)
    const json = await post(windowHttp.address, `/v1/${signal}`, JSON.stringify(body), JSON_TYPE)
    expect(json.status, json.text).toBe(200)
    const retention = signal === 'traces' ? 'spans' : 'logs'
    expect(partialFromJson(json.text)).toEqual({ rejected: 2, message: expect.stringMatching(new RegExp(`^2 of 4 records rejected; the first because its \\S+ 2026-11-29T00:00:00.000Z is older than the ${retention} retention of 7d`)) })
    const { error, response } = await grpcExport(windowGrpc.address, GRPC_EXPORT_PATHS[signal], encodeOtlpJsonAsProtobuf(signal, body))
    expect(error).toBeNull()
    expect(partialFromProtobuf(response!).rejected).toBe(2)
    expect(storedRows(windowStore) - before).toBe(4)
    const future = await post(windowHttp.address, `/v1/${signal}`, JSON.stringify(requests[signal]([RECENT, FUTURE])), JSON_TYPE)
    expect(partialFromJson(future.text).message).toMatch(/2026-12-07T02:00:00.000Z is more than 1h in the future \(maxFutureSkew\)/)
  })

  test('a retention of 0 keeps a signal forever: no lower bound, the future bound holds', async () => {
    const answer = await post(windowHttp.address, '/v1/metrics', JSON.stringify(requests.metrics([1_000_000_000n, OLD, FUTURE])), JSON_TYPE)
    expect(answer.status).toBe(200)
    expect(partialFromJson(answer.text)).toMatchObject({ rejected: 1, message: expect.stringMatching(/in the future/) })
  })

  test('a request whose every record lies outside is refused with 400, naming the retention', async () => {
    const answer = await post(windowHttp.address, '/v1/logs', JSON.stringify(requests.logs([OLD, OLD])), JSON_TYPE)
    expect(answer.status).toBe(400)
    expect(answer.text).toMatch(/cannot store any record of the request: 2 of 2 records rejected; the first because its time_unix_nano .* is older than the logs retention of 7d/)
  })

  test('the gateway counts the records it turned away', () => {
    const stats = windowHttp.metrics.snapshot()
    expect(stats.outsideWindow).toEqual({ traces: 5, logs: 7, metrics: 1 })
    expect(stats.rejected.logs).toBeGreaterThanOrEqual(stats.outsideWindow.logs)
  })
})
