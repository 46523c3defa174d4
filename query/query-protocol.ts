/**
 * @module query/query-protocol
 * The messages between the query service and its threads (query-worker.ts). Everything in
 * them is structured-cloneable: plain objects, bigints, typed arrays (shared ones are shared).
 */
import type { ScanRequest, ScanSnapshot } from '../storage/index.ts'
import type { QueryNode } from './ast.ts'
import type { QueryErrorCode } from './errors.ts'
import type { QueryLimits, QueryResult } from './engine.ts'

/** What a thread is started with. */
export interface QueryThreadData {
  /** Bytes of decoded column chunks the threads cache together (storage's SharedBlockCache). */
  cacheBytes: number
  /** The BroadcastChannel the pool's threads share their cache on, and how many they are. */
  cacheChannel: string
  threads: number
  nice: number
  /** A count another part of the process keeps above 0 while its work comes first (the intake's
   * requests in flight): the thread pauses at each pace while it is (yield-gate.ts). */
  yieldTo?: Int32Array
  /** While `yieldTo` shows ingest at work, CPU milliseconds all threads together may use per
   * millisecond of wall time, drawn from `cpuLedger`, shared by the pool's threads (cpu-share.ts);
   * absent: not paced beyond the yield gate. */
  cpuRate?: number
  cpuLedger?: BigInt64Array
  /** Whether the thread keeps blocks' partial aggregates for repeated queries (stats-cache.ts). */
  partials: boolean
  /** The bound on all running queries' memory together (query-memory.ts): its shared words, its bytes, and this thread's slot. */
  memory: Int32Array
  memoryBytes: number
  slot: number
  /** Heap the thread holds for its whole life, bytes (limits.ts QUERY_THREAD_HEAP_RESERVE_MB). */
  heapReserveBytes: number
}

/** The options of runQuery a thread receives: no store (it reads the snapshots), no AbortSignal. */
export interface ThreadQueryOptions {
  tenant: string
  start?: bigint
  end?: bigint
  now: bigint
  limits: Partial<QueryLimits>
}

export type QueryThreadRequest =
  | {
      kind: 'run'
      id: number
      query: string | QueryNode
      options: ThreadQueryOptions
      snapshots: [string, ScanSnapshot][]
      /** Answer with the result as JSON bytes, its elapsedMs counted from this epoch time (ms). */
      jsonSince?: number
    }
  | { kind: 'cancel'; id: number }
  /** Decode the blocks query `id`'s scan of `snapshot` reads into the shared block cache, from the
   * other end (storage's SnapshotScanner.warm), until `stop-warm` or the walk is done, the helpers
   * together at most `ahead` bytes of chunks. */
  | { kind: 'warm'; id: number; snapshot: ScanSnapshot; request: WarmRequest; offset: number; stride: number; ahead: number }
  | { kind: 'stop-warm'; id: number }
  /** The block cache's budget changes (the server's memory nears its limit, or has room again);
   * `collect`: run a full garbage collection too. */
  | { kind: 'cache-budget'; bytes: number; collect: boolean }

/** What of a scan request a helper needs to find the blocks and columns the scan reads. */
export type WarmRequest = Pick<ScanRequest, 'columns' | 'start' | 'end' | 'where' | 'timeForRangeOnly'>

export type ThreadError =
  | { kind: 'query'; code: QueryErrorCode; message: string; line?: number; column?: number; source?: string }
  | { kind: 'internal'; message: string; stack?: string }

/** `ready` (no id): the thread has started and takes queries. */
export interface QueryThreadReply {
  id?: number
  ready?: boolean
  result?: QueryResult
  /** The query thread scans snapshot `key` and has begun decoding chunks: idle threads may help (`warm`), decoding at most `ahead` bytes ahead of it. */
  help?: { key: string; request: WarmRequest; ahead: number }
  /** A `warm` has ended (stopped or done), having decoded this many chunks: its snapshot is no longer read. */
  warmed?: number
  /** The result as UTF-8 JSON, when the request asked for it (its buffer is transferred). */
  json?: Uint8Array<ArrayBuffer>
  error?: ThreadError
}
