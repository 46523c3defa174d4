/**
 * The server's query threads end to end: startServer answers POST /api/v1/query from its
 * threads (data in parts and in the head) with the in-process answer, and stops cleanly with
 * queries in flight: close resolves, every request settles, the data directory opens again.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { startServer } from '../cli/serve.ts'
import { runQuery } from '../query/index.ts'
import { openEngine, type Engine } from '../storage/index.ts'
import { localConfig } from './support/server-config.ts'
import { makeSpans, MINUTE, T0 } from './support/telemetry.ts'
import { waitFor } from './support/wait-for.ts'

test('the server answers from query threads and stops cleanly with queries in flight', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-query-threads-'))
  const password = 'query threads test'
  const config = localConfig(join(dir, 'data'), password, { retention: { spans: '0', logs: '0', metrics: '0' } })
  const server = await startServer(config, { log: () => {} })
  let closed = false
  try {
    for (let i = 0; i < 10; i++) {
      await server.store.append('default', makeSpans(20_000, { start: T0 + BigInt(i) * 5n * MINUTE, step: 10_000_000n, firstSeq: i * 20_000, firstTrace: i * 5_000, seed: i + 1 }))
      if (i === 7) await (server.store as Engine).flush()
    }
    expect(server.queries.status().threads).toBeGreaterThan(0)
    const post = (query: string) =>
      fetch(`http://${server.addresses.http}/api/v1/query`, { method: 'POST', body: JSON.stringify({ query }), headers: { 'content-type': 'application/json' } })
    const text = 'spans | stats count(), max(duration) by service.name, name | sort service.name, name'
    const res = await post(text)
    expect(res.status).toBe(200)
    const got = (await res.json()) as { rows: unknown[][] }
    expect(got.rows).toEqual((await runQuery(text, { store: server.store })).rows)

    const heavy = 'spans | stats count() by span_id | sort count desc | limit 5'
    const inflight = Array.from({ length: 4 }, () => post(heavy).then((r) => r.status, (error: Error) => error.name))
    await waitFor('a query runs on a thread', () => server.queries.status().running > 0, 30_000, 1)
    await server.close()
    closed = true
    expect(server.queries.status()).toMatchObject({ running: 0, queued: 0 })
    // Each request was answered or had its connection closed; none is left hanging.
    for (const outcome of await Promise.all(inflight)) expect([200, 499, 'TypeError']).toContain(outcome)
    const reopened = await openEngine({ dataDir: config.dataDir, password, background: false })
    expect(reopened.stats('default', 'spans').rows).toBe(200_000)
    await reopened.close()
  } finally {
    if (!closed) await server.close()
    rmSync(dir, { recursive: true, force: true })
  }
})
