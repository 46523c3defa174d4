/**
 * A query's scan holds one decoded block at a time, and counts it against the query's memory
 * budget: over part files of many blocks, what the scan reports holding never passes one
 * block's chunks and drops to nothing between blocks, and a budget smaller than one block's
 * chunks fails the query with MEMORY_LIMIT (in process and on a query thread) rather than
 * letting it decode past its budget.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { seededRandom } from '../test/support/random-batch.ts'
import { T0 } from '../test/support/telemetry.ts'
import { BatchBuilder } from '../storage/batch-builder.ts'
import { BLOCK_ROWS } from '../storage/limits.ts'
import { openEngine, SPAN_COLUMNS, type Batch, type Engine } from '../storage/index.ts'
import { runQuery } from './engine.ts'
import { QueryError } from './errors.ts'
import type { QueryStore } from './executor.ts'
import { createQueryService } from './query-service.ts'

const ROWS = 4 * BLOCK_ROWS + 1000
const QUERY = 'spans | stats count() as n, max(duration) as slowest by name | sort name'
let dir: string
let engine: Engine

function spans(rows: number): Batch {
  const rand = seededRandom(15)
  const b = new BatchBuilder('spans')
  for (let row = 0; row < rows; row++) {
    const start = T0 + BigInt(row) * 1_000_000n
    b.setI64(SPAN_COLUMNS.startTimeUnixNano, row, start)
    b.setI64(SPAN_COLUMNS.endTimeUnixNano, row, start + BigInt(Math.floor(rand() * 1e9)))
    b.setStr(SPAN_COLUMNS.name, row, `op-${Math.floor(rand() * 40)}`)
    b.setStr('r:service.name', row, `svc-${row % 5}`)
  }
  return b.finish(rows)
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'blazedb-scan-memory-'))
  // No block cache: every scan decodes its blocks (cached chunks are the cache's, not the query's).
  engine = await openEngine({ dataDir: dir, password: 'scan-memory', background: false, blockCacheBytes: 0 })
  await engine.append('default', spans(ROWS))
  await engine.flush()
})

afterAll(async () => {
  await engine?.close()
  rmSync(dir, { recursive: true, force: true })
})

test('over many blocks, the scan holds one block of decoded chunks at a time, and lets go of each before the next', async () => {
  const held: number[] = []
  const store: QueryStore = {
    scan: (request) => engine.scan({ ...request, holding: (bytes) => (held.push(bytes), request.holding?.(bytes)) }),
    getTrace: (...args) => engine.getTrace(...args),
  }
  const { rows } = await runQuery(QUERY, { store })
  expect(rows.reduce((n, r) => n + Number(r[1]), 0)).toBe(ROWS)
  // Every block decoded is charged once and released before the next is decoded.
  const charged = held.filter((b) => b > 0)
  expect(charged.length).toBeGreaterThanOrEqual(5)
  held.forEach((bytes, i) => expect(bytes === 0 ? i % 2 : (i + 1) % 2).toBe(1))
  // One block's chunks: its rows times the bytes a row of the columns read takes, far from the scan's total.
  const block = Math.max(...charged)
  expect(block).toBeLessThan(BLOCK_ROWS * 64)
  expect(charged.reduce((n, b) => n + b, 0)).toBeGreaterThan(4 * block)
})

test('a budget smaller than a block of decoded chunks fails the query with MEMORY_LIMIT', async () => {
  // The query's own state (40 groups) is far under the budget; the blocks it decodes are not.
  const small = { maxMemoryBytes: 256 * 1024 }
  await expect(runQuery('spans | stats count() by name', { store: engine, limits: { maxMemoryBytes: 64 * 1024 * 1024 } })).resolves.toBeDefined()
  const failure = await runQuery(QUERY, { store: engine, limits: small }).catch((e: unknown) => e)
  expect(failure).toBeInstanceOf(QueryError)
  expect((failure as QueryError).code).toBe('MEMORY_LIMIT')
  expect((failure as QueryError).message).toMatch(/decoding a block needs about [\d.]+ MiB, over the limit of 0\.3 MiB/)
  // On a query thread, through the scan snapshot and the thread's scanner, the same.
  const service = createQueryService({ store: engine, threads: 1, cacheBytes: 0 })
  try {
    const threaded = await service.run(QUERY, { limits: small }).catch((e: unknown) => e)
    expect((threaded as QueryError).code).toBe('MEMORY_LIMIT')
    const { rows } = await service.run(QUERY)
    expect(rows.reduce((n, r) => n + Number(r[1]), 0)).toBe(ROWS)
  } finally {
    await service.close()
  }
})
