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
 * every GUARD_SAMPLE_MS (one read of /proc/self/statm's worth), so the guard costs nothing.
 */
import { memoryUsage } from 'node:process'

/** Fraction of the limit past which queries run one at a time and the block cache shrinks. */
export const QUERY_SHED_FRACTION = 0.9
/** Fraction of the limit past which new OTLP requests are refused: ingest then only drains. */
export const INGEST_PACE_FRACTION = 0.97
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
}

export class MemoryGuard {
  readonly limit: number
  private readonly cache: MemoryGuardOptions['cache']
  private readonly rss: () => number
  private sampledAt = -Infinity
  private resident = 0
  private changedAt = -Infinity
  /** The block cache's budget now. */
  cacheBytes: number

  constructor(limit: number, options: MemoryGuardOptions = {}) {
    this.limit = limit
    this.cache = options.cache
    this.cacheBytes = options.cache?.bytes ?? 0
    this.rss = options.rss ?? (() => memoryUsage.rss())
  }

  /** Resident bytes, read at most every GUARD_SAMPLE_MS; shrinks or regrows the cache. */
  private sample(): number {
    const now = performance.now()
    if (now - this.sampledAt < GUARD_SAMPLE_MS) return this.resident
    this.sampledAt = now
    this.resident = this.rss()
    const cache = this.cache
    if (cache === undefined) return this.resident
    const since = now - this.changedAt
    if (this.resident >= this.limit * QUERY_SHED_FRACTION && since >= SHRINK_INTERVAL_MS) {
      this.changedAt = now
      this.cacheBytes = Math.max(Math.floor(cache.bytes * CACHE_FLOOR_FRACTION), Math.floor(this.cacheBytes / 2))
      cache.setBudget(this.cacheBytes, true)
    } else if (this.resident < this.limit * CACHE_REGROW_FRACTION && this.cacheBytes < cache.bytes && since >= REGROW_INTERVAL_MS) {
      this.changedAt = now
      this.cacheBytes = Math.min(cache.bytes, this.cacheBytes * 2)
      cache.setBudget(this.cacheBytes, false)
    }
    return this.resident
  }

  /** 0 when memory is plentiful, 1 when queries are shed, 2 when ingest is paced too (for /metrics). */
  get level(): number {
    const rss = this.sample()
    return rss >= this.limit * INGEST_PACE_FRACTION ? 2 : rss >= this.limit * QUERY_SHED_FRACTION ? 1 : 0
  }

  /** Why queries are shed now, undefined when they are not. */
  queries(): string | undefined {
    const rss = this.sample()
    return rss < this.limit * QUERY_SHED_FRACTION ? undefined : this.describe(rss)
  }

  /** Why new OTLP requests are refused now, undefined when they are not. */
  ingest(): string | undefined {
    const rss = this.sample()
    return rss < this.limit * INGEST_PACE_FRACTION ? undefined : this.describe(rss)
  }

  private describe(rss: number): string {
    const mib = (bytes: number): string => `${Math.round(bytes / 2 ** 20)}MiB`
    return `the server's memory (${mib(rss)} resident) is near its limit (memoryLimit ${mib(this.limit)})`
  }
}
