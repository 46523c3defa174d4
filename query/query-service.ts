/**
 * @module query/query-service
 * Queries off the event loop: the service parses and plans a query where it is called (cheap,
 * and mistakes are reported at once), takes the snapshots of the scans the plan makes when a
 * query thread is free (storage's HeldSnapshot: part files by descriptor, head batches in shared
 * memory), and the thread reads, decodes and runs the plan (query-pool.ts, query-worker.ts).
 * The answer is the one runQuery gives in-process, which stays the way for tests and the CLI.
 */
import { availableParallelism } from 'node:os'
import { DEFAULT_TENANT, StorageError, type HeldSnapshot, type Store } from '../storage/index.ts'
import type { QueryNode } from './ast.ts'
import { DEFAULT_LIMITS, runQuery, type QueryOptions, type QueryResult } from './engine.ts'
import { QueryError } from './errors.ts'
import { MAX_QUERY_THREADS, QUERY_CACHE_BYTES, QUERY_CPU_SHARE } from './limits.ts'
import { parseMemo } from './parser.ts'
import { planScans } from './plan-scans.ts'
import { planMemo } from './planner.ts'
import { printQuery } from './printer.ts'
import { QueryPool, timeoutError, type PoolAnswer, type PreparedQuery } from './query-pool.ts'

export interface QueryServiceOptions {
  store: Store
  /** Query threads; 0 runs queries on the calling thread. One per core up to MAX_QUERY_THREADS by default. */
  threads?: number
  /** Bytes of decoded blocks all threads together cache, one cache they share (QUERY_CACHE_BYTES). */
  cacheBytes?: number
  /** Whether threads keep blocks' partial aggregates for repeated queries (stats-cache.ts); default true. */
  partials?: boolean
  /** The module each thread runs; query-worker.ts (tests wrap it to make a thread fail). */
  workerUrl?: URL
  /** How long a thread may take to stop on its own past a deadline or a cancellation (QUERY_STOP_GRACE_MS). */
  stopGraceMs?: number
  /** Why the server's memory is short now (a message), undefined when it is not: queries then run
   * one at a time and others are refused with OVERLOADED (query-pool.ts). */
  memoryPressure?: () => string | undefined
  /** A count in shared memory kept above 0 while work that comes before queries is under way
   * (blazedb serve: the intake's requests in flight, ingest/inflight.ts): query threads pause
   * between batches while it is, for at most as long as they ran (yield-gate.ts). */
  yieldTo?: Int32Array
  /** Share of all the machine's cores the query threads together may use while `yieldTo` shows
   * ingest at work (cpu-share.ts), from above 0 to 1 (1: not paced); QUERY_CPU_SHARE by default. */
  cpuShare?: number
  /** Bytes all queries running on the threads may hold together (query-memory.ts); no bound by default. */
  memoryBytes?: number
  /** Heap each thread holds for its whole life, bytes (limits.ts QUERY_THREAD_HEAP_RESERVE_MB by default). */
  heapReserveBytes?: number
}

/** runQuery's options without the store: the service reads its own. */
export type ServiceQueryOptions = Omit<QueryOptions, 'store'>

export interface QueryService {
  /** Runs a query as runQuery does, on a query thread when the store can take snapshots. */
  run(query: string | QueryNode, options?: ServiceQueryOptions): Promise<QueryResult>
  /** `run`'s result as UTF-8 JSON, made on the query thread: the event loop only sends the bytes. */
  runJson(query: string | QueryNode, options?: ServiceQueryOptions): Promise<Uint8Array<ArrayBuffer>>
  /** Queries running and waiting, threads started in place of failed ones, chunks threads
   * decoded ahead for another thread's query (a query alone scans on every thread), and queries
   * that ran on the thread that last ran their text (query-pool.ts affinity). */
  status(): { threads: number; running: number; queued: number; restarts: number; warmed: number; affine: number; memoryBytes: number; memoryMaxBytes: number; deferred: number; paced: number }
  /** Gives the query threads' block cache a new budget (memory is short, or has room again);
   * `collect`: the threads then collect their garbage. */
  setCacheBudget(bytes: number, collect: boolean): void
  /** Holds every running query but the oldest at its next pace while `on` (memory is short), or lets them go. */
  holdQueries(on: boolean): void
  /** The threads collect their garbage (the buffers their queries are past), keeping the block cache. */
  collect(): void
  /** Fails queries in flight with CANCELLED and stops the threads. */
  close(): Promise<void>
}

/** The default number of query threads on this machine. */
export function defaultQueryThreads(): number {
  return Math.max(1, Math.min(MAX_QUERY_THREADS, availableParallelism()))
}

/** CPU milliseconds a millisecond the query threads may use together while ingest works; undefined: no share to keep (nothing to yield to, or a share of 1). */
function cpuRate(options: QueryServiceOptions): number | undefined {
  const share = options.cpuShare ?? QUERY_CPU_SHARE
  return options.yieldTo === undefined || share >= 1 ? undefined : share * availableParallelism()
}

/**
 * @example
 * const queries = createQueryService({ store })
 * const { rows } = await queries.run('spans | stats count() by service.name', { signal })
 * await queries.close()
 */
export function createQueryService(options: QueryServiceOptions): QueryService {
  const { store } = options
  const threads = store.snapshot === undefined ? 0 : (options.threads ?? defaultQueryThreads())
  const pool = threads === 0 ? undefined : new QueryPool(threads, options.cacheBytes ?? QUERY_CACHE_BYTES, { url: options.workerUrl, stopGraceMs: options.stopGraceMs, pressure: options.memoryPressure, yieldTo: options.yieldTo, cpuRate: cpuRate(options), partials: options.partials, memoryBytes: options.memoryBytes, heapReserveBytes: options.heapReserveBytes })
  // Trees here are only planned (their thread runs the text), so they may serve several queries at once.
  const parse = parseMemo()
  const planned = planMemo()

  /** On a thread: the result, or its JSON (`json`). */
  async function execute(pool: QueryPool, query: string | QueryNode, o: ServiceQueryOptions, json: boolean): Promise<PoolAnswer> {
    const began = performance.now()
    const text = typeof query === 'string' ? query : printQuery(query)
    const tree = typeof query === 'string' ? parse(query) : query
    const limits = { ...DEFAULT_LIMITS, ...o.limits }
    const now = o.now ?? BigInt(Date.now()) * 1_000_000n
    const plan = planned(tree, { start: o.start, end: o.end, now, source: text })
    const tenant = o.tenant ?? DEFAULT_TENANT
    const prepare = (remainingMs: number): PreparedQuery => {
      const held: [string, HeldSnapshot][] = []
      const release = () => held.forEach(([, h]) => h.release())
      try {
        for (const [key, request] of planScans(plan, tenant)) held.push([key, store.snapshot!(request)])
      } catch (error) {
        release()
        throw error instanceof StorageError ? new QueryError('STORAGE', `cannot read data: ${error.message}`, { cause: error }) : error
      }
      return {
        message: {
          query,
          options: { tenant, start: o.start, end: o.end, now, limits: { ...limits, timeoutMs: remainingMs } },
          snapshots: held.map(([key, h]) => [key, h.snapshot]),
          jsonSince: json ? performance.timeOrigin + began : undefined,
        },
        release,
      }
    }
    try {
      return await pool.run({ prepare, deadline: began + limits.timeoutMs, timeoutMs: limits.timeoutMs, signal: o.signal, affinity: text })
    } catch (error) {
      // The thread's limit was what was left of the query's: name the query's own.
      throw error instanceof QueryError && error.code === 'TIMEOUT' ? timeoutError(limits.timeoutMs) : error
    }
  }

  async function run(query: string | QueryNode, o: ServiceQueryOptions = {}): Promise<QueryResult> {
    if (pool === undefined) return runQuery(query, { ...o, store })
    const began = performance.now()
    const result = (await execute(pool, query, o, false)) as QueryResult
    result.stats.elapsedMs = performance.now() - began
    return result
  }

  async function runJson(query: string | QueryNode, o: ServiceQueryOptions = {}): Promise<Uint8Array<ArrayBuffer>> {
    if (pool === undefined) return new TextEncoder().encode(JSON.stringify(await runQuery(query, { ...o, store })))
    return (await execute(pool, query, o, true)) as Uint8Array<ArrayBuffer>
  }

  return {
    run,
    runJson,
    status: () => ({ threads, running: pool?.running ?? 0, queued: pool?.queued ?? 0, restarts: pool?.restarts ?? 0, warmed: pool?.warmed ?? 0, affine: pool?.affine ?? 0, memoryBytes: pool?.memory.bytes ?? 0, memoryMaxBytes: pool?.memory.maxBytes ?? Infinity, deferred: pool?.deferred ?? 0, paced: pool?.memory.paced ?? 0 }),
    setCacheBudget: (bytes, collect) => pool?.setCacheBudget(bytes, collect),
    holdQueries: (on) => pool?.holdQueries(on),
    collect: () => pool?.collect(),
    close: async () => pool?.close(),
  }
}
