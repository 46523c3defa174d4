/**
 * The bound on all running queries' memory on the real server (query/query-memory.ts): with
 * `queriesMaxMemory` at 32 MiB (one query's own budget 256 MiB) and two query threads, sorts that hold about 19 MiB each run
 * together only by waiting for one another (paced at their next pace, or queued) and all
 * answer, a query that needs more than the bound alone fails with 422 MEMORY_LIMIT, exports
 * sent meanwhile are all acknowledged and stored, and /metrics reports the bound, the queries
 * paced or queued, and the query threads' partial-aggregate cache.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { parseExposition, type ScrapedSample } from '../collectors/index.ts'
import { generateWorkload, otlpJson } from '../workload/index.ts'
import { protobufBodies } from './support/memory-limit-server.ts'
import { startServerProcess, type ServerProcess } from './support/server-process.ts'
import { waitFor } from './support/wait-for.ts'

const MiB = 2 ** 20
/** Spans loaded first: a sort of all of them holds about 19 MiB by the budget's estimate, a join of them with themselves sorted about 85 MiB. */
const SPANS = 40_000
const BOUND_MIB = 32
/** Each holds more than half the bound: two cannot hold their all at once. */
const SORT = 'spans | sort name, span_id'
const TOO_BIG = 'spans | join spans as s on trace_id, span_id | sort name, span_id'

const root = mkdtempSync(join(tmpdir(), 'blazedb-query-memory-'))
let server: ServerProcess
const start = BigInt(Date.now() - 30 * 60_000) * 1_000_000n

beforeAll(async () => {
  const config = join(root, 'config.json')
  // One query's own budget is larger: the bound on them all is what stops it.
  writeFileSync(config, JSON.stringify({ queriesMaxMemory: `${BOUND_MIB}MiB`, queryMaxMemory: '256MiB', queryThreads: 2 }))
  server = await startServerProcess(join(root, 'data'), {}, ['--config', config])
}, 60_000)

afterAll(async () => {
  await server?.stop()
  rmSync(root, { recursive: true, force: true })
})

async function post(signal: string, body: Uint8Array): Promise<number> {
  const res = await fetch(`http://${server.otlpHttp}/v1/${signal}`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body })
  await res.arrayBuffer()
  return res.status
}

async function query(text: string): Promise<{ status: number; body: { rows?: unknown[][]; error?: { code: string; message: string } } }> {
  const res = await fetch(`http://${server.http}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: text, start: String(start - 3_600_000_000_000n) }) })
  return { status: res.status, body: (await res.json()) as { rows?: unknown[][]; error?: { code: string; message: string } } }
}

async function metrics(): Promise<(name: string) => number | undefined> {
  const samples: ScrapedSample[] = parseExposition(await (await fetch(`http://${server.http}/metrics`)).text(), 'text').samples
  return (name) => samples.find((s) => s.name === name)?.value
}

test(
  'queries that together pass the bound wait for one another and all answer, one that cannot fit alone gets 422, and exports are acknowledged meanwhile',
  async () => {
    const spans = generateWorkload({ spans: SPANS, logs: 0, minutes: 30, seed: 7, start })
    const loaded = protobufBodies(otlpJson(spans))
    for (const body of loaded.traces) expect(await post('traces', body)).toBe(200)
    // Into part files: their blocks are what the partial-aggregate cache keeps (next test).
    expect((await fetch(`http://${server.http}/api/v1/admin/vacuum`, { method: 'POST' })).status).toBe(200)
    expect((await query('spans | stats count()')).body.rows).toEqual([[spans.spans.length]])

    // Log records sent while the queries run: every one acknowledged (200) and stored.
    const logs = generateWorkload({ spans: 0, logs: 20_000, minutes: 30, seed: 8, start })
    const live = protobufBodies(otlpJson(logs))
    const exports = (async () => {
      const statuses: number[] = []
      for (const body of live.logs) statuses.push(await post('logs', body))
      return statuses
    })()
    const sorts = Promise.all(Array.from({ length: 6 }, () => query(SORT)))
    const big = await query(TOO_BIG)
    const answers = await sorts
    const statuses = await exports

    expect(big.status).toBe(422)
    expect(big.body.error?.code).toBe('MEMORY_LIMIT')
    expect(big.body.error?.message).toMatch(new RegExp(`over the ${BOUND_MIB}\\.0 MiB all running queries share \\(a share of memoryLimit\\), so it cannot run even alone`))
    for (const a of answers) {
      expect(a.status, JSON.stringify(a.body.error)).toBe(200)
      expect(a.body.rows).toEqual(answers[0].body.rows)
    }
    expect(answers[0].body.rows).toHaveLength(1000)
    expect(statuses.every((s) => s === 200), `export answers: ${statuses.join(',')}`).toBe(true)
    expect((await query('logs | stats count()')).body.rows).toEqual([[logs.logs.length]])

    const m = await metrics()
    expect(m('blazedb_queries_memory_limit_bytes')).toBe(BOUND_MIB * MiB)
    // Nothing runs now: nothing is held.
    expect(m('blazedb_queries_memory_bytes')).toBe(0)
    // Six sorts of 19 MiB on two threads under 32 MiB: some waited at a pace, or in the queue.
    expect(m('blazedb_queries_paced_total')! + m('blazedb_queries_deferred_total')!).toBeGreaterThan(0)
  },
  240_000,
)

test("the query threads' partial-aggregate cache is in /metrics like the block cache, its hits counted when a count is asked again", async () => {
  const count = 'spans | stats count() by service.name | sort service.name'
  const first = await query(count)
  expect(first.status).toBe(200)
  // The same text runs on the thread that ran it last (the pool's affinity): its blocks' counts are kept there.
  expect((await query(count)).body.rows).toEqual(first.body.rows)
  // Threads report their figures every few seconds: wait for the report that counts the second run.
  const m = await waitFor('a report of partial-aggregate hits', async () => {
    const read = await metrics()
    return (read('blazedb_query_partial_cache_hits_total') ?? 0) > 0 && read
  })
  expect(m('blazedb_query_partial_cache_misses_total')).toBeGreaterThan(0)
  expect(m('blazedb_query_partial_cache_bytes')).toBeGreaterThan(0)
  // Each of the two threads: a sixteenth of the block cache's 256 MiB.
  expect(m('blazedb_query_partial_cache_budget_bytes')).toBe(2 * 16 * MiB)
})
