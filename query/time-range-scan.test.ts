/**
 * ScanRequest.timeForRangeOnly: blocks wholly inside the range come without the time column
 * (Scan.inRange says which), blocks the range cuts through come with it, and a query over
 * such a range answers as it does from memory.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { runQuery } from './index.ts'
import { collect, makeSpans, MINUTE, T0 } from '../test/support/telemetry.ts'
import { MemoryStore, openEngine, SPAN_COLUMNS, type Engine } from '../storage/index.ts'

describe('a scan that reads the time column only to filter by range', () => {
  let dir: string
  let engine: Engine
  const memory = new MemoryStore()
  // Three parts of 100 spans a second apart: [T0, T0+100s), [T0+100s, ...), [T0+200s, ...).
  const parts = [0, 1, 2].map((k) => makeSpans(100, { start: T0 + BigInt(k * 100) * 1_000_000_000n, step: 1_000_000_000n, firstSeq: k * 100, firstTrace: k * 100 }))

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'blazedb-time-range-'))
    engine = await openEngine({ dataDir: dir, password: 'test', background: false })
    for (const batch of parts) {
      await engine.append('default', batch)
      await memory.append('default', batch)
      await engine.flush()
    }
  })
  afterAll(async () => {
    await engine.close()
    rmSync(dir, { recursive: true, force: true })
  })

  test('blocks inside the range come without it, the others with it', async () => {
    const time = SPAN_COLUMNS.startTimeUnixNano
    // Covers the first part wholly, half of the second, none of the third.
    const request = { tenant: 'default', signal: 'spans' as const, start: T0, end: T0 + 150n * 1_000_000_000n, columns: ['name', time], timeForRangeOnly: true }
    const scan = engine.scan(request)
    const batches = await collect(scan)
    expect(batches.map((b) => [b.length, scan.inRange?.(b) === true, b.columns[time] !== undefined])).toEqual([
      [100, true, false],
      [100, false, true],
    ])
    expect(batches.every((b) => b.columns.name !== undefined)).toBe(true)
    // Without the flag every block comes with the column.
    const full = await collect(engine.scan({ ...request, timeForRangeOnly: false }))
    expect(full.every((b) => b.columns[time] !== undefined)).toBe(true)
  })

  test('a query over a range through a block answers as it does from memory', async () => {
    const query = 'spans | stats count() by name | sort name'
    for (const [start, end] of [
      [T0, T0 + 150n * 1_000_000_000n],
      [T0 + MINUTE, T0 + 5n * MINUTE],
      [T0 + 100n * 1_000_000_000n, T0 + 200n * 1_000_000_000n],
    ]) {
      const got = await runQuery(query, { store: engine, start, end })
      const want = await runQuery(query, { store: memory, start, end })
      expect(got.rows).toEqual(want.rows)
      expect(got.rows.length).toBeGreaterThan(0)
    }
  })
})
