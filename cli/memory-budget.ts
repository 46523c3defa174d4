/**
 * @module cli/memory-budget
 * One number, the configuration's `memoryLimit`, from which every memory-hungry part of the
 * server is sized: the ingest head, the OTLP request bytes in flight, the block caches (the
 * engine's and the query threads'), compaction's rows, each query thread's heap reserve, and
 * the memory of queries: all running queries together, and so each one. The fixed budgets
 * (head, requests, caches) add up to about 40 % of the limit and queries' buffered state to
 * 3/8 more; the rest is what the limit cannot size directly: each thread's code and heap
 * (about 200 MiB for an idle server with its query, decoding and part-writer threads), a
 * flush's copy on the part writer, decoded requests and allocator slack.
 */

const MiB = 1024 * 1024

/**
 * Share of the limit that all queries running on the query threads may hold together
 * (estimated bytes of buffered state: query/budget.ts, query/query-memory.ts), and so the most
 * one query may hold alone. The soak benchmark's dashboard (bench/soak.ts) held 182-642 MiB of
 * query buffers at 1 GiB, over the limit with the rest; 3/8 (384 MiB at 1 GiB) leaves the
 * fixed budgets and the threads' own heaps room below the limit.
 */
export const QUERIES_MEMORY_FRACTION = 3 / 8

/**
 * Each query thread's heap reserve (query/limits.ts QUERY_THREAD_HEAP_RESERVE_MB) as a share of
 * the limit: 16 MiB at 1 GiB, the size measured there; at least 4 MiB (less no longer spaces
 * V8's marking out for a thread's ~12 MiB of live heap), at most 64 MiB (more only holds memory).
 */
export const QUERY_HEAP_RESERVE_FRACTION = 1 / 64
export const QUERY_HEAP_RESERVE_MIN_BYTES = 4 * MiB
export const QUERY_HEAP_RESERVE_MAX_BYTES = 64 * MiB

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
  /** A query's memory budget when `queryMaxMemory` is not set: all of queriesMaxMemoryBytes. */
  queryMaxMemoryBytes: number
  /** What all queries running on the query threads may hold together; past it, all but the oldest wait (query/query-memory.ts). */
  queriesMaxMemoryBytes: number
  /** Heap each query thread holds for its whole life. */
  queryThreadHeapReserveBytes: number
}

/**
 * The sizes derived from `limit` bytes. At 1 GiB: heads flushed at 32 MiB (as storage's own
 * default), 64 MiB of requests in flight, 64 MiB of engine cache, 256 MiB shared by the query
 * threads' caches (what Q1..Q10 read of an hour at the reference rate: query/limits.ts), compactions of at most 600,000 rows, 384 MiB for all
 * running queries together and so for one alone (a query's budget counts estimated bytes of
 * buffered state, and queries fail with MEMORY_LIMIT past it rather than take the process
 * down), 16 MiB of heap reserve per query thread.
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
    queryMaxMemoryBytes: share(QUERIES_MEMORY_FRACTION, MiB),
    queriesMaxMemoryBytes: share(QUERIES_MEMORY_FRACTION, MiB),
    queryThreadHeapReserveBytes: Math.min(QUERY_HEAP_RESERVE_MAX_BYTES, share(QUERY_HEAP_RESERVE_FRACTION, QUERY_HEAP_RESERVE_MIN_BYTES)),
  }
}
