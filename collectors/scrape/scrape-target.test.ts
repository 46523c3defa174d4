/**
 * One scrape target against an HTTP endpoint this test serves, scraped by explicit calls
 * (no timers): exact rows, the synthetic series, staleness, failures and timeouts.
 */
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cellValue, type AnyValue, type Batch } from '../../storage/index.ts'
import { CollectorStats } from '../collector-stats.ts'
import { ScrapeTarget } from './scrape-target.ts'

let answer: { status: number; type: string; body: string; hang?: boolean } = { status: 200, type: 'text/plain; version=0.0.4', body: '' }
let accept = ''
let server: Server
let base = ''

beforeAll(async () => {
  server = createServer((req, res) => {
    accept = req.headers.accept ?? ''
    if (answer.hang) return // never answers: the scrape times out
    res.writeHead(answer.status, { 'content-type': answer.type })
    res.end(answer.body)
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((done) => server.close(done))
})

function rows(batch: Batch): Record<string, AnyValue | undefined>[] {
  return Array.from({ length: batch.length }, (_, i) => {
    const row: Record<string, AnyValue | undefined> = {}
    for (const [k, c] of Object.entries(batch.columns)) {
      const v = cellValue(c, i)
      if (v !== undefined && k !== 'scope.name' && k !== 'metric.description' && k !== 'metric.temporality') row[k] = v
    }
    return row
  })
}

function target(timeoutMs = 5000) {
  const batches: Batch[] = []
  const stats = new CollectorStats('scrape')
  const t = new ScrapeTarget({
    url: `${base}/metrics`,
    labels: { job: 'app', instance: 'app-1', env: 'test' },
    intervalMs: 60_000,
    timeoutMs,
    tenant: 'acme',
    sink: async (tenant, batch) => {
      expect(tenant).toBe('acme')
      batches.push(batch)
    },
    stats,
  })
  return { t, batches, stats }
}

const T = 1796618401000
const ns = (ms: number) => BigInt(ms) * 1_000_000n
const res = { 'r:service.name': 'app', 'r:service.instance.id': 'app-1', 'a:env': 'test' }

describe('ScrapeTarget', () => {
  it('stores every sample with the target labels, and up, scrape_duration_seconds, scrape_samples_scraped', async () => {
    answer = {
      status: 200,
      type: 'text/plain; version=0.0.4',
      body: '# HELP reqs_total Requests.\n# TYPE reqs_total counter\nreqs_total{code="200",env="x"} 7\n# TYPE temp gauge\ntemp 21.5 1796618400000\n',
    }
    const { t, batches, stats } = target()
    await t.scrape(T)
    expect(accept).toMatch(/^application\/openmetrics-text;version=1.0.0/)
    const got = rows(batches[0])
    expect(got.slice(0, 2)).toEqual([
      { 'metric.name': 'reqs_total', 'metric.type': 2, 'metric.monotonic': true, timeUnixNano: ns(T), value: 7, 'a:code': '200', 'a:exported_env': 'x', ...res },
      { 'metric.name': 'temp', 'metric.type': 1, timeUnixNano: ns(T - 1000), value: 21.5, ...res },
    ])
    expect(got.slice(2).map((r) => [r['metric.name'], r.value])).toEqual([
      ['up', 1],
      ['scrape_duration_seconds', got[3].value],
      ['scrape_samples_scraped', 2],
    ])
    expect(got[3].value).toBeGreaterThan(0)
    expect(t.status).toMatchObject({ health: 'up', series: 2, lastScrape: new Date(T).toISOString() })
    expect(stats.snapshot().counters).toEqual({ scrapes: 1, samples: 2, pointsStored: 5 })
  })

  it('reads OpenMetrics, and marks series stale when they disappear or the target goes down', async () => {
    answer = { status: 200, type: 'application/openmetrics-text; version=1.0.0; charset=utf-8', body: '# TYPE a counter\na_total 1\na_created 1796618000.5\nb 2 1796618400.25\n# EOF\n' }
    const { t, batches, stats } = target()
    await t.scrape(T)
    expect(rows(batches[0]).slice(0, 3).map((r) => [r['metric.name'], r['metric.type'], r.timeUnixNano, r.value])).toEqual([
      ['a_total', 2, ns(T), 1],
      ['a_created', 1, ns(T), 1796618000.5],
      ['b', 1, ns(1796618400250), 2],
    ])
    answer = { ...answer, body: 'a_total 2\n# EOF\n' }
    await t.scrape(T + 15_000)
    expect(rows(batches[1]).map((r) => [r['metric.name'], r.flags, r.value, r.timeUnixNano])).toEqual([
      ['a_total', undefined, 2, ns(T + 15_000)],
      ['a_created', 1, undefined, ns(T + 15_000)],
      ['b', 1, undefined, ns(T + 15_000)],
      ['up', undefined, 1, ns(T + 15_000)],
      ['scrape_duration_seconds', undefined, rows(batches[1])[4].value, ns(T + 15_000)],
      ['scrape_samples_scraped', undefined, 1, ns(T + 15_000)],
    ])
    answer = { status: 500, type: 'text/plain', body: 'oops' }
    await t.scrape(T + 30_000)
    expect(rows(batches[2]).map((r) => [r['metric.name'], r.flags, r.value])).toEqual([
      ['a_total', 1, undefined],
      ['up', undefined, 0],
      ['scrape_duration_seconds', undefined, rows(batches[2])[2].value],
    ])
    expect(t.status).toMatchObject({ health: 'down', lastError: `cannot scrape ${base}/metrics: HTTP status 500`, series: 0 })
    expect(stats.snapshot()).toMatchObject({ counters: { scrapes: 3, scrapesFailed: 1, staleMarkers: 3 }, errorsByCode: { SOURCE_FAILED: 1 } })
  })

  it('gives up after the timeout, and reports a bad exposition as MALFORMED', async () => {
    answer = { status: 200, type: 'text/plain', body: '', hang: true }
    const { t, batches, stats } = target(300)
    await t.scrape(T)
    expect(rows(batches[0]).find((r) => r['metric.name'] === 'up')?.value).toBe(0)
    expect(t.status.lastError).toBe(`cannot scrape ${base}/metrics: no answer within the 300 ms timeout`)
    answer = { status: 200, type: 'text/plain', body: 'ok 1\nbad{ 1\n' }
    await t.scrape(T + 1000)
    expect(t.status.lastError).toBe('cannot parse the exposition: line 2: expected a label name at column 6')
    expect(stats.snapshot().errorsByCode).toEqual({ SOURCE_FAILED: 1, MALFORMED: 1 })
  })
})
