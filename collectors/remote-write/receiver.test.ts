/**
 * The remote-write receiver on its own: requests encoded by an independent encoder
 * (protobufjs from the proto text) and compressed with snappyjs, the rows it builds, and the
 * status code of every failure (4xx: the sender must not retry; 5xx: it retries).
 */
import protobuf from 'protobufjs'
import { compress } from 'snappyjs'
import { describe, expect, it } from 'vitest'
import { cellValue, StorageError, type Batch } from '../../storage/index.ts'
import { RemoteWriteReceiver } from './receiver.ts'

const PROTO = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
message MetricMetadata { int32 type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
`
const WriteRequest = protobuf.parse(PROTO).root.lookupType('prometheus.WriteRequest')
const STALE_NAN = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]

function encode(message: object): Uint8Array {
  return WriteRequest.encode(WriteRequest.fromObject(message)).finish()
}

function request(body: Uint8Array, headers: Record<string, string> = {}): Request {
  return new Request('http://x/api/v1/write', {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0', ...headers },
    body: Buffer.from(body),
  })
}

function receiver(sink: (tenant: string, batch: Batch) => Promise<void> = async () => {}, maxRequestBytes?: number) {
  return new RemoteWriteReceiver({ sink, maxRequestBytes })
}

const labels = (o: Record<string, string>) => Object.entries(o).map(([name, value]) => ({ name, value }))

describe('remote-write receiver', () => {
  it('stores each sample as a metric point with its labels, staleness markers as points without a value', async () => {
    const stored: [string, Batch][] = []
    const rw = receiver(async (t, b) => void stored.push([t, b]))
    const body = encode({
      metadata: [{ type: 1, metricFamilyName: 'http_requests_total', help: 'Requests.', unit: '' }],
      timeseries: [
        { labels: labels({ __name__: 'http_requests_total', code: '200', instance: 'web-1:80', job: 'web' }), samples: [{ value: 1, timestamp: 1796618401000 }, { value: 4, timestamp: 1796618402000 }] },
        { labels: labels({ __name__: 'temp', job: 'web' }), samples: [{ value: -0.5, timestamp: -1000 }, { value: STALE_NAN, timestamp: 1796618403000 }] },
      ],
    })
    const res = await rw.handle('acme', request(compress(body)))
    expect(res.status).toBe(204)
    expect(stored.length).toBe(1)
    const [tenant, batch] = stored[0]
    expect(tenant).toBe('acme')
    const rows = Array.from({ length: batch.length }, (_, i) => Object.fromEntries(Object.entries(batch.columns).map(([k, c]) => [k, cellValue(c, i)])).valueOf())
    expect(rows).toEqual([
      expect.objectContaining({ 'metric.name': 'http_requests_total', 'metric.type': 2, 'metric.monotonic': true, 'metric.temporality': 2, 'metric.description': 'Requests.', timeUnixNano: 1796618401000000000n, value: 1, 'a:code': '200', 'r:service.name': 'web', 'r:service.instance.id': 'web-1:80' }),
      expect.objectContaining({ 'metric.name': 'http_requests_total', timeUnixNano: 1796618402000000000n, value: 4 }),
      expect.objectContaining({ 'metric.name': 'temp', 'metric.type': 1, timeUnixNano: -1000000000n, value: -0.5, flags: undefined, 'a:code': undefined, 'r:service.name': 'web' }),
      expect.objectContaining({ 'metric.name': 'temp', timeUnixNano: 1796618403000000000n, value: undefined, flags: 1 }),
    ])
    expect(rw.stats.snapshot().counters).toMatchObject({ requests: 1, samples: 4, staleMarkers: 1, pointsStored: 4, metadata: 1 })
  })

  it('answers 204 to a request with no samples, without calling the sink', async () => {
    let calls = 0
    const res = await receiver(async () => void calls++).handle('t', request(compress(encode({}))))
    expect([res.status, calls]).toEqual([204, 0])
  })

  it('answers 400 for data that will never be valid, naming the problem', async () => {
    const f = async (body: Uint8Array, want: RegExp) => {
      const res = await receiver().handle('t', request(body))
      expect(res.status).toBe(400)
      expect(await res.text()).toMatch(want)
    }
    await f(new Uint8Array([1, 2, 3, 4, 5]), /cannot decompress the body: not valid snappy/)
    await f(compress(new Uint8Array([0x0a, 0x05, 0x0a])), /cannot decode the WriteRequest: length 5 past the end/)
    await f(compress(new Uint8Array([0x0b])), /cannot decode the WriteRequest: timeseries has wire type 3, expected 2 at byte 1/)
    await f(compress(new Uint8Array([0x13])), /cannot decode the WriteRequest: unsupported wire type 3/)
    await f(compress(encode({ timeseries: [{ labels: labels({ job: 'x' }), samples: [{ value: 1, timestamp: 1 }] }] })), /cannot store a series without a __name__ label/)
    const badUtf8 = new Uint8Array([0x0a, 0x06, 0x0a, 0x04, 0x0a, 0x02, 0xc3, 0x28])
    await f(compress(badUtf8), /invalid UTF-8/)
  })

  it('answers 415 for other media types and protocols', async () => {
    const body = compress(encode({}))
    const f = async (headers: Record<string, string>, want: RegExp) => {
      const res = await receiver().handle('t', request(body, headers))
      expect(res.status).toBe(415)
      expect(await res.text()).toMatch(want)
    }
    await f({ 'content-type': 'application/json' }, /cannot accept Content-Type "application\/json": supported: application\/x-protobuf/)
    await f({ 'content-type': 'application/x-protobuf;proto=io.prometheus.write.v3.Request' }, /remote-write 1.0/)
    await f({ 'content-encoding': 'gzip' }, /cannot accept Content-Encoding "gzip": supported: snappy/)
  })

  it('answers 413 past the size limit, compressed or decompressed', async () => {
    const big = encode({ timeseries: [{ labels: labels({ __name__: 'x'.repeat(5000) }), samples: [{ value: 1, timestamp: 1 }] }] })
    const compressed = compress(big)
    expect(compressed.length).toBeLessThan(1000)
    let res = await receiver(undefined, 1000).handle('t', request(compressed))
    expect([res.status, await res.text()]).toEqual([413, 'cannot decompress the body: it is over the limit of 1000 bytes\n'])
    res = await receiver(undefined, 100).handle('t', request(compressed))
    expect(res.status).toBe(413)
    // A streamed body without Content-Length is cut at the limit, not read whole.
    let pulled = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++
        c.enqueue(new Uint8Array(600))
      },
    })
    const init = { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, body: stream, duplex: 'half' }
    res = await receiver(undefined, 1000).handle('t', new Request('http://x/api/v1/write', init as RequestInit))
    expect([res.status, await res.text()]).toEqual([413, 'cannot read the body: over the limit of 1000 bytes\n'])
    expect(pulled).toBeLessThan(5)
  })

  it('answers 503 with Retry-After when storage fails, 400 when it refuses the batch', async () => {
    const body = compress(encode({ timeseries: [{ labels: labels({ __name__: 'up' }), samples: [{ value: 1, timestamp: 1 }] }] }))
    let res = await receiver(async () => {
      throw new StorageError('IO', 'disk on fire')
    }).handle('t', request(body))
    expect([res.status, res.headers.get('retry-after'), await res.text()]).toEqual([503, '1', 'cannot store the batch: disk on fire\n'])
    res = await receiver(async () => {
      throw new StorageError('INVALID_ARGUMENT', 'no')
    }).handle('t', request(body))
    expect(res.status).toBe(400)
  })

  it('answers every random body without throwing', async () => {
    let seed = 7
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
    const rw = receiver()
    for (let i = 0; i < 300; i++) {
      const bytes = new Uint8Array(Math.floor(rand() * 64)).map(() => Math.floor(rand() * 256))
      const res = await rw.handle('t', request(i % 2 === 0 ? compress(bytes) : bytes))
      expect([204, 400, 413]).toContain(res.status)
    }
  })
})
