/**
 * Native histograms (remote-write 1.0 and 2.0) and remote-write 2.0 requests, encoded by an
 * independent encoder (protobufjs from testdata/*.proto, copies of Prometheus's), checked row
 * for row; and every malformed request answered 400 with what is wrong, never a crash.
 */
import { join } from 'node:path'
import protobuf from 'protobufjs'
import { compress } from 'snappyjs'
import { describe, expect, it } from 'vitest'
import { cellValue, type Batch } from '../../storage/index.ts'
import { RemoteWriteReceiver } from './receiver.ts'

const root = protobuf.loadSync(join(import.meta.dirname, 'testdata/remote-write-v1.proto'))
const WriteRequest = root.lookupType('prometheus.WriteRequest')
const RequestV2 = root.lookupType('io.prometheus.write.v2.Request')
const STALE_NAN = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]
const V2 = 'application/x-protobuf;proto=io.prometheus.write.v2.Request'
const TS = 1796618401000

const v1 = (message: object) => WriteRequest.encode(WriteRequest.fromObject(message)).finish()
const v2 = (message: object) => RequestV2.encode(RequestV2.fromObject(message)).finish()

function post(rw: RemoteWriteReceiver, body: Uint8Array, contentType = 'application/x-protobuf') {
  return rw.handle('t', new Request('http://x/api/v1/write', { method: 'POST', headers: { 'content-type': contentType, 'content-encoding': 'snappy' }, body: Buffer.from(compress(body)) }))
}

function rowsOf(batch: Batch): Record<string, unknown>[] {
  return Array.from({ length: batch.length }, (_, i) => Object.fromEntries(Object.entries(batch.columns).map(([k, c]) => [k, cellValue(c, i)]).filter(([, v]) => v !== undefined)))
}

function capture() {
  const batches: Batch[] = []
  const rw = new RemoteWriteReceiver({ sink: async (_t, b) => void batches.push(b) })
  return { rw, rows: () => batches.flatMap(rowsOf) }
}

const labels = (o: Record<string, string>) => Object.entries(o).map(([name, value]) => ({ name, value }))

/** An integer native histogram at schema 0: zero bucket 2; positive buckets 1, 2 and 5 (3, 2, 4); negative bucket 0 (1). */
const NATIVE = {
  countInt: 12,
  sum: 20.5,
  schema: 0,
  zeroThreshold: 0.001,
  zeroCountInt: 2,
  positiveSpans: [{ offset: 1, length: 2 }, { offset: 2, length: 1 }],
  positiveDeltas: [3, -1, 2],
  negativeSpans: [{ offset: 0, length: 1 }],
  negativeDeltas: [1],
  timestamp: TS,
}
const NATIVE_ROW = {
  'metric.type': 4,
  'metric.temporality': 2,
  count: 12n,
  sum: 20.5,
  'exp.scale': 0,
  'exp.zeroThreshold': 0.001,
  'exp.zeroCount': 2n,
  'exp.positiveOffset': 0,
  'exp.positiveBucketCounts': [3n, 2n, 0n, 0n, 4n],
  'exp.negativeOffset': -1,
  'exp.negativeBucketCounts': [1n],
  timeUnixNano: BigInt(TS) * 1_000_000n,
}

describe('native histograms in remote-write 1.0', () => {
  it('stores exponential and custom-bucket histograms as histogram points, float ones when their counts are whole', async () => {
    const { rw, rows } = capture()
    const res = await post(
      rw,
      v1({
        timeseries: [
          { labels: labels({ __name__: 'rpc_seconds', job: 'api' }), histograms: [NATIVE, { ...NATIVE, countInt: 13, zeroCountInt: 3, timestamp: TS + 1000, resetHint: 1 }] },
          {
            labels: labels({ __name__: 'custom_seconds' }),
            histograms: [{ countInt: 4, sum: 2, schema: -53, customValues: [0.1, 1], positiveSpans: [{ offset: 0, length: 3 }], positiveDeltas: [1, 1, -1], timestamp: TS }],
          },
          {
            labels: labels({ __name__: 'float_seconds' }),
            histograms: [
              { countFloat: 3, sum: 1, schema: 2, zeroCountFloat: 0, positiveSpans: [{ offset: -2, length: 2 }], positiveCounts: [1, 2], timestamp: TS },
              { countFloat: 3, sum: 1, schema: 2, positiveSpans: [{ offset: -2, length: 2 }], positiveCounts: [1.5, 1.5], timestamp: TS + 1000 },
              { countInt: 0, sum: STALE_NAN, schema: 2, timestamp: TS + 2000 },
            ],
          },
        ],
      }),
    )
    expect(res.status).toBe(204)
    const got = rows()
    expect(got.length).toBe(5)
    expect(got[0]).toEqual({ 'metric.name': 'rpc_seconds', 'r:service.name': 'api', 'scope.name': 'blazedb/collectors/remote-write', ...NATIVE_ROW })
    // Reset hint YES: the histogram counts anew from (at the latest) its own time.
    expect(got[1]).toMatchObject({ count: 13n, 'exp.zeroCount': 3n, startTimeUnixNano: BigInt(TS + 1000) * 1_000_000n })
    expect(got[2]).toEqual({
      'metric.name': 'custom_seconds',
      'metric.type': 3,
      'metric.temporality': 2,
      'scope.name': 'blazedb/collectors/remote-write',
      count: 4n,
      sum: 2,
      bucketCounts: [1n, 2n, 1n],
      explicitBounds: [0.1, 1],
      timeUnixNano: BigInt(TS) * 1_000_000n,
    })
    expect(got[3]).toMatchObject({ 'metric.name': 'float_seconds', count: 3n, 'exp.scale': 2, 'exp.positiveOffset': -3, 'exp.positiveBucketCounts': [1n, 2n] })
    // The float histogram with 1.5 in a bucket is dropped; the stale marker is a point without buckets.
    expect(got[4]).toMatchObject({ 'metric.name': 'float_seconds', 'metric.type': 4, flags: 1, timeUnixNano: BigInt(TS + 2000) * 1_000_000n })
    expect(got[4].count).toBeUndefined()
    expect(rw.stats.snapshot().counters).toMatchObject({ nativeHistograms: 5, nativeHistogramsDropped: 1, staleMarkers: 1, pointsStored: 5 })
  })

  it('counts and skips histograms it cannot store, storing the rest of the request', async () => {
    const { rw, rows } = capture()
    const skipped = [
      { ...NATIVE, schema: 9 }, // no such schema
      { ...NATIVE, positiveSpans: [{ offset: 2000, length: 1 }, { offset: 2, length: 1 }], positiveDeltas: [1, 0], negativeSpans: [], negativeDeltas: [] }, // past 2^1024
      { ...NATIVE, positiveSpans: [{ offset: 0, length: 1 }, { offset: 40_000, length: 1 }], positiveDeltas: [1, 1], negativeSpans: [], negativeDeltas: [] }, // too wide to store densely
    ]
    const res = await post(rw, v1({ timeseries: [{ labels: labels({ __name__: 'h' }), histograms: [...skipped, NATIVE] }] }))
    expect(res.status).toBe(204)
    expect(rows().map((r) => r.count)).toEqual([12n])
    expect(rw.stats.snapshot().counters).toMatchObject({ nativeHistograms: 1, nativeHistogramsDropped: 3 })
  })

  it('answers 400 when spans and counts disagree, never storing part of the request', async () => {
    const f = async (h: object, want: RegExp) => {
      const { rw, rows } = capture()
      const res = await post(rw, v1({ timeseries: [{ labels: labels({ __name__: 'h' }), histograms: [{ ...NATIVE, ...h }] }] }))
      expect([res.status, await res.text()]).toEqual([400, expect.stringMatching(want)])
      expect(rows()).toEqual([])
    }
    await f({ positiveDeltas: [3, -1] }, /cannot decode the WriteRequest: a histogram's positive_spans hold 3 buckets but 2 counts were given/)
    await f({ positiveDeltas: [3, -4, 2] }, /positive bucket count goes negative \(-1\)/)
    await f({ negativeCounts: [1] }, /a histogram has both negative_deltas and negative_counts/)
    await f({ positiveSpans: [{ offset: 1, length: 2 }, { offset: -2, length: 1 }] }, /positive_spans overlap/)
  })
})

/** A 2.0 request: symbols, then series referring to them. */
function requestV2() {
  const symbols = ['', '__name__', 'http_requests_total', 'job', 'api', 'code', '200', 'Requests served.', 'req_seconds_bucket', 'le', '0.5', '+Inf', 'rpc_seconds', 'seconds', 'trace_id', 'abc']
  const ref = (s: string) => symbols.indexOf(s)
  const refs = (o: [string, string][]) => o.flatMap(([k, v]) => [ref(k), ref(v)])
  return {
    symbols,
    timeseries: [
      {
        labelsRefs: refs([['__name__', 'http_requests_total'], ['code', '200'], ['job', 'api']]),
        samples: [{ value: 5, timestamp: TS }, { value: 7, timestamp: TS + 1000 }],
        metadata: { type: 1, helpRef: ref('Requests served.'), unitRef: 0 },
        createdTimestamp: TS - 60_000,
        exemplars: [{ labelsRefs: refs([['trace_id', 'abc']]), value: 0.3, timestamp: TS }],
      },
      { labelsRefs: refs([['__name__', 'req_seconds_bucket'], ['job', 'api'], ['le', '0.5']]), samples: [{ value: 3, timestamp: TS }], metadata: { type: 3 } },
      { labelsRefs: refs([['__name__', 'req_seconds_bucket'], ['job', 'api'], ['le', '+Inf']]), samples: [{ value: STALE_NAN, timestamp: TS }], metadata: { type: 3 } },
      { labelsRefs: refs([['__name__', 'rpc_seconds'], ['job', 'api']]), histograms: [NATIVE], metadata: { type: 3, unitRef: ref('seconds') } },
    ],
  }
}

describe('remote-write 2.0', () => {
  it('resolves symbols, stores samples and histograms with their metadata and created time, and says what it wrote', async () => {
    const { rw, rows } = capture()
    const res = await post(rw, v2(requestV2()), V2)
    expect(res.status).toBe(204)
    expect(Object.fromEntries([...res.headers].filter(([k]) => k.startsWith('x-prometheus')))).toEqual({
      'x-prometheus-remote-write-samples-written': '4',
      'x-prometheus-remote-write-histograms-written': '1',
      'x-prometheus-remote-write-exemplars-written': '0',
    })
    const scope = { 'scope.name': 'blazedb/collectors/remote-write', 'r:service.name': 'api' }
    const created = BigInt(TS - 60_000) * 1_000_000n
    const counter = { ...scope, 'metric.name': 'http_requests_total', 'a:code': '200', 'metric.type': 2, 'metric.monotonic': true, 'metric.temporality': 2, 'metric.description': 'Requests served.', startTimeUnixNano: created }
    const bucket = { ...scope, 'metric.name': 'req_seconds_bucket', 'metric.type': 2, 'metric.monotonic': true, 'metric.temporality': 2, timeUnixNano: BigInt(TS) * 1_000_000n }
    expect(rows()).toEqual([
      { ...counter, value: 5, timeUnixNano: BigInt(TS) * 1_000_000n },
      { ...counter, value: 7, timeUnixNano: BigInt(TS + 1000) * 1_000_000n },
      { ...bucket, 'a:le': '0.5', value: 3 },
      { ...bucket, 'a:le': '+Inf', flags: 1 },
      { ...scope, 'metric.name': 'rpc_seconds', 'metric.unit': 'seconds', ...NATIVE_ROW },
    ])
    expect(rw.stats.snapshot().counters).toMatchObject({ requestsV2: 1, samples: 4, nativeHistograms: 1, exemplarsDropped: 1, staleMarkers: 1 })
  })

  it('goes by the name when the metadata leaves the type unspecified, keeping its help', async () => {
    const { rw, rows } = capture()
    const symbols = ['', '__name__', 'jobs_done_total', 'Jobs done.']
    const res = await post(rw, v2({ symbols, timeseries: [{ labelsRefs: [1, 2], samples: [{ value: 3, timestamp: TS }], metadata: { type: 0, helpRef: 3 } }] }), V2)
    expect(res.status).toBe(204)
    expect(rows()).toEqual([expect.objectContaining({ 'metric.name': 'jobs_done_total', 'metric.type': 2, 'metric.monotonic': true, 'metric.description': 'Jobs done.', value: 3 })])
  })

  it('reads fields in any order: symbols after the series that use them', async () => {
    const { symbols, timeseries } = requestV2()
    const { rw, rows } = capture()
    const body = Buffer.concat([v2({ timeseries: timeseries.slice(0, 1) }), v2({ symbols })])
    expect((await post(rw, body, V2)).status).toBe(204)
    expect(rows().map((r) => [r['metric.name'], r['a:code'], r.value])).toEqual([['http_requests_total', '200', 5], ['http_requests_total', '200', 7]])
  })

  it('reads labels_refs packed or not, as protobuf parsers must', async () => {
    const Unpacked = protobuf
      .parse('syntax = "proto3"; message R { repeated string symbols = 4; repeated S timeseries = 5; } message S { repeated uint32 labels_refs = 1 [packed = false]; repeated P samples = 2; } message P { double value = 1; int64 timestamp = 2; }')
      .root.lookupType('R')
    const body = Unpacked.encode(Unpacked.fromObject({ symbols: ['', '__name__', 'up', 'job', 'api'], timeseries: [{ labelsRefs: [1, 2, 3, 4], samples: [{ value: 1, timestamp: TS }] }] })).finish()
    expect(body[body.indexOf(0x2a) + 2]).toBe(0x08) // the first label ref is its own varint field, not a packed run
    const { rw, rows } = capture()
    expect((await post(rw, body, V2)).status).toBe(204)
    expect(rows()).toEqual([expect.objectContaining({ 'metric.name': 'up', 'r:service.name': 'api', value: 1 })])
  })

  it('answers 400 for bad references and bad bytes, naming them', async () => {
    const f = async (body: Uint8Array, want: RegExp) => {
      const res = await post(capture().rw, body, V2)
      expect([res.status, await res.text()]).toEqual([400, expect.stringMatching(want)])
      expect(res.headers.get('x-prometheus-remote-write-samples-written')).toBe('0')
    }
    const good = requestV2()
    await f(v2({ ...good, timeseries: [{ labelsRefs: [1, 99], samples: [{ value: 1, timestamp: TS }] }] }), /cannot decode the io.prometheus.write.v2.Request: a label value refers to symbol 99 of 16 at byte \d+/)
    await f(v2({ ...good, timeseries: [{ labelsRefs: [1, 2, 3], samples: [{ value: 1, timestamp: TS }] }] }), /labels_refs has 3 entries, not name-value pairs/)
    await f(v2({ ...good, timeseries: [{ labelsRefs: [1, 2], metadata: { type: 1, helpRef: 40 } }] }), /metadata help_ref refers to symbol 40 of 16/)
    await f(v2({ symbols: ['x'] }), /symbols must start with the empty string/)
    await f(v2({ ...good, timeseries: [{ labelsRefs: [3, 4], samples: [{ value: 1, timestamp: TS }] }] }), /cannot store a series without a __name__ label: \{"job":"api"\}/)
    const whole = v2(good)
    await f(whole.subarray(0, whole.length - 3), /cannot decode the io.prometheus.write.v2.Request: (length \d+ past the end|truncated)/)
  })

  it('answers 415 for other proto values, which makes a 2.0 sender fall back to 1.0', async () => {
    const res = await post(capture().rw, v2({}), 'application/x-protobuf;proto=io.prometheus.write.v3.Request')
    expect([res.status, await res.text()]).toEqual([415, expect.stringMatching(/supported: application\/x-protobuf with proto=prometheus.WriteRequest \(remote-write 1.0, the default\) or proto=io.prometheus.write.v2.Request \(2.0\)/)])
  })

  it('answers every random or mangled body without throwing', async () => {
    let seed = 11
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
    const { rw } = capture()
    const valid = [v2(requestV2()), v1({ timeseries: [{ labels: labels({ __name__: 'h' }), histograms: [NATIVE] }] })]
    for (let i = 0; i < 400; i++) {
      const base = valid[i % 2]
      // Half random bytes, half a valid request with a few bytes changed.
      const bytes = i % 4 < 2 ? new Uint8Array(Math.floor(rand() * 80)).map(() => Math.floor(rand() * 256)) : base.map((b) => (rand() < 0.03 ? Math.floor(rand() * 256) : b))
      const res = await post(rw, bytes, i % 2 === 0 ? V2 : 'application/x-protobuf')
      expect([204, 400]).toContain(res.status)
    }
  })
})
