/**
 * MemoryGuard's policy, with the resident memory it reads given by the test: queries shed from
 * 90 % of the limit (when they hold memory of their own), ingest from 97 %, the block cache cut
 * by the overshoot it holds (down to an eighth) and grown back by the room below 85 %, and
 * messages that name the limit; an overshoot acted on once it lasts PERSIST_MS, or at once on
 * a steep climb, and a one-reading spike only counted; the cache cut only for a sustained
 * overshoot, not for a climb nor, until SUSTAINED_MS, for the queries' own buffers.
 */
import { afterEach, beforeEach, expect, test, vi } from 'vitest'
import { CLIMB_MS, GUARD_SAMPLE_MS, MemoryGuard, PERSIST_MS, queryThreadMemory, REGROW_INTERVAL_MS, SHRINK_INTERVAL_MS, SUSTAINED_MS } from './memory-guard.ts'

const MiB = 2 ** 20

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['performance'] })
})
afterEach(() => {
  vi.useRealTimers()
})

/** A guard with a limit of 1000 MiB and a cache of 256 MiB; `held`: what the threads hold, `cache`: what the cache holds (MiB). */
function guarded(held?: () => number, cache?: () => number): { guard: MemoryGuard; set: (mib: number) => void; budgets: [number, boolean][] } {
  let rss = 0
  const budgets: [number, boolean][] = []
  const inUse = held === undefined ? undefined : () => held() * MiB
  const guard = new MemoryGuard(1000 * MiB, { rss: () => rss, inUse, cache: { bytes: 256 * MiB, setBudget: (bytes, collect) => budgets.push([bytes / MiB, collect]), held: cache === undefined ? undefined : () => cache() * MiB } })
  return {
    guard,
    // Resident memory stays at `mib` for PERSIST_MS (read at its start): the guard acts on it
    // at the next reading.
    set: (mib) => {
      rss = mib * MiB
      vi.advanceTimersByTime(1000)
      void guard.level
      vi.advanceTimersByTime(PERSIST_MS)
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

/** `times` readings `ms` apart, each by a query asking. */
function readings(guard: MemoryGuard, ms: number, times: number): void {
  for (let i = 0; i < times; i++) {
    vi.advanceTimersByTime(ms)
    guard.queries()
  }
}

test('the block cache gives up the overshoot it holds, at most every few seconds and down to an eighth', () => {
  let cache = 256
  const { guard, set, budgets } = guarded(undefined, () => cache)
  set(950)
  guard.queries()
  // 100 MiB over 85 %: off the 256 the cache holds.
  expect(budgets).toEqual([[156, true]])
  // Another reading soon after changes nothing.
  readings(guard, 1000, 1)
  expect(budgets).toHaveLength(1)
  cache = 156
  set(920)
  readings(guard, SHRINK_INTERVAL_MS, 1)
  expect(budgets.at(-1)).toEqual([86, true])
  cache = 86
  set(990)
  readings(guard, SHRINK_INTERVAL_MS, 1)
  expect(budgets.at(-1)).toEqual([32, true])
  // At its floor it holds nothing more to give.
  cache = 32
  readings(guard, SHRINK_INTERVAL_MS, 3)
  expect(budgets).toHaveLength(3)
  expect(guard.cacheBytes).toBe(32 * MiB)
})

test('a cache that holds less than the overshoot is not cut: the cut would free nothing', () => {
  let cache = 10
  const { guard, set, budgets } = guarded(undefined, () => cache)
  set(950)
  readings(guard, SHRINK_INTERVAL_MS, 3)
  expect(budgets).toEqual([])
  expect(guard.cacheBytes).toBe(256 * MiB)
  // Once it has filled up to where it holds the overshoot, it gives that back.
  cache = 200
  readings(guard, SHRINK_INTERVAL_MS, 1)
  expect(budgets).toEqual([[100, true]])
})

test('the cache grows back by the room below 85 %, and not while memory sits between 85 and 90 %', () => {
  let cache = 256
  const { guard, set, budgets } = guarded(undefined, () => cache)
  set(1000)
  guard.queries()
  expect(budgets).toEqual([[106, true]])
  cache = 106
  // A server whose fixed cost sits just under the shedding line keeps the cache it has.
  set(880)
  readings(guard, REGROW_INTERVAL_MS, 2)
  expect(budgets).toHaveLength(1)
  // Room for 50 MiB more: that much.
  set(800)
  guard.queries()
  expect(budgets.at(-1)).toEqual([156, false])
  // Room for the rest, but not before the interval.
  cache = 156
  set(600)
  readings(guard, 1000, 1)
  expect(budgets).toHaveLength(2)
  readings(guard, REGROW_INTERVAL_MS, 1)
  expect(budgets.at(-1)).toEqual([256, false])
  readings(guard, REGROW_INTERVAL_MS, 2)
  expect(budgets).toHaveLength(3)
  expect(guard.cacheBytes).toBe(256 * MiB)
})

test('queries run one at a time only while the query threads hold memory of their own besides the cache', () => {
  let queries = 50
  const guard = new MemoryGuard(1000 * MiB, { rss: () => 950 * MiB, inUse: () => 700 * MiB, queries: () => queries * MiB })
  expect([guard.queries(), guard.level]).toEqual([undefined, 0])
  queries = 200
  vi.advanceTimersByTime(PERSIST_MS)
  expect(guard.queries()).toMatch(/near its limit/)
  expect(guard.level).toBe(1)
  // Ingest is refused only near the limit itself, whatever the queries hold.
  expect(guard.ingest()).toBeUndefined()
})

test("the query threads' memory besides their shared cache: their heaps and buffers less the cache, once", () => {
  const thread = (role: string, heapUsed: number, arrayBuffers: number, blockCacheBytes?: number) => ({ role, threadId: 1, heapUsed: heapUsed * MiB, heapTotal: heapUsed * MiB, external: 0, arrayBuffers: arrayBuffers * MiB, extra: blockCacheBytes === undefined ? undefined : { blockCacheBytes: blockCacheBytes * MiB } })
  // Each thread's buffers count the chunks it decoded: 150 MiB of cache between them.
  const figures = queryThreadMemory([thread('main', 40, 100), thread('query', 30, 100, 150), thread('query', 30, 80, 148), thread('decode', 10, 50)])
  expect(figures).toEqual({ cache: 150 * MiB, besidesCache: 90 * MiB })
  expect(queryThreadMemory([thread('main', 40, 100)])).toEqual({ cache: 0, besidesCache: 0 })
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
  // 140 MiB over 85 %, off a full cache.
  expect(budgets).toEqual([[116, true]])
})

/** A guard with a limit of 1000 MiB and a full 256 MiB cache, read every GUARD_SAMPLE_MS: `read(mib)` reads resident memory once; `queries`: what the query threads hold besides the cache (MiB). */
function sampled(queries?: () => number): { guard: MemoryGuard; read: (mib: number) => string | undefined; budgets: number[]; collections: () => number } {
  let rss = 0
  let collections = 0
  const budgets: number[] = []
  const guard = new MemoryGuard(1000 * MiB, { rss: () => rss, cache: { bytes: 256 * MiB, setBudget: (bytes) => budgets.push(bytes / MiB), held: () => 256 * MiB }, queries: queries === undefined ? undefined : () => queries() * MiB, collect: () => collections++ })
  const read = (mib: number): string | undefined => {
    rss = mib * MiB
    vi.advanceTimersByTime(GUARD_SAMPLE_MS)
    return guard.queries()
  }
  return { guard, read, budgets, collections: () => collections }
}

test('a spike past 90 % for one reading is counted and ignored; an overshoot that lasts PERSIST_MS cuts the cache', () => {
  const { guard, read, budgets } = sampled()
  for (let i = 0; i < 30; i++) read(800)
  // 150 MiB up in one reading (steep enough to pass the limit within CLIMB_MS, but once), then gone.
  expect(read(950)).toBeUndefined()
  expect(read(800)).toBeUndefined()
  expect(budgets).toEqual([])
  expect(guard.decisions).toEqual({ shrink: 0, regrow: 0, climb: 0, spike: 1, pace: 0 })
  // A step up that stays: acted on once every reading of PERSIST_MS was past the line.
  const readings = PERSIST_MS / GUARD_SAMPLE_MS
  for (let i = 0; i < readings; i++) expect(read(940)).toBeUndefined()
  expect(budgets).toEqual([])
  expect(read(940)).toMatch(/940MiB resident.*near its limit/)
  // 90 MiB over 85 %, off the 256 the cache holds.
  expect(budgets).toEqual([166])
  expect(guard.decisions).toEqual({ shrink: 1, regrow: 0, climb: 0, spike: 1, pace: 0 })
  expect(guard.level).toBe(1)
})

/** Reads `mib` for `ms`, one reading every GUARD_SAMPLE_MS. */
function hold(read: (mib: number) => unknown, mib: number, ms: number): void {
  for (let i = 0; i < ms / GUARD_SAMPLE_MS; i++) read(mib)
}

test('a climb steep enough to pass the limit within CLIMB_MS sheds load at once; the cache is cut only once the overshoot lasts', () => {
  const { guard, read, budgets } = sampled()
  hold(read, 800, CLIMB_MS + 5 * GUARD_SAMPLE_MS)
  // 80 MiB a reading: past 90 % at the second, and on course past the limit at the second and third.
  expect(read(880)).toBeUndefined()
  expect(read(960)).toBeUndefined()
  expect(read(1040)).toMatch(/1040MiB resident/)
  // Past 97 % and still climbing: ingest is refused too, at once.
  expect(guard.ingest()).toMatch(/near its limit/)
  expect(budgets).toEqual([])
  expect(guard.decisions).toEqual({ shrink: 0, regrow: 0, climb: 1, spike: 0, pace: 0 })
  // Still there PERSIST_MS later: sustained, and nothing says the queries hold it; 190 MiB over 85 %, off 256.
  hold(read, 1040, PERSIST_MS)
  expect(budgets).toEqual([66])
  expect(guard.decisions).toEqual({ shrink: 1, regrow: 0, climb: 1, spike: 0, pace: 0 })
})

test("a climb the queries' buffers hold paces the queries and keeps the cache until the overshoot lasts SUSTAINED_MS", () => {
  const { guard, read, budgets, collections } = sampled(() => 300)
  hold(read, 800, CLIMB_MS + 5 * GUARD_SAMPLE_MS)
  expect(read(880)).toBeUndefined()
  expect(read(960)).toBeUndefined()
  // Queries are shed (one at a time, the others held at their pace) at once...
  expect(read(1040)).toMatch(/1040MiB resident/)
  expect(guard.level).toBe(2)
  expect(guard.decisions).toEqual({ shrink: 0, regrow: 0, climb: 1, spike: 0, pace: 1 })
  // ...the query threads collect the garbage of what their queries are past, once...
  expect(collections()).toBe(1)
  // ...and the cache is left alone while the queries may still let their memory go.
  // (The overshoot began at the reading of 960, a reading before.)
  hold(read, 1040, SUSTAINED_MS - 2 * GUARD_SAMPLE_MS)
  expect(budgets).toEqual([])
  // Past SUSTAINED_MS it is not theirs alone: the cache gives back the overshoot.
  hold(read, 1040, GUARD_SAMPLE_MS)
  expect(budgets).toEqual([66])
  // The queries let go: memory comes back, nothing is shed, nothing more is counted.
  expect(read(700)).toBeUndefined()
  expect(guard.level).toBe(0)
  expect(guard.decisions).toEqual({ shrink: 1, regrow: 0, climb: 1, spike: 0, pace: 1 })
  expect(collections()).toBe(1)
})

test('an overshoot the queries do not hold (under an eighth of the limit besides the cache) cuts the cache once it lasts PERSIST_MS', () => {
  const { guard, read, budgets, collections } = sampled(() => 60)
  hold(read, 800, CLIMB_MS)
  hold(read, 940, PERSIST_MS)
  expect(budgets).toEqual([])
  // Queries are not shed: running fewer would free little.
  expect(read(940)).toBeUndefined()
  expect(budgets).toEqual([166])
  expect(guard.decisions).toEqual({ shrink: 1, regrow: 0, climb: 0, spike: 0, pace: 0 })
  expect(collections()).toBe(0)
})
