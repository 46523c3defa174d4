/**
 * @module query/query-worker
 * A query thread: runs one query at a time over the scan snapshots it is sent (plan-scans.ts,
 * snapshot-store.ts), through the block cache all threads of its pool share, and answers with
 * the result (or its JSON, made here rather than on the event loop) or the error.
 * A `cancel` message aborts the query in progress; the budget notices at its next check.
 * The thread lowers its own CPU priority first (limits.ts QUERY_THREAD_NICE), then warms up
 * (thread-warmup.ts) until its first query.
 */
import { readlinkSync } from 'node:fs'
import { setPriority } from 'node:os'
import { parentPort, workerData } from 'node:worker_threads'
import { BufferCeiling, fullCollection, indexBudget, limits, reportThreadMemory, SharedBlockCache, SharedMemoryCollector, sharedBytes, SnapshotScanner, traceLookup, youngCollection, type ChunkCache, type ScanSnapshot } from '../storage/index.ts'
import { DEFAULT_LIMITS, runQuery } from './engine.ts'
import { parseMemo } from './parser.ts'
import { planMemo } from './planner.ts'
import { QueryError } from './errors.ts'
import type { QueryThreadData, QueryThreadReply, QueryThreadRequest } from './query-protocol.ts'
import { SnapshotStore } from './snapshot-store.ts'
import { setPaceGate } from './budget.ts'
import { yieldGate } from './yield-gate.ts'
import { cpuShareGate } from './cpu-share.ts'
import { PARTIAL_CACHE_SHARE, QUERY_CPU_BURST_MS, QUERY_CPU_MAX_WAIT_MS, QUERY_INGEST_QUIET_MS, QUERY_YIELD_MAX_MS, QUERY_AHEAD_SHARE, QUERY_BUFFER_ALLOWANCE_SHARE, QUERY_BUFFER_CHECK_BYTES, QUERY_WARMUP_MS, QUERY_WARMUP_ROUNDS, QUERY_YOUNG_COLLECT_BYTES } from './limits.ts'
import { PartialCache } from './stats-cache.ts'
import { QueryMemorySlot } from './query-memory.ts'
import { warmupRuns } from './thread-warmup.ts'

/** Gives this thread (not the process) a lower CPU priority; where threads have no ids of their own, nothing. */
function lowerPriority(nice: number): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop())
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, nice)
  } catch {
    // Not Linux: the thread keeps the process's priority.
  }
}

/** What every pace of this thread calls first; undefined when nothing comes before queries. */
function paceGate({ yieldTo, cpuRate, cpuLedger }: QueryThreadData): (() => void) | undefined {
  if (yieldTo === undefined) return undefined
  const pause = yieldGate(yieldTo)
  if (cpuRate === undefined || cpuLedger === undefined) return pause
  const share = cpuShareGate(cpuLedger, yieldTo, { rate: cpuRate, burstMs: QUERY_CPU_BURST_MS, quietMs: QUERY_INGEST_QUIET_MS, maxPauseMs: QUERY_YIELD_MAX_MS, maxWaitMs: QUERY_CPU_MAX_WAIT_MS })
  return () => {
    share()
    pause()
  }
}

const data = workerData as QueryThreadData
// Held, never read: it keeps V8 from marking the thread's small heap after every collection
// (limits.ts). Exported so that it lives in the module's record, not in a frame of its evaluation.
export const heapReserve: number[] = new Array(Math.floor(data.heapReserveBytes / 8)).fill(0.5)
lowerPriority(data.nice)
// Between batches, the thread waits while exports are in flight (bounded: yield-gate.ts), and
// while they keep coming the pool's threads together keep to their share of the CPU (cpu-share.ts).
const gate = paceGate(data)
setPaceGate(gate)
// Part indexes are kept per thread: each takes its share of the budget for them.
const collect = fullCollection()
// Memory is short when the cache is cut: the heap's emptied pages go back too.
const shrink = fullCollection(true)
const cache = new SharedBlockCache(data.cacheBytes, data.cacheChannel, data.threads, collect)
// A query's head batches come in shared memory, kept by this thread until it collects.
const collector = new SharedMemoryCollector(limits.SHARED_COLLECT_BYTES, collect)
// Chunks this thread decodes leave garbage buffers behind (and copies in shared memory when
// cached): past the cached chunks it decoded and a working allowance (sized from memoryLimit
// through the cache's budget), the thread collects, so that a query's transient buffers stay
// bounded however much it scans.
// Besides, once QUERY_YOUNG_COLLECT_BYTES were decoded, a scavenge at the next block a scan is
// past frees the blocks before it, young garbage, without waiting for a full collection.
const ceiling = new BufferCeiling(() => cache.ownSize, data.cacheBytes * QUERY_BUFFER_ALLOWANCE_SHARE, QUERY_BUFFER_CHECK_BYTES, collect, undefined, { collect: youngCollection(), every: QUERY_YOUNG_COLLECT_BYTES })
/** The running query's scans that may need help, asked for once the thread decodes a chunk. */
let unhelped: QueryThreadReply[] = []
const metered: ChunkCache = {
  has: (key) => cache.has(key),
  get: (key) => cache.get(key),
  set: (key, column) => {
    cache.set(key, column)
    // A decode means the scans are not all cached: helpers now have something to do.
    for (const help of unhelped.splice(0)) parentPort?.postMessage(help)
  },
  clear: () => cache.clear(),
}
const scanner = new SnapshotScanner(metered, indexBudget(data.cacheBytes / data.threads), ceiling)
// Blocks' partial aggregates: a dashboard's refresh aggregates only the blocks new since the last.
const partials = data.partials ? new PartialCache(data.cacheBytes * PARTIAL_CACHE_SHARE) : undefined
// The partials' figures are this thread's own (/metrics sums them over the threads); the block cache's are shared.
reportThreadMemory('query', () => ({ blockCacheBytes: cache.size.bytes, indexBytes: scanner.cachedIndexBytes, ...(partials === undefined ? {} : { partialCacheBytes: partials.bytes, partialCacheBudgetBytes: partials.budgetBytes, partialCacheHits: partials.hits, partialCacheMisses: partials.misses }) }))
// This thread's slot in the bound on all running queries' memory.
const memory = new QueryMemorySlot(data.memory, data.memoryBytes, data.slot)
const running = new Map<number, AbortController>()
const encoder = new TextEncoder()
// The thread runs one query at a time, so the trees (and plans) of recent texts can serve each run.
const parse = parseMemo()
const plan = planMemo()
// The pool sends a query only once the thread is ready: starting a thread (loading the engine)
// takes a few hundred milliseconds that must not count against a query's time limit.
parentPort?.postMessage({ ready: true } satisfies QueryThreadReply)

type RunMessage = Omit<Extract<QueryThreadRequest, { kind: 'run' }>, 'kind' | 'id'>

/** Runs the warm-up queries (thread-warmup.ts) while the thread has nothing else to do: it
 * stops for good at the first query (or help for one) sent, so a query waits for at most one
 * warm-up run (in a server up for a while, the thread is warm long before), and after QUERY_WARMUP_MS. */
function startWarmup(): { stop(): void } {
  let stopped = false
  const deadline = performance.now() + QUERY_WARMUP_MS
  void (async () => {
    for await (const run of warmupRuns(QUERY_WARMUP_ROUNDS)) {
      // A turn of the event loop first: a query sent meanwhile stops the warm-up.
      await new Promise((resolve) => setImmediate(resolve))
      if (stopped || performance.now() > deadline) return
      await answer(run)
    }
  })()
  return { stop: () => (stopped = true) }
}
const warmup = startWarmup()

/** Helping another thread's query: whether its stop has come, by query id. */
const warming = new Map<number, { stopped: boolean }>()

async function warm(message: Extract<QueryThreadRequest, { kind: 'warm' }>): Promise<void> {
  const state = { stopped: false }
  warming.set(message.id, state)
  let decoded = 0
  try {
    // Helpers together decode at most `ahead` (the query thread's bound: see limits.ts QUERY_AHEAD_SHARE).
    const walk = { offset: message.offset, stride: message.stride, maxBytes: message.ahead / message.stride }
    decoded = await scanner.warm(message.snapshot, message.request, walk, () => {
      gate?.()
      return state.stopped
    })
  } catch {
    // What cannot be read, the query's own scan reports.
  } finally {
    warming.delete(message.id)
  }
  parentPort?.postMessage({ id: message.id, warmed: decoded } satisfies QueryThreadReply)
}

/** Shared bytes of a snapshot's head batches (arrays and packed columns). */
function headBytes(snapshot: ScanSnapshot): number {
  let bytes = 0
  for (const sb of snapshot.head) {
    bytes += sharedBytes(sb.batch)
    for (const name in sb.packed) bytes += sb.packed[name].byteLength
  }
  return bytes
}

/** Runs one query of the pool (`message`), or of the warm-up (no id: nothing else to track). */
async function answer(message: RunMessage, id?: number): Promise<QueryThreadReply> {
  const { query, options } = message
  const controller = new AbortController()
  if (id !== undefined) {
    running.set(id, controller)
    memory.begin(id)
  }
  try {
    const store = new SnapshotStore(scanner, new Map(message.snapshots), (key, request) => {
      // A top-k scan reads blocks best first and skips most (storage's scan-top.ts), a trace
      // lookup a few rows of a few blocks: helpers decoding every block from the other end
      // would only spend CPU ingest could use. Nor is there anything to help with when every
      // chunk the scan reads is decoded already, so help is asked for only once the thread
      // decodes one (metered.set): a warm query walks no block ahead of its scan for that. Nor when
      // the scan reuses blocks' aggregates (helpers would decode the blocks it skips).
      if (request.top !== undefined || request.reuse !== undefined || traceLookup(request) !== undefined) return
      // Blocks decoded ahead wait, unconsumed, until the scan reaches them: at most half the cache
      // (which must still hold the query's own chunks), and a share of the query's memory budget.
      const ahead = Math.min(data.cacheBytes / 2, (options.limits?.maxMemoryBytes ?? DEFAULT_LIMITS.maxMemoryBytes) * QUERY_AHEAD_SHARE)
      const help = { key, ahead, request: { columns: request.columns, start: request.start, end: request.end, where: request.where, timeForRangeOnly: request.timeForRangeOnly } }
      unhelped.push({ id, help } satisfies QueryThreadReply)
    })
    // The warm-up parses and plans every time (that code is what a new text runs), and holds no
    // place in the bound on running queries' memory.
    const memos = id === undefined ? {} : { parse, plan, memory }
    const result = await runQuery(query, { ...options, store, signal: controller.signal, ...memos, partials })
    if (message.jsonSince === undefined) return { id, result }
    result.stats.elapsedMs = performance.timeOrigin + performance.now() - message.jsonSince
    return { id, json: encoder.encode(JSON.stringify(result)) }
  } catch (error) {
    if (error instanceof QueryError) return { id, error: { kind: 'query', code: error.code, message: error.message, line: error.line, column: error.column, source: error.source } }
    return { id, error: { kind: 'internal', message: (error as Error)?.message ?? String(error), stack: (error as Error)?.stack } }
  } finally {
    if (id !== undefined) {
      running.delete(id)
      memory.end()
      unhelped = []
    }
  }
}

parentPort?.on('message', async (message: QueryThreadRequest) => {
  if (message.kind === 'cancel') {
    running.get(message.id)?.abort(new Error('cancelled'))
    return
  }
  if (message.kind === 'stop-warm') {
    const state = warming.get(message.id)
    if (state !== undefined) state.stopped = true
    return
  }
  if (message.kind === 'warm') {
    warmup.stop()
    return warm(message)
  }
  if (message.kind === 'cache-budget') {
    // Every thread is sent one: each drops what passes the new budget (announced to all) and collects what it held.
    cache.resize(message.bytes)
    partials?.resize(message.bytes * PARTIAL_CACHE_SHARE)
    if (message.collect) shrink?.()
    return
  }
  warmup.stop()
  const reply = await answer(message, message.id)
  // JSON bytes are moved, not copied: the event loop only writes them to the socket.
  parentPort?.postMessage(reply, reply.json === undefined ? [] : [reply.json.buffer])
  // After the answer, not before: a collection would delay it.
  collector.released(message.snapshots.reduce((n, [, s]) => n + headBytes(s), 0))
})
