/**
 * Prometheus remote-write end to end: a real Prometheus (Debian's /usr/bin/prometheus) scrapes
 * an endpoint this test serves and remote-writes to BlazeDB; once the endpoint goes down, every
 * sample Prometheus holds of its series is found in BlazeDB with the same labels, timestamp and
 * value, nothing else is, and each series ends with Prometheus's staleness marker.
 */
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import protobuf from 'protobufjs'
import { compress } from 'snappyjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rowLabels, seriesKey, startCollectorServer, type CollectorServer } from './support/collector-server.ts'
import { startPrometheus, type PrometheusProcess } from './support/prometheus-process.ts'
import { waitFor } from './support/wait-for.ts'
import { systemTool } from './support/system-tool.ts'

const prometheus = systemTool('prometheus', ['/usr/bin/prometheus', 'prometheus'], 'apt-get install -y prometheus')

/** One exposition per scrape; values move every scrape so samples differ. */
let scrapes = 0
/** Set when the app should answer 503 (a target that went down). */
let failing = false
const RPC_BOUNDS = ['0.05', '0.1', '0.5', '+Inf']
/** app_rpc_seconds per route: observations per bucket so far (not cumulative), from a large start. */
const rpc: Record<string, number[]> = { '/a': [500, 700, 200, 50], '/b': [40, 900, 1200, 300] }
/** The next scrape of app_rpc_seconds: each bucket grows by its own amount, so the shape drifts. */
function rpcLines(n: number): string[] {
  const lines = ['# HELP app_rpc_seconds RPC latency.', '# TYPE app_rpc_seconds histogram']
  for (const [route, counts] of Object.entries(rpc)) {
    const k = route === '/a' ? 1 : 2
    counts[0] += (n * k) % 3
    counts[1] += 2 + ((n * k) % 5)
    counts[2] += (n + k) % 4
    counts[3] += n % 2
    let cumulative = 0
    counts.forEach((c, i) => lines.push(`app_rpc_seconds_bucket{route="${route}",le="${RPC_BOUNDS[i]}"} ${(cumulative += c)}`))
    lines.push(`app_rpc_seconds_sum{route="${route}"} ${cumulative * 0.2}`, `app_rpc_seconds_count{route="${route}"} ${cumulative}`)
  }
  return lines
}
function exposition(): string {
  const n = ++scrapes
  return [
    ...rpcLines(n),
    '# HELP app_requests_total Requests served.',
    '# TYPE app_requests_total counter',
    `app_requests_total{path="/a",code="200"} ${n * 3}`,
    `app_requests_total{path="/b",code="500"} ${n}`,
    '# HELP app_temperature_celsius Temperature.',
    '# TYPE app_temperature_celsius gauge',
    `app_temperature_celsius ${(20 + n * 0.1).toFixed(1)}`,
    '# HELP app_latency_seconds Latency.',
    '# TYPE app_latency_seconds histogram',
    `app_latency_seconds_bucket{le="0.1"} ${n}`,
    `app_latency_seconds_bucket{le="1"} ${n * 2}`,
    `app_latency_seconds_bucket{le="+Inf"} ${n * 2 + 1}`,
    `app_latency_seconds_sum ${n * 1.25}`,
    `app_latency_seconds_count ${n * 2 + 1}`,
    '',
  ].join('\n')
}

/** The app's series: 8 of app_requests_total, app_temperature_celsius, app_latency_seconds; 12 of app_rpc_seconds. */
const SERIES = 8 + 12

describe.skipIf(prometheus === undefined)('remote-write from a real Prometheus', () => {
  let blaze: CollectorServer
  let app: Server
  let prom: PrometheusProcess

  beforeAll(async () => {
    blaze = await startCollectorServer({})
    app = createServer((req, res) => {
      if (failing) {
        res.writeHead(503).end('down')
        return
      }
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
      res.end(exposition())
    })
    await new Promise<void>((done) => app.listen(0, '127.0.0.1', done))
    prom = await startPrometheus({
      path: prometheus!,
      dir: blaze.dir,
      job: 'app',
      target: `127.0.0.1:${(app.address() as { port: number }).port}`,
      remoteWriteUrl: `${blaze.url}/api/v1/write`,
      remoteWrite: ['metadata_config: { send_interval: 1s }'],
    })
  }, 60_000)

  afterAll(async () => {
    await prom?.stop()
    await new Promise((done) => app?.close(done))
    await blaze?.close()
  })

  const promQuery = (query: string, time: number) => prom.query<{ metric: Record<string, string>; values: [number, string][] }>(query, time)

  it('stores every sample Prometheus holds, sample for sample', async () => {
    await waitFor(
      'Prometheus to hold 5 scrapes',
      async () => {
        const r = await promQuery('count_over_time(app_temperature_celsius[1h])', Date.now() / 1000)
        return r.length === 1 && Number((r[0] as unknown as { value: [number, string] }).value[1]) >= 5 ? true : undefined
      },
      90_000,
      200,
    ).catch((error) => {
      throw new Error(`${(error as Error).message}\nprometheus said:\n${prom.program.output.join('').slice(-3000)}`)
    })
    // The app goes down: once Prometheus records up = 0, the app's series get no more samples
    // (only staleness markers, which its query API does not return), so both sides can be
    // compared in full, with no time margin.
    failing = true
    await waitFor('Prometheus to see the app down', async () => {
      const r = (await promQuery('up{job="app"}', Date.now() / 1000)) as unknown as { value: [number, string] }[]
      return r.length === 1 && r[0].value[1] === '0' ? true : undefined
    }, 60_000, 200)
    const held = await promQuery('{job="app", __name__=~"app_.*"}[1h]', Date.now() / 1000)
    const want = new Map<string, string>()
    for (const series of held) {
      for (const [t, v] of series.values) want.set(`${seriesKey(series.metric)} @${Math.round(t * 1000)}`, v)
    }
    expect(held.length).toBe(SERIES) // two counters, a gauge, three buckets, sum and count; app_rpc_seconds
    expect(want.size).toBeGreaterThanOrEqual(8 * 5)

    const got = await waitFor(
      'BlazeDB to hold every sample Prometheus holds',
      async () => {
        const rows = await blaze.rows('metrics | where resource.service.name = "app" and metric.name startswith "app_" and not flags = 1 | limit 100000')
        const got = new Map<string, string>()
        for (const row of rows) got.set(`${seriesKey(rowLabels(row))} @${Date.parse(String(row.time))}`, String(row.value))
        return got.size >= want.size ? got : undefined
      },
      60_000,
      200,
    )
    // Same keys, and each value the same double.
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort())
    for (const [key, value] of want) expect([key, Number(got.get(key))]).toEqual([key, Number(value)])
    // The staleness markers Prometheus sent when the app went down: one per app series.
    await waitFor('staleness markers', async () => {
      const r = await blaze.rows('metrics | where resource.service.name = "app" and metric.name startswith "app_" and flags = 1 | stats count()')
      return r[0].count === SERIES ? true : undefined
    }, 60_000, 200)
  }, 180_000)

  // Runs once the app is down (above): Prometheus and BlazeDB hold the same final samples.
  it("answers histogram_quantile over the stored buckets as Prometheus's own histogram_quantile does", async () => {
    const plus = (await promQuery('app_rpc_seconds_bucket{route="/a",le="+Inf"}[1h]', Date.now() / 1000))[0]
    const times = plus.values.map(([t]) => Math.round(t * 1000))
    expect(times.length).toBeGreaterThanOrEqual(5)
    const from = times[1]
    const to = times[times.length - 2]
    const iso = (ms: number) => new Date(ms).toISOString()
    const blazeQuantiles = async (q: number, fromMs: number, toMs: number) => {
      const rows = await blaze.rows(
        `metrics from ${iso(fromMs)} to ${iso(toMs)} | where metric.name = "app_rpc_seconds_bucket" | stats histogram_quantile(${q}) as v by attr.route | sort attr.route`,
      )
      const all = await blaze.rows(`metrics from ${iso(fromMs)} to ${iso(toMs)} | where metric.name = "app_rpc_seconds_bucket" | stats histogram_quantile(${q}) as v`)
      return [...rows.map((r) => [r['attr.route'], r.v]), ['all', all[0].v]]
    }
    const promQuantiles = async (q: number, inner: string, byRoute: boolean, at: number) => {
      const r = (await promQuery(`histogram_quantile(${q}, sum by (le${byRoute ? ', route' : ''}) (${inner}))`, at / 1000)) as unknown as { metric: { route?: string }; value: [number, string] }[]
      return r.map((x) => [x.metric.route ?? 'all', Number(x.value[1])] as const).sort(([a], [b]) => (a < b ? -1 : 1))
    }
    for (const q of [0.1, 0.25, 0.5, 0.75, 0.9, 0.99]) {
      // Exactly: BlazeDB's increase from the sample at `from` to the one at `to` is Prometheus's
      // difference of the bucket counts at `to` and `from` (no extrapolation), bit for bit.
      const diff = `app_rpc_seconds_bucket - app_rpc_seconds_bucket offset ${to - from}ms`
      const want = [...(await promQuantiles(q, diff, true, to)), ...(await promQuantiles(q, diff, false, to))]
      expect(want.length).toBe(3)
      expect(await blazeQuantiles(q, from, to + 1)).toEqual(want)
      // As users write it, with increase() over a window ending at `to` whose first sample is at
      // `from`: Prometheus extrapolates every bucket by the same factor, which a quantile does not see.
      const window = to - from + 500
      const viaIncrease = [...(await promQuantiles(q, `increase(app_rpc_seconds_bucket[${window}ms])`, true, to)), ...(await promQuantiles(q, `increase(app_rpc_seconds_bucket[${window}ms])`, false, to))]
      const got = await blazeQuantiles(q, to - window + 1, to + 1)
      expect(got.map(([route]) => route)).toEqual(viaIncrease.map(([route]) => route))
      got.forEach(([, v], i) => expect(Math.abs((v as number) - viaIncrease[i][1])).toBeLessThanOrEqual(1e-9 * Math.abs(viaIncrease[i][1])))
    }
  })

  it('recognises counters, histograms and gauges, with help text from the metadata', async () => {
    const rows = await blaze.rows(
      'metrics | where resource.service.name = "app" | stats count() by metric.name, metric.type, metric.monotonic, metric.description | sort metric.name',
    )
    const kinds = Object.fromEntries(rows.map((r) => [r['metric.name'], [r['metric.type'], r['metric.monotonic'], r['metric.description']]]))
    expect(kinds.app_requests_total[0]).toBe('sum')
    expect(kinds.app_requests_total[1]).toBe(true)
    expect(kinds.app_latency_seconds_bucket.slice(0, 2)).toEqual(['sum', true])
    expect(kinds.app_latency_seconds_count.slice(0, 2)).toEqual(['sum', true])
    expect(kinds.app_latency_seconds_sum.slice(0, 2)).toEqual(['sum', false])
    expect(kinds.app_temperature_celsius[0]).toBe('gauge')
    expect(kinds.up[0]).toBe('gauge')
  })

  it('counts requests and stored points in the admin API, as many as were stored', async () => {
    await prom.stop()
    const counters = async (): Promise<Record<string, number>> => {
      const res = await fetch(`${blaze.url}/api/v1/admin/collectors`)
      const body = (await res.json()) as { collectors: { kind: string; counters: Record<string, number> }[] }
      return body.collectors.find((c) => c.kind === 'remote-write')!.counters
    }
    // Prometheus is stopped: once the counter and the stored rows agree, they stay equal.
    const stored = await waitFor('the counters to match the stored rows', async () => {
      const before = (await counters()).pointsStored
      const rows = await blaze.rows('metrics | stats count()')
      return rows[0].count === before ? before : undefined
    }, 60_000, 200)
    const c = await counters()
    expect(c.pointsStored).toBe(stored)
    expect(c.samples).toBe(c.pointsStored)
    expect(c.requests).toBe(c.requestsStored)
    expect(c.metadata).toBeGreaterThan(0)
  })
})

describe('remote-write over HTTP with tokens', () => {
  it('needs a token with the ingest scope and stores under its tenant', async () => {
    const tokens = [
      { token: 'ingest-token-1', tenant: 'acme', scopes: ['ingest' as const] },
      { token: 'reader-token-1', tenant: 'acme', scopes: ['read' as const] },
    ]
    const blaze = await startCollectorServer({}, { tokens })
    try {
      const WriteRequest = protobuf
        .parse('syntax = "proto3"; message WriteRequest { repeated TimeSeries timeseries = 1; } message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; } message Label { string name = 1; string value = 2; } message Sample { double value = 1; int64 timestamp = 2; }')
        .root.lookupType('WriteRequest')
      const ts = 1796618401000
      const body = compress(WriteRequest.encode(WriteRequest.fromObject({ timeseries: [{ labels: [{ name: '__name__', value: 'up' }], samples: [{ value: 1, timestamp: ts }] }] })).finish())
      const post = (token?: string) =>
        fetch(`${blaze.url}/api/v1/write`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body,
        })
      expect((await post()).status).toBe(401)
      expect((await post('reader-token-1')).status).toBe(403)
      expect((await post('ingest-token-1')).status).toBe(204)
      const read = await fetch(`${blaze.url}/api/v1/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer reader-token-1' },
        body: JSON.stringify({ query: 'metrics | select metric.name, value, time', start: '2026-01-01T00:00:00Z', end: '2027-12-01T00:00:00Z' }),
      })
      expect(((await read.json()) as { rows: unknown[] }).rows).toEqual([['up', 1, new Date(ts).toISOString().replace('.000Z', 'Z')]])
    } finally {
      await blaze.close()
    }
  })
})

describe('remote-write 2.0 over HTTP', () => {
  it('stores classic and native histograms a 2.0 sender writes, and histogram_quantile reads them', async () => {
    const blaze = await startCollectorServer({})
    try {
      const Request = protobuf.loadSync(join(import.meta.dirname, '../collectors/remote-write/testdata/remote-write-v2.proto')).lookupType('io.prometheus.write.v2.Request')
      const t0 = 1796618401000
      const symbols = ['', '__name__', 'req_seconds_bucket', 'le', '1', '2', '+Inf', 'job', 'api', 'rpc_seconds']
      const ref = (s: string) => symbols.indexOf(s)
      // Classic buckets from t0 to t0 + 15s: 1 → +4, 2 → +8, +Inf → +10.
      const bucket = (le: string, from: number, to: number) => ({
        labelsRefs: [ref('__name__'), ref('req_seconds_bucket'), ref('job'), ref('api'), ref('le'), ref(le)],
        samples: [{ value: from, timestamp: t0 }, { value: to, timestamp: t0 + 15_000 }],
        metadata: { type: 3 },
      })
      // A native histogram at schema 0 growing by 6 in (1, 2] and 2 in (2, 4].
      const native = (timestamp: number, a: number, b: number) => ({ countInt: a + b, sum: 1, schema: 0, positiveSpans: [{ offset: 1, length: 2 }], positiveDeltas: [a, b - a], timestamp })
      const body = Request.encode(
        Request.fromObject({
          symbols,
          timeseries: [
            bucket('1', 10, 14),
            bucket('2', 20, 28),
            bucket('+Inf', 30, 40),
            { labelsRefs: [ref('__name__'), ref('rpc_seconds'), ref('job'), ref('api')], histograms: [native(t0, 4, 4), native(t0 + 15_000, 10, 6)], metadata: { type: 3 } },
          ],
        }),
      ).finish()
      const res = await fetch(`${blaze.url}/api/v1/write`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '2.0.0' },
        body: compress(body),
      })
      expect([res.status, res.headers.get('x-prometheus-remote-write-samples-written'), res.headers.get('x-prometheus-remote-write-histograms-written')]).toEqual([204, '6', '2'])
      const range = `from ${new Date(t0).toISOString()} to ${new Date(t0 + 16_000).toISOString()}`
      const classic = await blaze.rows(`metrics ${range} | where metric.name = "req_seconds_bucket" | stats histogram_quantile(0.5) as v`)
      expect(classic).toEqual([{ v: 1 + (5 - 4) / 4 }])
      // Rank 4 of 8 is in (1, 2] (6 of them), at fraction 4/6, on a log scale.
      const nativeQ = await blaze.rows(`metrics ${range} | where metric.name = "rpc_seconds" | stats histogram_quantile(0.5) as v`)
      expect(nativeQ[0].v).toBeCloseTo(2 ** (4 / 6), 12)
    } finally {
      await blaze.close()
    }
  })
})
