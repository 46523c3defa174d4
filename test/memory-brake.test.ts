/**
 * Near its `memoryLimit`, a real server sheds load rather than grow: several senders push every
 * signal at `blazedb serve` with the smallest limit while bursts of dashboard queries run, until
 * the server has refused an OTLP request for memory (429, Retry-After, a message naming the
 * limit) and a query past those waiting while queries run one at a time (503 OVERLOADED,
 * Retry-After); refused exports are retried as the SDKs do,
 * and every record acknowledged is counted back afterwards.
 */
import { existsSync } from 'node:fs'
import { expect, test } from 'vitest'
import { QUERY_PRESSURE_QUEUE } from '../query/limits.ts'
import { generateWorkload, otlpJson } from '../workload/index.ts'
import { protobufBodies, serverWithMemoryLimit } from './support/memory-limit-server.ts'
import { waitFor } from './support/wait-for.ts'

const LIMIT_MIB = 384
const SENDERS = 3
/** Records per request, as otlpJson chunks them. */
const PER_REQUEST = { traces: 1_000, logs: 1_000, metrics: 5_000 }

const running = serverWithMemoryLimit(LIMIT_MIB)

function post(text: string, start: bigint): Promise<Response> {
  return fetch(`http://${running.server.http}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: text, start: String(start) }) })
}

test.skipIf(!existsSync('/proc/self/status'))(
  'near its memoryLimit a server refuses new queries (503) and exports (429) with Retry-After, and loses nothing it acknowledged',
  async () => {
    const start = BigInt(Date.now() - 30 * 60_000) * 1_000_000n
    const w = generateWorkload({ spans: 60_000, logs: 60_000, minutes: 30, seed: 5, start })
    const totals = { traces: w.spans.length, logs: w.logs.length, metrics: w.points.length }
    const bodies = protobufBodies(otlpJson(w))
    const acknowledged = { traces: 0, logs: 0, metrics: 0 }
    let refusedExport: { body: string; retryAfter: string | null } | undefined
    let refusedQuery: { body: { error: { code: string; message: string } }; retryAfter: string | null } | undefined
    let sending = true

    // Each sender goes round the workload until told to stop; a 429 is retried as the SDKs do.
    const send = async (signal: keyof typeof bodies, first: number): Promise<void> => {
      const list = bodies[signal]
      for (let i = first; sending; i += SENDERS) {
        const k = i % list.length
        for (;;) {
          const res = await fetch(`http://${running.server.otlpHttp}/v1/${signal}`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: list[k] })
          const text = await res.text()
          if (res.status === 200) {
            acknowledged[signal] += Math.min(PER_REQUEST[signal], totals[signal] - k * PER_REQUEST[signal])
            break
          }
          expect(res.status, text).toBe(429)
          if (/memoryLimit/.test(text)) refusedExport ??= { body: text, retryAfter: res.headers.get('retry-after') }
          if (!sending) return
        }
      }
    }
    // Bursts of panel queries, as dashboards refresh them: more than may wait while queries run one at a time.
    const panels = ['spans | stats count(), p95(duration) by resource.service.name, bin(time, 1m)', 'logs | where severity >= 17 | sort time desc | limit 50', 'metrics | stats count() by metric.name', 'spans | stats count() by name', 'logs | stats count() by severity']
    const dashboard = async (): Promise<void> => {
      while (sending) {
        await Promise.all(
          Array.from({ length: QUERY_PRESSURE_QUEUE + 8 }, (_, i) => panels[i % panels.length]).map(async (text) => {
            const res = await post(text, start)
            const body = (await res.json()) as { error: { code: string; message: string } }
            if (res.status === 503) refusedQuery ??= { body, retryAfter: res.headers.get('retry-after') }
            // One at a time, a query that waited past its time limit ends as any slow query does (504).
            else if (res.status !== 504) expect(res.status, JSON.stringify(body)).toBe(200)
          }),
        )
      }
    }
    const senders = (['traces', 'logs', 'metrics'] as const).flatMap((signal) => Array.from({ length: SENDERS }, (_, k) => send(signal, k)))
    const queries = dashboard()
    try {
      await waitFor('the server to refuse an export and a query for memory', () => refusedExport !== undefined && refusedQuery !== undefined, 240_000)
    } finally {
      sending = false
      await Promise.all([...senders, queries])
    }

    expect(refusedExport!.retryAfter).toMatch(/^\d+$/)
    expect(refusedExport!.body).toMatch(new RegExp(`cannot accept the request now: the server's memory \\(\\d+MiB resident, \\d+MiB held by its threads\\) is near its limit \\(memoryLimit ${LIMIT_MIB}MiB\\); retry later`))
    expect(refusedQuery!.retryAfter).toMatch(/^\d+$/)
    expect(refusedQuery!.body.error.code).toBe('OVERLOADED')
    expect(refusedQuery!.body.error.message).toMatch(new RegExp(`^cannot run the query now: the server's memory \\(\\d+MiB resident, \\d+MiB held by its threads\\) is near its limit \\(memoryLimit ${LIMIT_MIB}MiB\\), so queries run one at a time and ${QUERY_PRESSURE_QUEUE} wait already; retry later$`))

    // A query alone runs even under pressure: every acknowledged record is there.
    const count = async (signal: string): Promise<number> => {
      const res = await post(`${signal} | stats count()`, start - 3_600_000_000_000n)
      const body = (await res.json()) as { rows: number[][] }
      expect(res.status, JSON.stringify(body)).toBe(200)
      return body.rows[0][0]
    }
    expect(await count('spans')).toBe(acknowledged.traces)
    expect(await count('logs')).toBe(acknowledged.logs)
    expect(await count('metrics')).toBe(acknowledged.metrics)
  },
  300_000,
)
