import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BatchBuilder, openEngine, SPAN_COLUMNS, type Batch, type Engine } from '../storage/index.ts'
import { seededRandom } from '../test/support/random-batch.ts'
import { runQuery } from './engine.ts'
import { PartialCache } from './stats-cache.ts'

const T0 = 1793491200000000000n
const SECOND = 1_000_000_000n
const SERVICES = ['checkout', 'payment', 'search', 'auth']
const NAMES = ['GET /a', 'GET /b', 'POST /c', 'db.query', 'cache.get']
const ROUTES = ['/a', '/b', '/c']

/** Spans of random services, names, routes, statuses and durations, started within [from, to). */
function spans(rand: () => number, rows: number, from: bigint, to: bigint): Batch {
  const b = new BatchBuilder('spans')
  const width = Number(to - from)
  const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256))
  for (let row = 0; row < rows; row++) {
    const start = from + BigInt(Math.floor(rand() * width))
    b.setBytes(SPAN_COLUMNS.traceId, row, 16, bytes(16))
    b.setBytes(SPAN_COLUMNS.spanId, row, 8, bytes(8))
    b.setBytes(SPAN_COLUMNS.parentSpanId, row, 8, rand() < 0.3 ? new Uint8Array(8) : bytes(8))
    b.setStr(SPAN_COLUMNS.name, row, NAMES[Math.floor(rand() * NAMES.length)])
    b.setU32(SPAN_COLUMNS.kind, row, 2)
    b.setI64(SPAN_COLUMNS.startTimeUnixNano, row, start)
    b.setI64(SPAN_COLUMNS.endTimeUnixNano, row, start + BigInt(Math.floor(rand() * rand() * 50_000_000)))
    b.setU32(SPAN_COLUMNS.statusCode, row, rand() < 0.1 ? 2 : rand() < 0.5 ? 1 : 0)
    b.setStr(SPAN_COLUMNS.statusMessage, row, '')
    if (rand() < 0.95) b.setAttribute('r:service.name', row, SERVICES[Math.floor(rand() * SERVICES.length)])
    if (rand() < 0.7) b.setAttribute('a:http.route', row, ROUTES[Math.floor(rand() * ROUTES.length)])
    if (rand() < 0.6) b.setAttribute('a:http.response.status_code', row, BigInt(rand() < 0.1 ? 500 : 200))
  }
  return b.finish(rows)
}

// Every prefix here merges exactly: the cache must give the plain answer, row order included.
const CACHED = [
  'spans | stats count() as n',
  'spans | stats count(), countif(status = "error") as errors by resource.service.name',
  'spans | where status = "error" | stats count() by bin(time, 1s)',
  'spans | stats rate() as rps by bin(time, 5s), resource.service.name',
  'spans | where duration > 5ms | stats count() by name, attr.http.response.status_code',
  'spans | where resource.service.name = "payment" | stats count(), rate() by attr.http.route',
  'spans | stats countif(duration > 10ms) as slow by bin(time, 3s) | sort slow desc, time',
  'spans | where not exists(parent_span_id) | where name != "db.query" | stats count() by resource.service.name, bin(time, 7s)',
  'spans | stats rate() as rps, countif(attr.http.route = "/a") as a',
  'spans | stats count() as requests, rate() as per_second, countif(status = "error") as errors by resource.service.name as service | extend errors / requests * 100 as error_pct | sort service',
  'spans | where not exists(parent_span_id) | sort duration desc | limit 20 | select time, trace_id, resource.service.name, name, duration, status',
  'spans | where status = "error" | sort time desc | limit 50 | select time, name, resource.service.name',
  'spans | where duration > 1ms | sort name desc | limit 7',
  // One prefix and the same columns read, but rows carrying different columns past the sort.
  'spans | where duration > 1ms | sort name desc | limit 7 | select name',
  'spans | where duration > 1ms | sort name desc | limit 7 | select name, duration',
  'spans | where attr.http.route = "/b" | sort resource.service.name, duration | limit 300 | stats count() by resource.service.name',
]
// Not mergeable (or depending on the moment): these run as always and keep nothing.
const PLAIN = ['spans | stats p95(duration) by resource.service.name', 'spans | stats sum(duration) by name', 'spans | where time > now() - 1h | stats count()', 'spans | stats count() by name | where count > 1 | stats count()']

describe('partial aggregates of blocks (stats-cache.ts)', () => {
  let dir: string
  let engine: Engine
  const rand = seededRandom(Number(process.env.BLAZEDB_PARTIALS_SEED ?? 15))
  let end = T0

  /** Parts of ten seconds each (two of two blocks), then head rows not flushed. */
  async function load(parts: number, head: number): Promise<void> {
    for (let p = 0; p < parts; p++) {
      const rows = p % 5 === 2 ? 70_000 : 300 + Math.floor(rand() * 3_000)
      await engine.append('default', spans(rand, rows, end, end + 10n * SECOND))
      end += 10n * SECOND
      await engine.flush()
    }
    // Late rows for times parts hold already: a part that overlaps the others.
    await engine.append('default', spans(rand, 500, T0, end))
    await engine.flush()
    await engine.append('default', spans(rand, head, end, end + 10n * SECOND))
    end += 10n * SECOND
  }

  /** Ranges that cut blocks, cover all, or none, and the unbounded one. */
  function ranges(): { start?: bigint; end?: bigint }[] {
    const at = (): bigint => T0 - 5n * SECOND + BigInt(Math.floor(rand() * Number(end - T0 + 10n * SECOND)))
    const out: { start?: bigint; end?: bigint }[] = [{}, { start: T0, end }, { start: T0 - 60n * SECOND, end: end + 60n * SECOND }]
    for (let i = 0; i < 3; i++) {
      const [a, b] = [at(), at()].sort((x, y) => (x < y ? -1 : 1))
      if (a < b) out.push({ start: a, end: b })
    }
    out.push({ start: end - 25n * SECOND, end: end - 10n * SECOND + 3n })
    return out
  }

  /** The answer's columns and rows, or its error's code. */
  async function answer(query: string, range: { start?: bigint; end?: bigint }, partials?: PartialCache): Promise<unknown> {
    try {
      const { columns, rows } = await runQuery(query, { store: engine, ...range, now: end, partials })
      return { columns, rows }
    } catch (error) {
      return { error: (error as { code?: string }).code }
    }
  }

  async function compare(queries: readonly string[], partials: PartialCache): Promise<void> {
    for (const range of ranges()) {
      for (const query of queries) {
        const plain = await answer(query, range)
        // Twice: the first run keeps the blocks' partials, the second merges them.
        for (let run = 0; run < 2; run++) expect({ query, range, run, answer: await answer(query, range, partials) }).toEqual({ query, range, run, answer: plain })
      }
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'blazedb-partials-'))
    engine = await openEngine({ dataDir: dir, password: 'test', background: false, partWriterThread: false })
    await load(8, 2_000)
  }, 120_000)

  afterAll(async () => {
    await engine?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('answers as the plain scan, before and after new data, after compaction, and with a cache too small to hold much', async () => {
    const partials = new PartialCache(64 << 20)
    await compare(CACHED, partials)
    expect(partials.hits).toBeGreaterThan(100)
    expect(partials.misses).toBeGreaterThan(0)

    // New parts, late rows and new head rows: kept partials of the old blocks still hold.
    await load(3, 1_500)
    const hits = partials.hits
    await compare(CACHED, partials)
    expect(partials.hits).toBeGreaterThan(hits)

    // Compaction rewrites blocks into new parts: their partials are made anew.
    await engine.compact()
    const misses = partials.misses
    await compare(CACHED, partials)
    expect(partials.misses).toBeGreaterThan(misses)

    const tiny = new PartialCache(4_000)
    await compare(CACHED.slice(1, 4), tiny)
    expect(tiny.bytes).toBeLessThanOrEqual(4_000)
  }, 300_000)

  it('skips the blocks it holds, and leaves queries whose aggregates do not merge alone', async () => {
    const partials = new PartialCache(64 << 20)
    const query = 'spans | where status = "error" | stats count() by resource.service.name'
    const range = { start: T0 - 60n * SECOND, end: end + 60n * SECOND }
    const first = await runQuery(query, { store: engine, ...range, partials })
    const again = await runQuery(query, { store: engine, ...range, partials })
    expect(again.rows).toEqual(first.rows)
    expect(again.stats.rowsScanned).toBeLessThan(first.stats.rowsScanned / 2)
    expect(again.stats.blocksSkipped).toBeGreaterThan(first.stats.blocksSkipped)

    for (const q of PLAIN) {
      const plain = await runQuery(q, { store: engine, ...range, now: end })
      const cached = await runQuery(q, { store: engine, ...range, now: end, partials })
      expect(cached.rows).toEqual(plain.rows)
    }
    const size = partials.size
    for (const q of PLAIN) await runQuery(q, { store: engine, ...range, now: end, partials })
    expect(partials.size).toBe(size)
  }, 120_000)
})
