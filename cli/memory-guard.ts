/**
 * @module cli/memory-guard
 * The run-time side of `memoryLimit`: the sizes memory-budget.ts derives keep a server under
 * the limit in the common case; the guard watches the process's resident memory and, when it
 * nears the limit, sheds load rather than grow: queries run one at a time and the others are
 * refused (503 with Retry-After, query-pool.ts), the query threads drop their block cache and
 * collect their garbage, and near the limit itself new OTLP requests are refused (429 with
 * Retry-After / UNAVAILABLE with RetryInfo: retryable, as OTLP asks). Nothing acknowledged is
 * dropped: a refused request was never acknowledged, and the head, the write-ahead log and
 * flushes carry on.
 *
 * Contract: `queries()` and `ingest()` are called per request; resident memory is read at most
 * every GUARD_SAMPLE_MS (one read of /proc/self/statm's worth), so the guard costs nothing.
 */
import { memoryUsage } from 'node:process'

/** Fraction of the limit past which queries run one at a time and caches are dropped. */
export const QUERY_SHED_FRACTION = 0.9
/** Fraction of the limit past which new OTLP requests are refused: ingest then only drains. */
export const INGEST_PACE_FRACTION = 0.97
/** Resident memory is read at most this often: per request would be a system call each. */
export const GUARD_SAMPLE_MS = 100
/** Caches are dropped at most this often: rebuilding them costs queries their decoding. */
export const SHED_INTERVAL_MS = 10_000

export interface MemoryGuardOptions {
  /** Drops caches and collects garbage (the query threads'). */
  shed?: () => void
  /** Resident bytes of the process now (process.memoryUsage.rss by default). */
  rss?: () => number
}

export class MemoryGuard {
  readonly limit: number
  private readonly shed: () => void
  private readonly rss: () => number
  private sampledAt = -Infinity
  private resident = 0
  private shedAt = -Infinity
  /** Times caches were dropped. */
  sheds = 0

  constructor(limit: number, options: MemoryGuardOptions = {}) {
    this.limit = limit
    this.shed = options.shed ?? (() => {})
    this.rss = options.rss ?? (() => memoryUsage.rss())
  }

  /** Resident bytes, read at most every GUARD_SAMPLE_MS; sheds caches when they are near the limit. */
  private sample(): number {
    const now = performance.now()
    if (now - this.sampledAt >= GUARD_SAMPLE_MS) {
      this.sampledAt = now
      this.resident = this.rss()
      if (this.resident >= this.limit * QUERY_SHED_FRACTION && now - this.shedAt >= SHED_INTERVAL_MS) {
        this.shedAt = now
        this.sheds++
        this.shed()
      }
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
    if (rss < this.limit * QUERY_SHED_FRACTION) return undefined
    return this.describe(rss)
  }

  /** Why new OTLP requests are refused now, undefined when they are not. */
  ingest(): string | undefined {
    const rss = this.sample()
    if (rss < this.limit * INGEST_PACE_FRACTION) return undefined
    return this.describe(rss)
  }

  private describe(rss: number): string {
    const mib = (bytes: number): string => `${Math.round(bytes / 2 ** 20)}MiB`
    return `the server's memory (${mib(rss)} resident) is near its limit (memoryLimit ${mib(this.limit)})`
  }
}
