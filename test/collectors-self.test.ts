/**
 * Self-telemetry of the real server: /metrics in the Prometheus text format with the OTLP
 * gateway's counters, the collectors' counters, query latencies and storage sizes, each equal
 * to what the server did, queue depths; and the same metrics stored in the system tenant.
 */
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { memoryBudget } from '../cli/memory-budget.ts'
import { parseExposition, type ScrapedSample } from '../collectors/index.ts'
import { startCollectorServer, type CollectorServer } from './support/collector-server.ts'
import { waitFor } from './support/wait-for.ts'

describe('self-telemetry', () => {
  let blaze: CollectorServer
  beforeAll(async () => {
    blaze = await startCollectorServer({ self: { interval: '1s', tenant: '_system' } })
  })
  afterAll(async () => blaze?.close())

  const metrics = async (): Promise<ScrapedSample[]> => {
    const res = await fetch(`${blaze.url}/metrics`)
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    return parseExposition(await res.text(), 'text').samples
  }
  const value = (samples: ScrapedSample[], name: string, labels: Record<string, string> = {}) =>
    samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels.some(([a, b]) => a === k && b === v)))?.value

  it('counts what the server did', async () => {
    // Two log records over OTLP/HTTP JSON, one rejected request, three queries (one bad).
    const logs = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: '1796618401000000000', body: { stringValue: 'a' } }, { timeUnixNano: '1796618402000000000', body: { stringValue: 'b' } }] }] }] }
    const post = (body: string) => fetch(`http://${blaze.server.addresses.otlpHttp}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    expect((await post(JSON.stringify(logs))).status).toBe(200)
    expect((await post('{not json')).status).toBe(400)
    const query = (q: string) => fetch(`${blaze.url}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: q }) })
    expect((await query('logs | stats count()')).status).toBe(200)
    expect((await query('logs | limit 1')).status).toBe(200)
    expect((await query('logs | where')).status).toBe(400)
    const s = await metrics()
    expect(value(s, 'blazedb_ingest_records_accepted_total', { signal: 'logs' })).toBe(2)
    expect(value(s, 'blazedb_ingest_requests_total', { transport: 'http' })).toBe(2)
    expect(value(s, 'blazedb_ingest_errors_total', { code: 'MALFORMED' })).toBe(1)
    expect(value(s, 'blazedb_query_duration_seconds_count', { status: '200' })).toBe(2)
    expect(value(s, 'blazedb_query_duration_seconds_count', { status: '400' })).toBe(1)
    expect(value(s, 'blazedb_query_duration_seconds_bucket', { status: '200', le: '+Inf' })).toBe(2)
    expect(value(s, 'blazedb_storage_rows', { tenant: 'default', signal: 'logs' })).toBe(2)
    expect(value(s, 'process_resident_memory_bytes')).toBeGreaterThan(10_000_000)
    expect(value(s, 'blazedb_collector_events_total', { collector: 'remote-write', counter: 'requests' })).toBeUndefined()
  })

  it('stores the same metrics in the system tenant, as job blazedb', async () => {
    const rows = await waitFor('self metrics in _system', async () => {
      const r = await blaze.rows('metrics | where metric.name = "blazedb_ingest_records_accepted_total" and attr.signal = "logs" | sort time desc | limit 1', '_system')
      return r.length > 0 && r[0].value === 2 ? r : undefined
    }, 60_000, 200)
    expect(rows[0]).toMatchObject({ 'metric.type': 'sum', 'metric.monotonic': true, 'resource.service.name': 'blazedb' })
    // The query histogram has points once a snapshot follows the first query (the ones above).
    const hist = await waitFor('the query histogram in _system', async () => {
      const r = await blaze.rows('metrics | where metric.name = "blazedb_query_duration_seconds_bucket" | limit 1', '_system')
      return r.length > 0 ? r : undefined
    }, 60_000, 200)
    expect(hist[0]).toMatchObject({ 'metric.type': 'sum', 'metric.monotonic': true })
    const s = await metrics()
    expect(value(s, 'blazedb_collector_events_total', { collector: 'self', counter: 'pointsStored' })).toBeGreaterThan(0)
    expect(value(s, 'blazedb_storage_rows', { tenant: '_system', signal: 'metrics' })).toBeGreaterThan(0)
  })

  it('shows the queues: the bytes of a request still being read, then none; a retried request counted as duplicate', async () => {
    const body = Buffer.from(JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: '1796618403000000000', body: { stringValue: 'c'.repeat(5000) } }] }] }] }))
    const half = 3000
    const idle = await metrics()
    expect(value(idle, 'blazedb_ingest_inflight_bytes')).toBe(0)
    // The share of the default memoryLimit (1GiB) requests in flight get.
    expect(value(idle, 'blazedb_ingest_inflight_limit_bytes')).toBe(memoryBudget(1024 ** 3).maxInflightBytes)
    expect(value(idle, 'blazedb_ingest_decode_waiting')).toBe(0)
    expect(value(idle, 'blazedb_queries_running')).toBe(0)
    expect(value(idle, 'blazedb_queries_queued')).toBe(0)
    const send = (): Promise<number> =>
      new Promise((done, fail) => {
        const req = request(`http://${blaze.server.addresses.otlpHttp}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length, 'idempotency-key': '"self-test"' } }, (res) => {
          res.resume()
          done(res.statusCode!)
        })
        req.on('error', fail)
        req.write(body.subarray(0, half))
        // The rest once /metrics shows the request in flight (its declared length is counted at once).
        void waitFor('the request in flight', async () => value(await metrics(), 'blazedb_ingest_inflight_bytes') === body.length).then(() => req.end(body.subarray(half)), fail)
      })
    expect(await send()).toBe(200)
    expect(await send()).toBe(200)
    const after = await metrics()
    expect(value(after, 'blazedb_ingest_inflight_bytes')).toBe(0)
    expect(value(after, 'blazedb_ingest_records_accepted_total', { signal: 'logs' })).toBe(3)
    expect(value(after, 'blazedb_ingest_records_duplicate_total', { signal: 'logs' })).toBe(1)
  })

  it('shows where the memory is: resident memory by kind, each kind of thread\'s heap and buffers, the limit and the pressure', async () => {
    // A query starts work on a query thread; its report, and the decoding threads', come within seconds.
    expect((await fetch(`${blaze.url}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'logs | stats count()' }) })).status).toBe(200)
    const s = await waitFor('every kind of thread to report', async () => {
      const s = await metrics()
      return ['main', 'query', 'decode'].every((thread) => (value(s, 'blazedb_thread_heap_used_bytes', { thread }) ?? 0) > 0) ? s : undefined
    }, 30_000, 200)
    for (const thread of ['main', 'query', 'decode']) {
      expect(value(s, 'blazedb_threads', { thread })).toBeGreaterThan(0)
      expect(value(s, 'blazedb_thread_heap_total_bytes', { thread })).toBeGreaterThanOrEqual(value(s, 'blazedb_thread_heap_used_bytes', { thread })!)
      expect(value(s, 'blazedb_thread_external_bytes', { thread })).toBeGreaterThan(0)
      expect(value(s, 'blazedb_thread_array_buffers_bytes', { thread })).toBeGreaterThanOrEqual(0)
    }
    expect(value(s, 'blazedb_query_block_cache_bytes')).toBeGreaterThanOrEqual(0)
    expect(value(s, 'blazedb_memory_limit_bytes')).toBe(1024 ** 3)
    expect(value(s, 'blazedb_memory_pressure')).toBe(0)
    for (const decision of ['shrink', 'regrow', 'climb', 'spike']) expect(value(s, 'blazedb_memory_guard_decisions_total', { decision })).toBe(0)
    expect(value(s, 'blazedb_query_block_cache_budget_bytes')).toBe(memoryBudget(1024 ** 3).queryCacheBytes)
    if (process.platform === 'linux') {
      const anon = value(s, 'process_resident_memory_anon_bytes')!
      const file = value(s, 'process_resident_memory_file_bytes')!
      expect(anon).toBeGreaterThan(10_000_000)
      expect(file).toBeGreaterThan(1_000_000)
      expect(value(s, 'process_resident_memory_peak_bytes')).toBeGreaterThanOrEqual(value(s, 'process_resident_memory_bytes')! * 0.5)
    }
  })
})

describe('/metrics, shared with the web UI', () => {
  const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8'
  const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
  const get = (url: string, accept: string, token?: string) => fetch(`${url}/metrics`, { headers: { accept, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) } })

  it('answers a page visit with the Metrics page and a scrape (or curl) with the exposition', async () => {
    const blaze = await startCollectorServer({ self: { interval: '1s', tenant: '_system' } })
    try {
      const page = await get(blaze.url, BROWSER_ACCEPT)
      expect(page.status).toBe(200)
      expect(page.headers.get('content-type')).toMatch(/^text\/html/)
      expect(await page.text()).toContain('<script')
      for (const accept of [PROMETHEUS_ACCEPT, '*/*']) {
        const scrape = await get(blaze.url, accept)
        expect(scrape.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
        expect(await scrape.text()).toContain('blazedb_ingest_records_accepted_total')
      }
    } finally {
      await blaze.close()
    }
  })

  it('with tokens, a page visit needs none (the page asks to sign in) and a scrape needs an admin token', async () => {
    const tokens = [
      { token: 'admin-token-0123456789', tenant: 'default', scopes: ['admin' as const, 'read' as const] },
      { token: 'reader-token-0123456789', tenant: 'default', scopes: ['read' as const] },
    ]
    const blaze = await startCollectorServer({ self: { interval: '1s', tenant: '_system' } }, { tokens })
    try {
      const page = await get(blaze.url, BROWSER_ACCEPT)
      expect(page.status).toBe(200)
      expect(page.headers.get('content-type')).toMatch(/^text\/html/)
      expect((await get(blaze.url, PROMETHEUS_ACCEPT)).status).toBe(401)
      expect((await get(blaze.url, PROMETHEUS_ACCEPT, 'reader-token-0123456789')).status).toBe(403)
      const scrape = await get(blaze.url, PROMETHEUS_ACCEPT, 'admin-token-0123456789')
      expect(scrape.status).toBe(200)
      expect(await scrape.text()).toContain('blazedb_ingest_records_accepted_total')
    } finally {
      await blaze.close()
    }
  })
})
