/**
 * Operators that multiply or reorder rows check the clock and the memory budget as they
 * produce, and let the event loop run while they do: a join of 20,000 spans with every span
 * of their service ends with TIMEOUT or MEMORY_LIMIT in time, with the event loop turning meanwhile;
 * chunked production still gives every pair; the paced sort sorts.
 */
import { describe, expect, it } from 'vitest'
import { BatchBuilder, MemoryStore, type Store } from '../storage/index.ts'
import { Budget } from './budget.ts'
import { runQuery } from './engine.ts'
import { QueryError } from './errors.ts'
import { PACE_ROWS } from './limits.ts'
import { sortRowsPaced } from './sort-paced.ts'

const T = 1793491200000000000n

/** `perService` spans in each of `services` services, in batches of 4,096. */
async function spanStore(services: number, perService: number): Promise<Store> {
  const store = new MemoryStore()
  const total = services * perService
  for (let first = 0; first < total; first += 4096) {
    const b = new BatchBuilder('spans')
    const n = Math.min(4096, total - first)
    for (let row = 0; row < n; row++) {
      const i = first + row
      const id = new Uint8Array(16)
      new DataView(id.buffer).setUint32(12, i + 1)
      b.setBytes('traceId', row, 16, id)
      b.setBytes('spanId', row, 8, id.subarray(8))
      b.setStr('name', row, `op-${i % 5}`)
      b.setI64('startTimeUnixNano', row, T + BigInt(i))
      b.setI64('endTimeUnixNano', row, T + BigInt(i) + 1000n)
      b.setAttribute('r:service.name', row, `svc-${i % services}`)
    }
    await store.append('default', b.finish(n))
  }
  return store
}

/** Counts the event loop's turns until stopped: a chain of setImmediate callbacks runs once per
 * turn, so a query that holds the loop lets it count at most once, whatever the machine's load. */
function countLoopTurns(): () => number {
  let turns = 0
  let stopped = false
  const turn = () => {
    if (stopped) return
    turns++
    setImmediate(turn)
  }
  setImmediate(turn)
  return () => {
    stopped = true
    return turns
  }
}

async function failure(query: string, store: Store, limits: { timeoutMs?: number; maxMemoryBytes?: number }): Promise<{ error: QueryError; ms: number; ticks: number }> {
  const stopCounting = countLoopTurns()
  const began = performance.now()
  const error = await runQuery(query, { store, limits }).then(() => undefined, (e: unknown) => e)
  const ticks = stopCounting()
  expect(error, query).toBeInstanceOf(QueryError)
  return { error: error as QueryError, ms: performance.now() - began, ticks }
}

const JOIN = 'spans | join spans as s on service.name'

describe('multiplying joins', () => {
  it('end with TIMEOUT at the time limit, letting the event loop turn meanwhile', async () => {
    const store = await spanStore(2, 10_000)
    // A limit of seconds, not of a fraction of one: on a crowded machine building the join's
    // index alone may take half a second, after which a shorter limit would stop the query at its
    // first check, before the loop had a chance to turn.
    const { error, ms, ticks } = await failure(`${JOIN} | stats count()`, store, { timeoutMs: 2_000 })
    expect(error.code, error.message).toBe('TIMEOUT')
    // 200 million pairs would take a minute, more on a crowded machine; the limit stops them
    // within a slice or two.
    expect(ms).toBeLessThan(12_000)
    // The loop turns between slices; a query holding the loop would let it turn at most once.
    expect(ticks).toBeGreaterThan(3)
  })

  it('end with MEMORY_LIMIT when what follows keeps the pairs', async () => {
    const store = await spanStore(2, 10_000)
    const { error } = await failure(`${JOIN} | sort s.span_id`, store, { maxMemoryBytes: 64 * 1024 * 1024 })
    expect(error.code, error.message).toBe('MEMORY_LIMIT')
  })

  it('produce every pair, in chunks, for inner and left joins', async () => {
    const store = await spanStore(3, 300)
    expect(3 * 300 * 300).toBeGreaterThan(4 * PACE_ROWS)
    const count = async (q: string) => (await runQuery(q, { store })).rows
    expect(await count(`${JOIN} | stats count()`)).toEqual([[270_000]])
    expect(await count(`${JOIN} | stats count() by s.service.name | sort s.service.name`)).toEqual([['svc-0', 90_000], ['svc-1', 90_000], ['svc-2', 90_000]])
    // The right side smaller than the left (indexed) and larger (streamed) give the same pairs.
    expect(await count('spans | join (spans | where service.name = "svc-1") as s on service.name | stats count()')).toEqual([[90_000]])
    expect(await count('spans | where service.name = "svc-1" | join spans as s on service.name | stats count()')).toEqual([[90_000]])
    expect(await count('spans | join left (spans | where service.name = "svc-1") as s on service.name | stats count(), countif(exists(s.span_id)) as hits')).toEqual([[90_000 + 600, 90_000]])
    expect(await count('spans | where service.name = "svc-1" or name = "op-0" | join left (spans | where service.name = "svc-2") as s on service.name | stats count()')).toEqual([[
      // op-0 spans of svc-2 (60): 300 pairs each; svc-1 spans (300) and op-0 spans of svc-0 (60): no match, one row each.
      60 * 300 + 300 + 60,
    ]])
  })
})

describe('matches over a large batch', () => {
  it('tests the batch\'s texts between checks of the clock, with the same answers', async () => {
    const store = new MemoryStore()
    const n = 65_536
    const b = new BatchBuilder('logs')
    for (let row = 0; row < n; row++) {
      b.setI64('timeUnixNano', row, T + BigInt(row))
      b.setStr('body', row, `request ${row} from user-${row % 97} ${'x'.repeat(200)}${row % 3 === 0 ? 'Y' : 'z'} done`)
    }
    await store.append('default', b.finish(n))
    const want = Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 === 0 && [1, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19].includes(i % 97)).length
    // Case-insensitive with unbounded repetition: the slower RE2 engine, on 65,536 distinct bodies.
    const pattern = '"(?i)user-1\\\\d? x+y"'
    for (const [query, rows] of [
      [`logs | where body matches ${pattern} | stats count()`, [[want]]],
      [`logs | stats countif(body matches ${pattern})`, [[want]]],
      [`logs | extend body matches ${pattern} as hit | where hit | stats count()`, [[want]]],
    ] as const) {
      const stopCounting = countLoopTurns()
      const answer = await runQuery(query, { store }).finally(stopCounting)
      expect(answer.rows, query).toEqual(rows)
      expect(stopCounting(), query).toBeGreaterThan(3)
    }
  })
})

describe('sortRowsPaced', () => {
  it('sorts like a stable sort, over several runs and merges', async () => {
    const n = PACE_ROWS * 5 + 123
    const keys = Array.from({ length: n }, (_, i) => (i * 7919) % 1000)
    const cmp = (a: number, b: number) => keys[a] - keys[b] || a - b
    const rows = Uint32Array.from({ length: n }, (_, i) => i)
    const sorted = await sortRowsPaced(rows, cmp, new Budget(1 << 30, 60_000))
    const want = Array.from({ length: n }, (_, i) => i).sort(cmp)
    expect(Array.from(sorted)).toEqual(want)
  })

  it('stops at the time limit', async () => {
    const n = PACE_ROWS * 64
    const budget = new Budget(1 << 30, 0)
    await expect(sortRowsPaced(Uint32Array.from({ length: n }, (_, i) => n - i), (a, b) => a - b, budget)).rejects.toMatchObject({ code: 'TIMEOUT' })
  })
})
