/**
 * @module cli/memory-guard
 * The run-time side of `memoryLimit`: the sizes memory-budget.ts derives keep a server under
 * the limit in the common case; the guard watches the process's resident memory and, when it
 * nears the limit, gives back what holding on to frees, cheapest first: queries run one at a
 * time while they hold memory of their own (running ones but the oldest wait at their next
 * pace, new ones wait or are refused: 503 with Retry-After, query-pool.ts), the query threads'
 * block cache is sized to what fits once the pressure is sustained (shrunk by the overshoot
 * when it holds that memory, grown back when there is room for the growth), and only near the
 * limit itself are new OTLP requests refused (429 with Retry-After / UNAVAILABLE with
 * RetryInfo: retryable, as OTLP asks). Nothing acknowledged is dropped: a refused request was
 * never acknowledged, and the head, the write-ahead log and flushes carry on.
 *
 * Contract: `queries()` and `ingest()` are called per request; resident memory is read at most
 * every GUARD_SAMPLE_MS, so the guard costs nothing. It sheds only while the threads' heaps and
 * buffers hold at least IN_USE_FRACTION of the limit: memory the allocator keeps free after a
 * peak counts as resident, but no shedding returns it, and new work reuses it. It acts on an
 * overshoot that lasts (PERSIST_MS), or at once on a climb steep enough to pass the limit
 * (CLIMB_MS): a spike that passes in a moment (a dashboard's refresh decoding, freed by its
 * next collection) is counted (`decisions`), not acted on. A climb, or an overshoot the
 * queries' own buffers hold, paces queries and leaves the cache alone: those buffers go when
 * the queries end (the threads collect their garbage at once), while a cache emptied for them
 * made every later refresh decode anew. The cache shrinks once an overshoot lasted PERSIST_MS
 * without the queries holding it, or SUSTAINED_MS whatever holds it.
 */
import { memoryUsage } from 'node:process'
import type { ThreadMemory } from '../storage/index.ts'

/** Fraction of the limit past which memory is short: the cache shrinks, queries holding memory run one at a time. */
export const QUERY_SHED_FRACTION = 0.9
/** Fraction of the limit past which new OTLP requests are refused: ingest then only drains. */
export const INGEST_PACE_FRACTION = 0.97
/**
 * Fraction of the limit the threads' heaps and buffers must hold for the guard to shed at all.
 * Resident memory also counts what the C allocator keeps free for reuse (after a peak, hundreds
 * of MiB in its arenas, which neither refusals nor collections give back): shedding then would
 * refuse work for ever and free nothing, while taking work only reuses that memory. The
 * budgets memoryLimit sizes (caches, head, requests in flight) add up to about half of it.
 */
export const IN_USE_FRACTION = 0.5
/**
 * Fraction of the limit the block cache is sized to keep resident memory at: a shrink takes
 * what passes it off the cache, a regrowth only the room left below it. Below the shedding
 * line, so that a cache grown back does not at once pass it again.
 */
export const CACHE_TARGET_FRACTION = 0.85
/**
 * Fraction of the limit the query threads must hold besides the block cache (their queries'
 * scans, groups and results) for queries to run one at a time: running fewer frees only that.
 */
export const QUERY_HELD_FRACTION = 1 / 8
/** Smallest change of the cache's budget, as a fraction of the limit: a smaller one is not worth its collections. */
export const CACHE_STEP_FRACTION = 1 / 64
/** Resident memory is read at most this often: per request would be a system call each. */
export const GUARD_SAMPLE_MS = 100
/**
 * An overshoot is acted on once every reading over this long (at least two) was past the line:
 * a dashboard refresh's decoding passes 90 % for a second or two and is freed by the query
 * threads' next collection; cutting the cache for it only made the next refreshes decode again.
 */
export const PERSIST_MS = 2_000
/**
 * ...unless resident memory climbed so fast over the last CLIMB_MS that, climbing as fast for
 * as long again, it would pass the limit itself (in two readings in a row: one reading alone
 * may be a spike's): then the guard acts at once.
 */
export const CLIMB_MS = 1_000
/**
 * An overshoot the queries' buffers hold (QUERY_HELD_FRACTION) shrinks the block cache only
 * once it lasted this long: queries held at their pace and run one at a time let their memory
 * go within a dashboard refresh or two (2 s each in the soak benchmark); what remains past it
 * is not theirs alone.
 */
export const SUSTAINED_MS = 10_000
/** How often the server reads whether queries are held at their pace (besides every request's reading): a held query goes on within this of memory coming back. */
export const QUERY_HOLD_CHECK_MS = 250
/** The cache shrinks at most this often (its threads collect garbage each time): the memory
 * freed shows in resident memory only after the collections. */
export const SHRINK_INTERVAL_MS = 10_000
/** The cache grows back at most this often (and not sooner after a shrink), so that it does not swing up and down. */
export const REGROW_INTERVAL_MS = 20_000
/** The smallest the block cache is shrunk to, as a fraction of its configured budget: queries
 * over the last minutes still find their hottest columns. */
export const CACHE_FLOOR_FRACTION = 1 / 8

export interface MemoryGuardOptions {
  /** The block cache the guard sizes: its configured budget, how to give it a new one (and
   * collect garbage), and the bytes it holds now (its budget when not given). */
  cache?: { bytes: number; setBudget(bytes: number, collect: boolean): void; held?: () => number }
  /** Resident bytes of the process now (process.memoryUsage.rss by default). */
  rss?: () => number
  /** Bytes the threads hold now: their heaps and buffers (storage's ThreadMemoryWatch); without
   * it, resident memory alone decides. */
  inUse?: () => number
  /** Bytes the query threads hold besides the block cache (what running queries one at a time
   * frees); without it, queries are shed whenever memory is short, and no overshoot is taken
   * for theirs. */
  queries?: () => number
  /** Has the query threads collect their garbage, keeping the cache: called when the guard acts
   * on an overshoot the queries' buffers hold (decoded blocks they are past are garbage, and
   * pacing queries alone does not free them). */
  collect?: () => void
}

/** What the guard decided, counted since start (for /metrics): the cache shrunk (`shrink`) or
 * grown back (`regrow`), an action taken at once on a steep climb (`climb`), an overshoot of
 * the shedding line that passed before it lasted PERSIST_MS (`spike`, nothing done), an
 * overshoot acted on by pacing queries, their buffers holding it (`pace`, the cache kept). */
export type GuardDecision = 'shrink' | 'regrow' | 'climb' | 'spike' | 'pace'

export class MemoryGuard {
  readonly limit: number
  /** How often each decision was taken. */
  readonly decisions: Record<GuardDecision, number> = { shrink: 0, regrow: 0, climb: 0, spike: 0, pace: 0 }
  private readonly cache: MemoryGuardOptions['cache']
  private readonly rss: () => number
  private readonly inUse: () => number
  private readonly queryHeld: () => number
  private readonly queriesKnown: boolean
  private readonly collect: () => void
  private sampledAt = -Infinity
  private resident = 0
  private held = 0
  private queriesHold = 0
  private changedAt = -Infinity
  /** Readings (ms, resident bytes) of the last PERSIST_MS and CLIMB_MS, and the last one before. */
  private readonly history: { at: number; rss: number; steep: boolean }[] = []
  /** The latest reading is past the shedding line, and the guard has acted on this overshoot. */
  private overLine = false
  private acted = false
  /** When the readings past the shedding line began (undefined: the latest is not). */
  private overSince: number | undefined
  /** The block cache's budget now. */
  cacheBytes: number

  constructor(limit: number, options: MemoryGuardOptions = {}) {
    this.limit = limit
    this.cache = options.cache
    this.cacheBytes = options.cache?.bytes ?? 0
    this.rss = options.rss ?? (() => memoryUsage.rss())
    this.inUse = options.inUse ?? (() => Infinity)
    this.queryHeld = options.queries ?? (() => Infinity)
    this.queriesKnown = options.queries !== undefined
    this.collect = options.collect ?? (() => {})
  }

  /**
   * Resident memory (last read) is past `fraction` of the limit, and the threads hold enough of
   * it for shedding to help; and it either was past it in every reading of the last PERSIST_MS
   * or climbs steeply enough to pass the limit within CLIMB_MS.
   */
  private over(fraction: number): boolean {
    const line = this.limit * fraction
    if (this.resident < line || this.held < this.limit * IN_USE_FRACTION) return false
    return this.lasted(line) || (this.history.length > 1 && this.history.at(-1)!.steep && this.history.at(-2)!.steep)
  }

  /** Every reading since PERSIST_MS ago, and the last one before, was at least `line`. */
  private lasted(line: number): boolean {
    const h = this.history
    const from = this.sampledAt - PERSIST_MS
    for (let i = h.length - 1; i >= 0; i--) {
      if (h[i].rss < line) return false
      if (h[i].at <= from) return true
    }
    return false
  }

  /** Resident memory, climbing as fast as since CLIMB_MS ago (or the oldest reading since), passes the limit within CLIMB_MS. */
  private climbing(): boolean {
    const h = this.history
    const from = this.sampledAt - CLIMB_MS
    let base = h[0]
    for (const r of h) if (r.at <= from) base = r
    if (base === undefined || base.at >= this.sampledAt || this.resident <= base.rss) return false
    const perMs = (this.resident - base.rss) / (this.sampledAt - base.at)
    return this.resident + perMs * CLIMB_MS >= this.limit
  }

  /** Keeps the readings `lasted` and `climbing` look at; counts overshoots that passed unacted on. */
  private remember(now: number): void {
    const h = this.history
    // Still climbing: a step up that then holds is an overshoot like any other.
    const steep = this.climbing() && (h.length === 0 || this.resident > h[h.length - 1].rss)
    h.push({ at: now, rss: this.resident, steep })
    const from = now - Math.max(PERSIST_MS, CLIMB_MS)
    while (h.length > 2 && h[1].at <= from) h.shift()
    const past = this.resident >= this.limit * QUERY_SHED_FRACTION && this.held >= this.limit * IN_USE_FRACTION
    if (this.overLine && !past && !this.acted) this.decisions.spike++
    if (!past) this.acted = false
    if (!past) this.overSince = undefined
    else if (!this.overLine) this.overSince = now
    this.overLine = past
  }

  /** Notes that the guard acts on the overshoot now (counted as `climb` when it had not lasted
   * PERSIST_MS, and as `pace` when the queries' buffers hold it). */
  private acting(): void {
    if (this.acted) return
    this.acted = true
    if (!this.lasted(this.limit * QUERY_SHED_FRACTION)) this.decisions.climb++
    if (!this.queriesHoldIt()) return
    this.decisions.pace++
    this.collect()
  }

  /** The query threads hold enough besides the cache for the overshoot to be their buffers' (and go with their queries). */
  private queriesHoldIt(): boolean {
    return this.queriesKnown && this.queriesHold >= this.limit * QUERY_HELD_FRACTION
  }

  /** The overshoot is sustained enough for the cache to give memory back: it lasted PERSIST_MS
   * (not a climb) and either the queries do not hold it or it lasted SUSTAINED_MS. */
  private sustained(now: number): boolean {
    if (!this.lasted(this.limit * QUERY_SHED_FRACTION)) return false
    return !this.queriesHoldIt() || (this.overSince !== undefined && now - this.overSince >= SUSTAINED_MS)
  }

  /** Reads resident and held memory at most every GUARD_SAMPLE_MS; resizes the cache. */
  private sample(): void {
    const now = performance.now()
    if (now - this.sampledAt < GUARD_SAMPLE_MS) return
    this.sampledAt = now
    this.resident = this.rss()
    this.held = this.inUse()
    this.queriesHold = this.queryHeld()
    this.remember(now)
    if (this.over(QUERY_SHED_FRACTION)) this.acting()
    const cache = this.cache
    if (cache !== undefined) this.size(cache, now)
  }

  /**
   * Sizes the cache so that resident memory comes to CACHE_TARGET_FRACTION: what it holds now
   * plus the room (negative: minus the overshoot), between its floor and its configured budget.
   * It shrinks only while memory is short, the shortage is sustained (not a climb, nor the
   * queries' buffers for less than SUSTAINED_MS), and the cut frees memory the cache holds (a
   * cut below an empty cache's budget frees nothing), and grows only by room there is.
   */
  private size(cache: NonNullable<MemoryGuardOptions['cache']>, now: number): void {
    const step = this.limit * CACHE_STEP_FRACTION
    const floor = Math.floor(cache.bytes * CACHE_FLOOR_FRACTION)
    const holds = Math.min(this.cacheBytes, cache.held?.() ?? this.cacheBytes)
    const fits = Math.floor(holds + this.limit * CACHE_TARGET_FRACTION - this.resident)
    const since = now - this.changedAt
    if (this.over(QUERY_SHED_FRACTION) && since >= SHRINK_INTERVAL_MS && this.sustained(now)) {
      const budget = Math.max(floor, fits)
      if (holds - budget < step) return
      this.changedAt = now
      this.cacheBytes = budget
      this.decisions.shrink++
      cache.setBudget(budget, true)
    } else if (this.cacheBytes < cache.bytes && since >= REGROW_INTERVAL_MS) {
      const budget = Math.min(cache.bytes, fits)
      if (budget - this.cacheBytes < Math.min(step, cache.bytes - this.cacheBytes)) return
      this.changedAt = now
      this.cacheBytes = budget
      this.decisions.regrow++
      cache.setBudget(budget, false)
    }
  }

  /** Queries are shed: memory is short and queries hold enough of it for running fewer to help. */
  private shedding(): boolean {
    return this.over(QUERY_SHED_FRACTION) && this.queriesHold >= this.limit * QUERY_HELD_FRACTION
  }

  /** 0 when memory is plentiful, 1 when queries are shed, 2 when ingest is paced too (for /metrics). */
  get level(): number {
    this.sample()
    return this.over(INGEST_PACE_FRACTION) ? 2 : this.shedding() ? 1 : 0
  }

  /** Why queries are shed now, undefined when they are not. */
  queries(): string | undefined {
    this.sample()
    return this.shedding() ? this.describe() : undefined
  }

  /** Why new OTLP requests are refused now, undefined when they are not. */
  ingest(): string | undefined {
    this.sample()
    return this.over(INGEST_PACE_FRACTION) ? this.describe() : undefined
  }

  private describe(): string {
    const mib = (bytes: number): string => `${Math.round(bytes / 2 ** 20)}MiB`
    const held = Number.isFinite(this.held) ? `, ${mib(this.held)} held by its threads` : ''
    return `the server's memory (${mib(this.resident)} resident${held}) is near its limit (memoryLimit ${mib(this.limit)})`
  }
}

/**
 * The query threads' block cache (the largest report: they share one) and what they hold
 * besides it: their heaps and buffers, less the cache's chunks (a thread's buffers count the
 * chunks it decoded, whoever holds them: the cache counts once).
 * @example queryThreadMemory(watch.threads()).besidesCache
 */
export function queryThreadMemory(threads: readonly ThreadMemory[]): { cache: number; besidesCache: number } {
  const query = threads.filter((t) => t.role === 'query')
  const cache = query.reduce((n, t) => Math.max(n, t.extra?.blockCacheBytes ?? 0), 0)
  const all = query.reduce((n, t) => n + t.heapUsed + t.arrayBuffers, 0)
  return { cache, besidesCache: Math.max(0, all - cache) }
}
