/**
 * @module cli/memory-guard
 * The run-time side of `memoryLimit`: the sizes memory-budget.ts derives keep a server under
 * the limit in the common case; the guard watches the process's resident memory and, when it
 * nears the limit, sheds load rather than grow: queries run one at a time and the others are
 * refused (503 with Retry-After, query-pool.ts), the query threads' block cache is halved (down
 * to an eighth, grown back once memory has room) and they collect their garbage, and near the
 * limit itself new OTLP requests are refused (429 with
 * Retry-After / UNAVAILABLE with RetryInfo: retryable, as OTLP asks). Nothing acknowledged is
 * dropped: a refused request was never acknowledged, and the head, the write-ahead log and
 * flushes carry on.
 *
 * Contract: `queries()` and `ingest()` are called per request; resident memory is read at most
 * every GUARD_SAMPLE_MS, so the guard costs nothing. It sheds only while the threads' heaps and
 * buffers hold at least IN_USE_FRACTION of the limit: memory the allocator keeps free after a
 * peak counts as resident, but no shedding returns it, and new work reuses it.
 */
import { memoryUsage } from 'node:process'

/** Fraction of the limit past which queries run one at a time and the block cache shrinks. */
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
/** Fraction of the limit below which a shrunk block cache grows back. */
export const CACHE_REGROW_FRACTION = 0.75
/** Resident memory is read at most this often: per request would be a system call each. */
export const GUARD_SAMPLE_MS = 100
/** The cache is halved at most this often (its threads collect garbage each time): the memory
 * freed shows in resident memory only after the collections. */
export const SHRINK_INTERVAL_MS = 10_000
/** The cache doubles back at most this often, so that it does not swing up and down. */
export const REGROW_INTERVAL_MS = 60_000
/** The smallest the block cache is shrunk to, as a fraction of its configured budget: queries
 * over the last minutes still find their hottest columns. */
export const CACHE_FLOOR_FRACTION = 1 / 8

export interface MemoryGuardOptions {
  /** The block cache the guard shrinks when memory is short and grows back when it has room:
   * its configured budget, and how to give it a new one (and collect garbage). */
  cache?: { bytes: number; setBudget(bytes: number, collect: boolean): void }
  /** Resident bytes of the process now (process.memoryUsage.rss by default). */
  rss?: () => number
  /** Bytes the threads hold now: their heaps and buffers (storage's ThreadMemoryWatch); without
   * it, resident memory alone decides. */
  inUse?: () => number
}

export class MemoryGuard {
  readonly limit: number
  private readonly cache: MemoryGuardOptions['cache']
  private readonly rss: () => number
  private readonly inUse: () => number
  private sampledAt = -Infinity
  private resident = 0
  private held = 0
  private changedAt = -Infinity
  /** The block cache's budget now. */
  cacheBytes: number

  constructor(limit: number, options: MemoryGuardOptions = {}) {
    this.limit = limit
    this.cache = options.cache
    this.cacheBytes = options.cache?.bytes ?? 0
    this.rss = options.rss ?? (() => memoryUsage.rss())
    this.inUse = options.inUse ?? (() => Infinity)
  }

  /** Resident memory (last read) is past `fraction` of the limit, and the threads hold enough of it for shedding to help. */
  private over(fraction: number): boolean {
    return this.resident >= this.limit * fraction && this.held >= this.limit * IN_USE_FRACTION
  }

  /** Reads resident and held memory at most every GUARD_SAMPLE_MS; shrinks or regrows the cache. */
  private sample(): void {
    const now = performance.now()
    if (now - this.sampledAt < GUARD_SAMPLE_MS) return
    this.sampledAt = now
    this.resident = this.rss()
    this.held = this.inUse()
    const cache = this.cache
    if (cache === undefined) return
    const since = now - this.changedAt
    if (this.over(QUERY_SHED_FRACTION) && since >= SHRINK_INTERVAL_MS) {
      this.changedAt = now
      this.cacheBytes = Math.max(Math.floor(cache.bytes * CACHE_FLOOR_FRACTION), Math.floor(this.cacheBytes / 2))
      cache.setBudget(this.cacheBytes, true)
    } else if (!this.over(CACHE_REGROW_FRACTION) && this.cacheBytes < cache.bytes && since >= REGROW_INTERVAL_MS) {
      this.changedAt = now
      this.cacheBytes = Math.min(cache.bytes, this.cacheBytes * 2)
      cache.setBudget(this.cacheBytes, false)
    }
  }

  /** 0 when memory is plentiful, 1 when queries are shed, 2 when ingest is paced too (for /metrics). */
  get level(): number {
    this.sample()
    return this.over(INGEST_PACE_FRACTION) ? 2 : this.over(QUERY_SHED_FRACTION) ? 1 : 0
  }

  /** Why queries are shed now, undefined when they are not. */
  queries(): string | undefined {
    this.sample()
    return this.over(QUERY_SHED_FRACTION) ? this.describe() : undefined
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
