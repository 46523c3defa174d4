/**
 * @module cli/memory-budget
 * One number, the configuration's `memoryLimit`, from which every memory-hungry part of the
 * server is sized: the ingest head, the OTLP request bytes in flight, the block caches (the
 * engine's and the query threads'), compaction's rows and a query's budget. The fractions add
 * up to about half the limit; the rest is what the limit cannot size directly: each thread's
 * code and heap (about 200 MiB for an idle server with its query, decoding and part-writer
 * threads), a flush's copy on the part writer, decoded requests and allocator slack.
 */

const MiB = 1024 * 1024

/** The default `memoryLimit`: a server with defaults stays under 1 GiB resident. */
export const DEFAULT_MEMORY_LIMIT = '1GiB'

/** The smallest `memoryLimit` accepted: an idle server's threads take about 200 MiB, and under
 * load their heaps and the allocator's arenas grow by 150 to 250 MiB whatever the sizes below. */
export const MIN_MEMORY_LIMIT_BYTES = 384 * MiB

export interface MemoryBudget {
  /** Estimated head bytes that start a flush (appends wait once the head and the head being flushed hold three times this). */
  headFlushBytes: number
  /** OTLP request bytes read, decoded or appended at once before answering 429. */
  maxInflightBytes: number
  /** Decoded blocks the engine keeps for scans on the event loop's thread (autocomplete, live
   * tails; every query with `queryThreads: 0`, which then has `queryCacheBytes` instead). */
  engineCacheBytes: number
  /** Decoded blocks all query threads together keep. */
  queryCacheBytes: number
  /** Most rows one compaction merges in memory. */
  compactMaxRows: number
  /** A query's memory budget when `queryMaxMemory` is not set. */
  queryMaxMemoryBytes: number
}

/**
 * The sizes derived from `limit` bytes. At 1 GiB: heads flushed at 32 MiB (as storage's own
 * default), 64 MiB of requests in flight, 64 MiB of engine cache, 256 MiB shared by the query
 * threads' caches (what Q1..Q10 read of an hour at the reference rate: query/limits.ts), compactions of at most 600,000 rows, 512 MiB per query (a query's budget
 * counts estimated bytes of buffered state, and queries fail with MEMORY_LIMIT past it rather
 * than take the process down).
 * @example memoryBudget(512 * 1024 * 1024).queryCacheBytes // 128 MiB
 */
export function memoryBudget(limit: number): MemoryBudget {
  const share = (fraction: number, floor: number): number => Math.max(floor, Math.floor(limit * fraction))
  return {
    headFlushBytes: share(1 / 32, 4 * MiB),
    maxInflightBytes: share(1 / 16, 16 * MiB),
    engineCacheBytes: share(1 / 16, 0),
    queryCacheBytes: share(1 / 4, 0),
    // 600,000 rows of spans decoded for a merge take about 100 MiB on the part writer.
    compactMaxRows: Math.max(65_536, Math.floor((600_000 * limit) / (1024 * MiB))),
    queryMaxMemoryBytes: share(1 / 2, MiB),
  }
}
