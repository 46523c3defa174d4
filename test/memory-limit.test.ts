/**
 * `memoryLimit` is a ceiling a real server keeps: `blazedb serve` with a low limit takes spans,
 * log records and metric points from several senders at once while a dashboard client queries,
 * and its peak resident memory (VmHWM, Linux) stays under the limit; every record is stored.
 */
import { existsSync, readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { generateWorkload, otlpJson } from '../workload/index.ts'
import { protobufBodies, serverWithMemoryLimit } from './support/memory-limit-server.ts'

/** Half the default: the threads of a server under load take about 350 MiB whatever the limit. */
const LIMIT_MIB = 512
/** Times the workload is sent, and senders per signal. */
const ROUNDS = 2
const SENDERS = 3

const running = serverWithMemoryLimit(LIMIT_MIB)

const peakRssMiB = (): number => Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${running.server.child.pid}/status`, 'utf8'))?.[1]) / 1024

async function query(text: string): Promise<unknown[][]> {
  for (;;) {
    const res = await fetch(`http://${running.server.http}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: text, start: String(BigInt(Date.now() - 2 * 3_600_000) * 1_000_000n) }) })
    const body = (await res.json()) as { rows: unknown[][] }
    // Near the limit the server runs one query at a time and refuses others (503): clients retry.
    if (res.status === 503) continue
    expect(res.status, JSON.stringify(body)).toBe(200)
    return body.rows
  }
}

test.skipIf(!existsSync('/proc/self/status'))(
  'a server with a low memoryLimit stays under it while it takes every signal and answers queries',
  async () => {
    const start = BigInt(Date.now() - 30 * 60_000) * 1_000_000n
    const w = generateWorkload({ spans: 40_000, logs: 40_000, minutes: 30, seed: 11, start })
    const bodies = protobufBodies(otlpJson(w))
    let sending = true
    const send = async (signal: keyof typeof bodies, first: number): Promise<void> => {
      const list = bodies[signal]
      for (let i = first; i < list.length * ROUNDS; i += SENDERS) {
        // Overloaded (429) is an answer a sender retries, as the SDKs do.
        for (;;) {
          const res = await fetch(`http://${running.server.otlpHttp}/v1/${signal}`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: list[i % list.length] })
          await res.arrayBuffer()
          if (res.status === 200) break
          expect(res.status).toBe(429)
        }
      }
    }
    const dashboard = async (): Promise<number> => {
      let answered = 0
      while (sending) {
        await Promise.all(
          [
            'spans | stats count(), p95(duration) by resource.service.name, bin(time, 1m)',
            'logs | where severity >= 17 | sort time desc | limit 50',
            'metrics | where metric.name = "http.server.request.count" | stats rate(value) by http.route, bin(time, 1m)',
          ].map(async (text) => (await query(text), answered++)),
        )
      }
      return answered
    }
    // The sizes the limit gives, as the server reports them at start.
    expect(running.server.lines).toContain(`blazedb: memory limit ${LIMIT_MIB}MiB: head flushed at 16MiB, 32MiB of requests in flight, block caches 32MiB + 128MiB for query threads, queries 192MiB each, 192MiB together`)
    const queries = dashboard()
    await Promise.all((['traces', 'logs', 'metrics'] as const).flatMap((signal) => Array.from({ length: SENDERS }, (_, k) => send(signal, k))))
    sending = false
    expect(await queries).toBeGreaterThan(0)
    const peak = peakRssMiB()
    expect(peak, `peak RSS ${peak.toFixed(0)} MiB`).toBeLessThan(LIMIT_MIB)
    expect((await query('spans | stats count()'))[0][0]).toBe(ROUNDS * w.spans.length)
    expect((await query('logs | stats count()'))[0][0]).toBe(ROUNDS * w.logs.length)
    expect((await query('metrics | stats count()'))[0][0]).toBe(ROUNDS * w.points.length)
  },
  300_000,
)
