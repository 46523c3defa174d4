/**
 * The bound on all running queries' memory (query-memory.ts) as the query threads' budgets
 * use it: each thread's slot over one set of shared words (two slots here stand for two
 * threads), a query that alone passes the bound failing with MEMORY_LIMIT, a younger query held
 * at its pace until the older one lets go, the memory guard's hold, and the pool clearing the
 * slot of a thread that exited.
 */
import { expect, test } from 'vitest'
import { Budget } from './budget.ts'
import { QueryError } from './errors.ts'
import { QueryMemory, QueryMemorySlot, queryMemoryWords } from './query-memory.ts'

const MiB = 2 ** 20

/** The pool's view and two threads' slots over one bound of `mib` MiB. */
function threads(mib: number): { pool: QueryMemory; a: QueryMemorySlot; b: QueryMemorySlot } {
  const words = queryMemoryWords(2)
  return { pool: new QueryMemory(words, mib * MiB), a: new QueryMemorySlot(words, mib * MiB, 0), b: new QueryMemorySlot(words, mib * MiB, 1) }
}

test('the slots add up to what all running queries hold, and a query that ends holds nothing', () => {
  const { pool, a, b } = threads(100)
  a.begin(1)
  b.begin(2)
  new Budget(512 * MiB, 30_000, undefined, a).set({}, 30 * MiB, 'sort')
  const budget = new Budget(512 * MiB, 30_000, undefined, b)
  const owner = {}
  budget.set(owner, 50 * MiB, 'stats')
  expect(pool.bytes).toBe(80 * MiB)
  budget.set(owner, 20 * MiB, 'stats')
  expect(pool.bytes).toBe(50 * MiB)
  a.end()
  expect(pool.bytes).toBe(20 * MiB)
  // A thread that exited mid-query: the pool forgets what it held.
  pool.clear(1)
  expect(pool.bytes).toBe(0)
})

test('a query that alone needs more than all running queries may hold fails with MEMORY_LIMIT naming the shared bound', () => {
  const { a } = threads(100)
  a.begin(1)
  const budget = new Budget(512 * MiB, 30_000, undefined, a)
  let error: unknown
  try {
    budget.set({}, 101 * MiB, 'stats')
  } catch (e) {
    error = e
  }
  expect(error).toBeInstanceOf(QueryError)
  expect((error as QueryError).code).toBe('MEMORY_LIMIT')
  expect((error as QueryError).message).toBe('cannot run query: stats needs about 101.0 MiB, over the 100.0 MiB all running queries share (a share of memoryLimit), so it cannot run even alone; narrow the time range, filter first, or lower the number of groups')
  // Its own budget, when lower, speaks first.
  expect(() => new Budget(64 * MiB, 30_000, undefined, a).set({}, 80 * MiB, 'sort')).toThrow(/over the limit of 64.0 MiB/)
})

test('past the bound, the younger query waits at its pace until the older one lets go; the older never waits', async () => {
  const { pool, a, b } = threads(100)
  a.begin(1)
  b.begin(2)
  const older = new Budget(512 * MiB, 30_000, undefined, a)
  const younger = new Budget(512 * MiB, 30_000, undefined, b)
  older.set({}, 70 * MiB, 'sort')
  younger.set({}, 40 * MiB, 'stats')
  expect([a.mustWait(), b.mustWait()]).toEqual([false, true])
  await older.pace()
  let released = false
  const paced = younger.pace().then(() => released)
  released = true
  a.end()
  expect(await paced).toBe(true)
  expect(b.mustWait()).toBe(false)
  expect(pool.paced).toBe(1)
})

test("while the memory guard holds queries, all but the oldest wait, whatever they hold; a held query's deadline still holds", async () => {
  const { pool, a, b } = threads(100)
  a.begin(1)
  b.begin(2)
  pool.hold(true)
  expect([a.mustWait(), b.mustWait()]).toEqual([false, true])
  let released = false
  const paced = new Budget(512 * MiB, 30_000, undefined, b).pace().then(() => released)
  released = true
  pool.hold(false)
  expect(await paced).toBe(true)
  // Held past its time limit: it fails with TIMEOUT, not later.
  pool.hold(true)
  await expect(new Budget(512 * MiB, 30, undefined, b).pace()).rejects.toMatchObject({ code: 'TIMEOUT' })
})
