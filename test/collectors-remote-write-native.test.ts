/**
 * Native histograms end to end: a real Prometheus (Debian's, with
 * `--enable-feature=native-histograms`) scrapes an endpoint this test serves in the protobuf
 * exposition format and remote-writes to BlazeDB with `send_native_histograms`; once the
 * endpoint goes down, every histogram sample Prometheus holds is found in BlazeDB with the
 * same count, sum and buckets (bounds and counts, as Prometheus's HTTP API lists them).
 */
import { createServer, type Server } from 'node:http'
import protobuf from 'protobufjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cellValue, METRIC_COLUMNS } from '../storage/index.ts'
import { startCollectorServer, type CollectorServer } from './support/collector-server.ts'
import { startPrometheus, type PrometheusProcess } from './support/prometheus-process.ts'
import { waitFor } from './support/wait-for.ts'
import { systemTool } from './support/system-tool.ts'

const prometheus = systemTool('prometheus', ['/usr/bin/prometheus', 'prometheus'], 'apt-get install -y prometheus')

/** The protobuf exposition format (prometheus/client_model metrics.proto), the parts used here. */
const MetricFamily = protobuf
  .parse(
    `syntax = "proto2"; package io.prometheus.client;
     message LabelPair { optional string name = 1; optional string value = 2; }
     message BucketSpan { optional sint32 offset = 1; optional uint32 length = 2; }
     message Histogram { optional uint64 sample_count = 1; optional double sample_sum = 2; optional sint32 schema = 5; optional double zero_threshold = 6;
       optional uint64 zero_count = 7; repeated BucketSpan negative_span = 9; repeated sint64 negative_delta = 10;
       repeated BucketSpan positive_span = 12; repeated sint64 positive_delta = 13; }
     message Metric { repeated LabelPair label = 1; optional Histogram histogram = 7; }
     message MetricFamily { optional string name = 1; optional string help = 2; optional int32 type = 3; repeated Metric metric = 4; }`,
  )
  .root.lookupType('io.prometheus.client.MetricFamily')
const PROTOBUF_TYPE = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited'
const HISTOGRAM = 4

let scrapes = 0
let failing = false

/** Counts by bucket at the n-th scrape (cumulative over time, so a counter histogram). */
function histogramAt(n: number, route: string) {
  const k = route === '/a' ? 1 : 3
  // Schema 0: bucket i holds (2^(i-1), 2^i]. Positive buckets -1, 0, 1 and 4; negative bucket 0.
  const positive = [10 + n, 20 + 3 * n * k, 5 + ((n * n) % 7) + n * 7, 2 + n * k]
  const negative = [1 + (n >> 1)]
  const zero = 1 + n
  const deltas = (c: number[]) => c.map((x, i) => x - (c[i - 1] ?? 0))
  const count = zero + [...positive, ...negative].reduce((a, b) => a + b, 0)
  return {
    sampleCount: count,
    sampleSum: count * 0.75,
    schema: 0,
    zeroThreshold: 0.001,
    zeroCount: zero,
    positiveSpan: [{ offset: -1, length: 3 }, { offset: 2, length: 1 }],
    positiveDelta: deltas(positive),
    negativeSpan: [{ offset: 0, length: 1 }],
    negativeDelta: deltas(negative),
  }
}

function exposition(): Uint8Array {
  const n = ++scrapes
  const family = { name: 'rpc_native_seconds', help: 'RPC latency.', type: HISTOGRAM, metric: ['/a', '/b'].map((route) => ({ label: [{ name: 'route', value: route }], histogram: histogramAt(n, route) })) }
  return MetricFamily.encodeDelimited(MetricFamily.fromObject(family)).finish()
}

interface PromHistogramJson {
  count: string
  sum: string
  buckets?: [number, string, string, string][]
}

describe.skipIf(prometheus === undefined)('native histograms remote-written by a real Prometheus', () => {
  let blaze: CollectorServer
  let app: Server
  let prom: PrometheusProcess

  beforeAll(async () => {
    blaze = await startCollectorServer({})
    app = createServer((_req, res) => {
      if (failing) {
        res.writeHead(503).end('down')
        return
      }
      res.writeHead(200, { 'content-type': PROTOBUF_TYPE })
      res.end(exposition())
    })
    await new Promise<void>((done) => app.listen(0, '127.0.0.1', done))
    prom = await startPrometheus({
      path: prometheus!,
      dir: blaze.dir,
      job: 'native',
      target: `127.0.0.1:${(app.address() as { port: number }).port}`,
      remoteWriteUrl: `${blaze.url}/api/v1/write`,
      remoteWrite: ['send_native_histograms: true'],
      flags: ['--enable-feature=native-histograms'],
    })
  }, 60_000)

  afterAll(async () => {
    await prom?.stop()
    await new Promise((done) => app?.close(done))
    await blaze?.close()
  })

  const promQuery = <T>(query: string, time: number) => prom.query<T>(query, time)

  it('stores every native histogram sample Prometheus holds, bucket for bucket', async () => {
    await waitFor(
      'Prometheus to hold 5 native histogram scrapes',
      async () => {
        const r = await promQuery<{ value: [number, string] }>('count_over_time(rpc_native_seconds{route="/a"}[1h])', Date.now() / 1000)
        return r.length === 1 && Number(r[0].value[1]) >= 5 ? true : undefined
      },
      90_000,
      200,
    ).catch((error) => {
      throw new Error(`${(error as Error).message}\nprometheus said:\n${prom.program.output.join('').slice(-3000)}`)
    })
    failing = true
    await waitFor('Prometheus to see the endpoint down', async () => {
      const r = await promQuery<{ value: [number, string] }>('up{job="native"}', Date.now() / 1000)
      return r.length === 1 && r[0].value[1] === '0' ? true : undefined
    }, 60_000, 200)
    const held = await promQuery<{ metric: Record<string, string>; histograms: [number, PromHistogramJson][] }>('rpc_native_seconds[1h]', Date.now() / 1000)
    const want = new Map<string, unknown>()
    for (const series of held) {
      for (const [t, h] of series.histograms) {
        const buckets = (h.buckets ?? []).map(([, lower, upper, count]) => [Number(lower), Number(upper), Number(count)]).filter(([, , c]) => c > 0)
        want.set(`${series.metric.route} @${Math.round(t * 1000)}`, { count: Number(h.count), sum: Number(h.sum), buckets })
      }
    }
    expect(held.length).toBe(2)
    expect(want.size).toBeGreaterThanOrEqual(10)

    const got = await waitFor('BlazeDB to hold every histogram Prometheus holds', async () => {
      const out = new Map<string, unknown>()
      for await (const batch of blaze.server.store.scan({ tenant: 'default', signal: 'metrics' })) {
        const c = (name: string, row: number) => (batch.columns[name] === undefined ? undefined : cellValue(batch.columns[name], row))
        for (let row = 0; row < batch.length; row++) {
          if (c(METRIC_COLUMNS.name, row) !== 'rpc_native_seconds' || c('flags', row) === 1) continue
          const scale = c(METRIC_COLUMNS.scale, row) as number
          const bound = (i: number) => 2 ** (i * 2 ** -scale)
          const zt = c(METRIC_COLUMNS.zeroThreshold, row) as number
          const side = (offset: string, counts: string) => ({ from: c(offset, row) as number, counts: ((c(counts, row) ?? []) as bigint[]).map(Number) })
          const pos = side(METRIC_COLUMNS.positiveOffset, METRIC_COLUMNS.positiveBucketCounts)
          const neg = side(METRIC_COLUMNS.negativeOffset, METRIC_COLUMNS.negativeBucketCounts)
          // In Prometheus's order: negative buckets from the most negative, the zero bucket, positive ones.
          const buckets = [
            ...neg.counts.map((n, k) => [-bound(neg.from + k + 1), -bound(neg.from + k), n]).reverse(),
            [-zt, zt, Number(c(METRIC_COLUMNS.zeroCount, row))],
            ...pos.counts.map((n, k) => [bound(pos.from + k), bound(pos.from + k + 1), n]),
          ].filter(([, , n]) => n > 0)
          const time = c(METRIC_COLUMNS.timeUnixNano, row) as bigint
          out.set(`${c('a:route', row)} @${time / 1_000_000n}`, { count: Number(c(METRIC_COLUMNS.count, row)), sum: c(METRIC_COLUMNS.sum, row), buckets })
        }
      }
      return out.size >= want.size ? out : undefined
    }, 60_000, 200)
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort())
    for (const [key, value] of want) expect([key, got.get(key)]).toEqual([key, value])
  }, 180_000)

  it("puts histogram_quantile's answer in the bucket Prometheus's own answer is in", async () => {
    const held = await promQuery<{ histograms: [number, PromHistogramJson][] }>('rpc_native_seconds{route="/b"}[1h]', Date.now() / 1000)
    const times = held[0].histograms.map(([t]) => Math.round(t * 1000))
    const from = times[0]
    const to = times[times.length - 1]
    const window = to - from + 500
    for (const q of [0.1, 0.5, 0.9]) {
      // Prometheus 2.42 interpolates linearly inside a bucket, BlazeDB (as Prometheus 3) on a log scale: the bucket is the same.
      const [prom] = await promQuery<{ value: [number, string] }>(`histogram_quantile(${q}, increase(rpc_native_seconds{route="/b"}[${window}ms]))`, to / 1000)
      const rows = await blaze.rows(
        `metrics from ${new Date(to - window + 1).toISOString()} to ${new Date(to + 1).toISOString()} | where metric.name = "rpc_native_seconds" and attr.route = "/b" | stats histogram_quantile(${q}) as v`,
      )
      const ours = rows[0].v as number
      const theirs = Number(prom.value[1])
      expect([q, Math.ceil(Math.log2(ours))]).toEqual([q, Math.ceil(Math.log2(theirs))])
    }
  })
})
