/**
 * MemoryGuard's policy, with the resident memory it reads given by the test: queries shed from
 * 90 % of the limit, ingest from 97 %, the block cache halved (down to an eighth) and grown
 * back below 75 %, and messages that name the limit.
 */
import { afterEach, beforeEach, expect, test, vi } from 'vitest'
import { MemoryGuard, REGROW_INTERVAL_MS, SHRINK_INTERVAL_MS } from './memory-guard.ts'

const MiB = 2 ** 20

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['performance'] })
})
afterEach(() => {
  vi.useRealTimers()
})

function guarded(held?: () => number): { guard: MemoryGuard; set: (mib: number) => void; budgets: [number, boolean][] } {
  let rss = 0
  const budgets: [number, boolean][] = []
  const inUse = held === undefined ? undefined : () => held() * MiB
  const guard = new MemoryGuard(1000 * MiB, { rss: () => rss, inUse, cache: { bytes: 256 * MiB, setBudget: (bytes, collect) => budgets.push([bytes / MiB, collect]) } })
  return {
    guard,
    // A new reading is taken once the sampling interval has passed.
    set: (mib) => {
      rss = mib * MiB
      vi.advanceTimersByTime(1000)
    },
    budgets,
  }
}

test('queries are shed from 90 % of the limit and ingest from 97 %, with messages naming the limit', () => {
  const { guard, set } = guarded()
  set(899)
  expect([guard.queries(), guard.ingest(), guard.level]).toEqual([undefined, undefined, 0])
  set(900)
  expect(guard.queries()).toBe("the server's memory (900MiB resident) is near its limit (memoryLimit 1000MiB)")
  expect([guard.ingest(), guard.level]).toEqual([undefined, 1])
  set(970)
  expect(guard.ingest()).toBe("the server's memory (970MiB resident) is near its limit (memoryLimit 1000MiB)")
  expect(guard.level).toBe(2)
  set(500)
  expect([guard.queries(), guard.ingest(), guard.level]).toEqual([undefined, undefined, 0])
})

test('the block cache halves at most every few seconds while memory is short, down to an eighth, and grows back once it has room', () => {
  const { guard, set, budgets } = guarded()
  /** `times` readings `ms` apart, each by a query asking. */
  const readings = (ms: number, times: number): void => {
    for (let i = 0; i < times; i++) {
      vi.advanceTimersByTime(ms)
      guard.queries()
    }
  }
  set(950)
  guard.queries()
  expect(budgets).toEqual([[128, true]])
  // Another reading soon after changes nothing.
  readings(1000, 1)
  expect(budgets).toHaveLength(1)
  readings(SHRINK_INTERVAL_MS, 5)
  expect(budgets.map(([b]) => b)).toEqual([128, 64, 32, 32, 32, 32])
  expect(guard.cacheBytes).toBe(32 * MiB)
  // Between 75 % and 90 %: left as it is.
  set(800)
  readings(REGROW_INTERVAL_MS, 1)
  expect(budgets).toHaveLength(6)
  set(700)
  guard.queries()
  expect(budgets.at(-1)).toEqual([64, false])
  readings(1000, 1)
  expect(budgets).toHaveLength(7)
  readings(REGROW_INTERVAL_MS, 3)
  expect(budgets.map(([b]) => b).slice(6)).toEqual([64, 128, 256])
  expect(guard.cacheBytes).toBe(256 * MiB)
})

test('nothing is shed while the threads hold under half the limit: the rest is memory the allocator keeps for reuse', () => {
  let held = 300
  const { guard, set, budgets } = guarded(() => held)
  set(990)
  expect([guard.queries(), guard.ingest(), guard.level]).toEqual([undefined, undefined, 0])
  expect(budgets).toEqual([])
  held = 600
  set(990)
  expect(guard.ingest()).toBe("the server's memory (990MiB resident, 600MiB held by its threads) is near its limit (memoryLimit 1000MiB)")
  expect(guard.level).toBe(2)
  expect(budgets).toEqual([[128, true]])
})
