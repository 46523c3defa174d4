import { describe, expect, it } from 'vitest'
import { SnapshotScanner } from '../storage/index.ts'
import { runQuery } from './engine.ts'
import { SnapshotStore } from './snapshot-store.ts'
import { warmupRuns } from './thread-warmup.ts'

describe('query thread warm-up', () => {
  it('answers every warm-up query with rows, over its snapshots as a thread reads them', async () => {
    const scanner = new SnapshotScanner(1024 * 1024)
    const answered = new Map<string, number>()
    for await (const run of warmupRuns(2)) {
      const result = await runQuery(run.query, { ...run.options, store: new SnapshotStore(scanner, new Map(run.snapshots)) })
      answered.set(run.query as string, result.rows.length)
    }
    expect(answered.size).toBe(12)
    // Each query has something to work on: a warm-up over nothing would skip the paths it warms.
    for (const [query, rows] of answered) expect(rows, query).toBeGreaterThan(0)
  })
})
