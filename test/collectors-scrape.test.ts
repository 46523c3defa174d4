/**
 * Prometheus scraping inside the real server: Debian's prometheus-node-exporter started on a
 * free port and an endpoint this test serves, scraped every second, with relabelling; the
 * samples of every scrape are queried back and counted exactly.
 */
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCollectorServer, type CollectorServer } from './support/collector-server.ts'
import { freePort, startProgram, type ChildProgram } from './support/child-program.ts'
import { waitFor } from './support/wait-for.ts'
import { systemTool } from './support/system-tool.ts'

const nodeExporter = systemTool('prometheus-node-exporter', ['/usr/bin/prometheus-node-exporter', 'prometheus-node-exporter', 'node_exporter'], 'apt-get install -y prometheus-node-exporter')

const RPC_LE = ['0.1', '0.5', '2', '+Inf']
/** The app's histogram at its n-th answer: cumulative counts by `le`, whose shape drifts with n. */
const rpcBuckets = (n: number) => [n, 3 * n + n * n, 4 * n + n * n, 4 * n + n * n + 1]

describe('scrape inside blazedb serve', () => {
  let blaze: CollectorServer
  let app: Server
  let exporter: ChildProgram | undefined
  let exporterPort = 0
  let served = 0

  beforeAll(async () => {
    // The app's counter is the number of times it was scraped.
    app = createServer((req, res) => {
      served++
      res.writeHead(200, { 'content-type': 'application/openmetrics-text; version=1.0.0; charset=utf-8' })
      const buckets = rpcBuckets(served)
      const histogram = RPC_LE.map((le, i) => `rpc_seconds_bucket{le="${le}"} ${buckets[i]}\n`).join('')
      res.end(
        `# TYPE served counter\n# HELP served Scrapes served.\nserved_total{path="${req.url}"} ${served}\n` +
          `# TYPE rpc_seconds histogram\n${histogram}rpc_seconds_count ${buckets[3]}\nrpc_seconds_sum ${buckets[3] * 0.3}\n# EOF\n`,
      )
    })
    await new Promise<void>((done) => app.listen(0, '127.0.0.1', done))
    const appAddress = `127.0.0.1:${(app.address() as { port: number }).port}`
    const jobs = [
      {
        name: 'app',
        targets: [appAddress, '127.0.0.1:1'],
        metricsPath: '/custom',
        labels: { team: 'shop' },
        relabel: [
          { sourceLabels: ['__address__'], regex: '127\\.0\\.0\\.1:1', action: 'drop' as const },
          { sourceLabels: ['team', 'job'], separator: '-', targetLabel: 'owner' },
        ],
      },
    ]
    if (nodeExporter !== undefined) {
      exporterPort = await freePort()
      exporter = startProgram(nodeExporter, [`--web.listen-address=127.0.0.1:${exporterPort}`])
      jobs.push({ name: 'node', targets: [`127.0.0.1:${exporterPort}`], metricsPath: '/metrics', labels: { team: 'ops' }, relabel: [] })
    }
    blaze = await startCollectorServer({ scrape: { interval: '1s', timeout: '900ms', jobs } })
  }, 60_000)

  afterAll(async () => {
    await blaze?.close()
    await exporter?.stop()
    await new Promise((done) => app?.close(done))
  })

  it('scrapes a served endpoint with its relabelled target labels, every value exact', async () => {
    const rows = await waitFor('three scrapes of the app', async () => {
      const r = await blaze.rows('metrics | where resource.service.name = "app" and metric.name = "served_total" | sort time | limit 100')
      return r.length >= 3 ? r : undefined
    }, 60_000, 200)
    // The counter counts answers: each stored point is one of them, in order (a scrape that timed
    // out on a very busy machine would leave a gap, so gaps are allowed).
    const values = rows.map((r) => r.value as number)
    for (let i = 1; i < values.length; i++) expect(Number.isInteger(values[i]) && values[i] > values[i - 1]).toBe(true)
    expect(values[values.length - 1]).toBeLessThanOrEqual(served)
    expect(rows[0]).toMatchObject({ 'metric.type': 'sum', 'metric.monotonic': true, 'metric.description': 'Scrapes served.', 'attr.path': '/custom', 'attr.team': 'shop', 'attr.owner': 'shop-app' })
    expect(String(rows[0]['resource.service.instance.id'])).toMatch(/^127\.0\.0\.1:\d+$/)
    // The dropped target was never scraped: no series of it.
    const dropped = await blaze.rows('metrics | where resource.service.instance.id = "127.0.0.1:1" | stats count()')
    expect(dropped[0].count).toBe(0)
    const up = await blaze.rows('metrics | where resource.service.name = "app" and metric.name = "up" | stats min(value), max(value)')
    expect(up[0]).toEqual({ min_value: 1, max_value: 1 })
  })

  it('answers histogram_quantile over a scraped histogram from the increase of its buckets', async () => {
    const scrapes = await waitFor('four scrapes of the app', async () => {
      const r = await blaze.rows('metrics | where resource.service.name = "app" and metric.name = "served_total" | sort time | limit 100')
      return r.length >= 4 ? r : undefined
    }, 60_000, 200)
    const first = scrapes[0]
    const last = scrapes[scrapes.length - 1]
    const range = `from ${String(first.time)} to ${new Date(Date.parse(String(last.time)) + 1).toISOString()}`
    // Each scrape's answer number is its served_total: the bucket increases are known exactly.
    const was = rpcBuckets(first.value as number)
    const now = rpcBuckets(last.value as number)
    const increase = now.map((c, i) => c - was[i])
    const bounds = [0.1, 0.5, 2]
    for (const q of [0.2, 0.5, 0.99]) {
      const rank = q * increase[3]
      const b = increase.findIndex((c) => c >= rank)
      const lower = b === 0 ? 0 : bounds[b - 1]
      const below = b === 0 ? 0 : increase[b - 1]
      const want = b === 3 ? 2 : lower + (bounds[b] - lower) * ((rank - below) / (increase[b] - below))
      const rows = await blaze.rows(`metrics ${range} | where resource.service.name = "app" and metric.name = "rpc_seconds_bucket" | stats histogram_quantile(${q}) as v`)
      expect([q, rows[0].v]).toEqual([q, want])
    }
  })

  it.skipIf(nodeExporter === undefined)('scrapes node_exporter: each scrape stores exactly scrape_samples_scraped samples', async () => {
    const scrapes = await waitFor('two scrapes of node_exporter', async () => {
      const r = await blaze.rows('metrics | where resource.service.name = "node" and metric.name = "scrape_samples_scraped" | sort time | limit 100')
      return r.length >= 2 ? r : undefined
    }, 60_000, 200)
    for (const s of scrapes.slice(0, 2)) {
      const t = String(s.time)
      const counted = await blaze.rows(
        `metrics | where resource.service.name = "node" and time = ${t} and not metric.name in ("up", "scrape_duration_seconds", "scrape_samples_scraped") and not flags = 1 | stats count()`,
      )
      expect(s.value).toBeGreaterThan(100)
      expect(counted[0].count).toBe(s.value)
    }
    const cpu = await blaze.rows('metrics | where resource.service.name = "node" and metric.name = "node_cpu_seconds_total" | limit 1')
    expect(cpu[0]).toMatchObject({ 'metric.type': 'sum', 'metric.monotonic': true, 'resource.service.instance.id': `127.0.0.1:${exporterPort}`, 'attr.team': 'ops' })
    expect(cpu[0]['attr.cpu']).toBeDefined()
    expect(cpu[0]['attr.mode']).toBeDefined()
    const res = await fetch(`${blaze.url}/api/v1/admin/collectors`)
    const scrape = ((await res.json()) as { collectors: { kind: string; detail: { targets: { health: string; labels: Record<string, string> }[]; dropped: string[] } }[] }).collectors.find((c) => c.kind === 'scrape')!
    expect(scrape.detail.dropped).toEqual(['127.0.0.1:1'])
    expect(scrape.detail.targets.map((t) => [t.labels.job, t.health])).toEqual([
      ['app', 'up'],
      ['node', 'up'],
    ])
  })
})
