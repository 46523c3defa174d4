/**
 * Differential test: the same questions asked of BlazeDB (in its language, over HTTP, of data
 * sent over OTLP/HTTP to a real server) and of DuckDB (in SQL, of the generator's flat records)
 * must get equal answers: the paired corpus (test/differential/*.pairs) and seeded random
 * queries (test/differential/random-query.ts), first on recent data (the server's in-memory
 * head), then after a restart and a vacuum (compacted parts on disk).
 *
 * BLAZEDB_DIFF_RANDOM sets how many random queries run per phase (default 150; try 5000
 * locally), BLAZEDB_DIFF_SEED their seed.
 */
import type { DuckDBConnection } from '@duckdb/node-api'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Config } from '../cli/config.ts'
import { formatTime } from '../query/lexer.ts'
import { startServer, type RunningServer } from '../cli/serve.ts'
import { generateWorkload, otlpJson, type Workload } from '../workload/index.ts'
import { difference, type Answer } from './differential/compare.ts'
import { loadDuckDB } from './differential/duckdb-load.ts'
import { loadPairs, type Pair } from './differential/pairs.ts'
import { localConfig } from './support/server-config.ts'
import { randomCases, shrink, type RandomCase } from './differential/random-query.ts'

const RANDOM = Number(process.env.BLAZEDB_DIFF_RANDOM ?? 150)
const SEED = Number(process.env.BLAZEDB_DIFF_SEED ?? 1)
const HOUR = 3_600_000_000_000n
/** A recent window (retention keeps it), whole hours so that buckets line up the same everywhere. */
const START = (BigInt(Date.now()) * 1_000_000n / HOUR - 2n) * HOUR

const workload: Workload = generateWorkload({ spans: 3_000, logs: 3_000, minutes: 10, start: START })
const pairs = loadPairs(workload.facts, formatTime)
const randomCase = randomCases(workload)
let duck: DuckDBConnection
let server: RunningServer
let root: string
let config: Config

async function blaze(query: string): Promise<Answer> {
  const res = await fetch(`http://${server.addresses.http}/api/v1/query`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ query, start: workload.facts.start.toString(), end: workload.facts.end.toString() }),
  })
  const body = (await res.json()) as Answer & { error?: { message: string } }
  if (res.status !== 200) throw new Error(`BlazeDB ${res.status}: ${body.error?.message}`)
  return body
}

async function sql(text: string): Promise<Answer> {
  const r = await duck.runAndReadAll(text)
  return { columns: r.columnNames().map((name) => ({ name, type: '' })), rows: r.getRowsJS() }
}

/** Why the pair's answers differ, or undefined. */
async function check(query: string, sqlText: string, ordered: boolean): Promise<string | undefined> {
  try {
    return difference(await blaze(query), await sql(sqlText), ordered)
  } catch (error) {
    return (error as Error).message
  }
}

async function send(): Promise<void> {
  const requests = otlpJson(workload)
  for (const signal of ['traces', 'logs', 'metrics'] as const) {
    for (const body of requests[signal]) {
      const res = await fetch(`http://${server.addresses.otlpHttp}/v1/${signal}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
      expect(res.status, await res.text()).toBe(200)
    }
  }
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'blazedb-differential-'))
  config = localConfig(join(root, 'data'), 'differential test')
  ;[duck, server] = await Promise.all([loadDuckDB(workload), startServer(config, { log: () => {} })])
  await send()
})

afterAll(async () => {
  await server?.close()
  duck?.closeSync()
  rmSync(root, { recursive: true, force: true })
})

async function runCorpus(): Promise<void> {
  const failures: string[] = []
  for (const p of pairs) {
    const why = await check(p.query, p.sql, p.ordered)
    if (why !== undefined) failures.push(`${p.where}: ${p.query}\n  SQL: ${p.sql}\n  ${why}`)
  }
  expect(failures, `${failures.length} of ${pairs.length} pairs differ`).toEqual([])
}

async function runRandom(seed: number): Promise<void> {
  for (let i = 0; i < RANDOM; i++) {
    const c: RandomCase = randomCase(seed * 1_000_003 + i)
    const why = await check(c.query, c.sql, c.ordered)
    if (why === undefined) continue
    const small = await shrink(c, async (x) => (await check(x.query, x.sql, x.ordered)) !== undefined)
    expect.fail(`random query ${i} (seed ${seed}) differs; shrunk to\n  ${small.query}\n  SQL: ${small.sql}\n  ${await check(small.query, small.sql, small.ordered)}\noriginal: ${c.query}\n  ${why}`)
  }
}

describe('BlazeDB and DuckDB give equal answers', () => {
  it(`the corpus (${pairs.length} pairs) on recent data`, async () => {
    expect(pairs.length).toBeGreaterThanOrEqual(300)
    await runCorpus()
  })

  it(`${RANDOM} random queries on recent data`, async () => runRandom(SEED))

  it('the corpus and random queries again after a restart and a vacuum (compacted parts on disk)', async () => {
    await server.close()
    server = await startServer(config, { log: () => {} })
    const vacuum = await fetch(`http://${server.addresses.http}/api/v1/admin/vacuum`, { method: 'POST' })
    expect(vacuum.status).toBe(200)
    expect(((await vacuum.json()) as { partsAfter: number }).partsAfter).toBeGreaterThan(0)
    await runCorpus()
    await runRandom(SEED + 1)
  })
})
