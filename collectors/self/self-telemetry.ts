/**
 * @module collectors/self/self-telemetry
 * BlazeDB's own metrics: OTLP ingest counters, every collector's counters and errors, query
 * latencies, storage sizes per tenant and signal, and the process's memory and CPU. Served at
 * `/metrics` in the Prometheus text format, and, when configured, stored every interval as
 * metrics of a system tenant (parsed back from the same text, so both always agree).
 */
import { cpuUsage, memoryUsage } from 'node:process'
import type { IngestStats } from '../../ingest/index.ts'
import { processMemory, SIGNALS, ThreadMemoryWatch, type Store } from '../../storage/index.ts'
import type { BatchSink, CollectorSnapshot } from '../collector-stats.ts'
import { CollectorStats } from '../collector-stats.ts'
import { sinkFailure } from '../errors.ts'
import { pointKind } from '../prom-metric-kind.ts'
import { PromPointWriter } from '../prom-point-writer.ts'
import { parseExposition } from '../scrape/exposition-parser.ts'
import { writePromText, type PromFamily } from './prom-text-writer.ts'

/** Query latency buckets, seconds: from a cached lookup to a query near its time limit. */
const QUERY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
const SCOPE_NAME = 'blazedb/collectors/self'

/** What waits inside the server now (gauges): work taken in and not yet done. */
export interface QueueDepths {
  /** Bytes of OTLP requests being read, decoded or stored, and the bound past which requests are refused (429). */
  ingestInflightBytes: number
  ingestInflightLimitBytes: number
  /** OTLP requests handed to the decoding threads and not yet decoded. */
  ingestDecodeWaiting: number
  /** Queries running on the query threads, and waiting for one. */
  queriesRunning: number
  queriesQueued: number
  /** Estimated bytes the running queries hold together, the bound on them (query/query-memory.ts),
   * queries that waited in the queue for them to let go, and that waited at a pace. */
  queriesMemoryBytes?: number
  queriesMemoryLimitBytes?: number
  queriesDeferred?: number
  queriesPaced?: number
  /** The configured memoryLimit, and how hard the server sheds load to stay under it: 0 not, 1 queries one at a time, 2 new OTLP requests refused too. */
  memoryLimitBytes?: number
  memoryPressure?: number
  /** The query threads' block cache budget now (shrunk under memory pressure). */
  queryCacheBudgetBytes?: number
  /** The memory guard's decisions since start, by kind (cli/memory-guard.ts: shrink, regrow, climb, spike). */
  memoryGuardDecisions?: Record<string, number>
}

export interface SelfTelemetryOptions {
  store: Store
  ingest?: () => IngestStats
  queues?: () => QueueDepths
  collectors: () => CollectorSnapshot[]
}

export class SelfTelemetry {
  readonly stats = new CollectorStats('self')
  private readonly o: SelfTelemetryOptions
  private readonly started = Date.now()
  private readonly queryBuckets = new Map<string, number[]>()
  private readonly querySums = new Map<string, number>()
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private stopped = false
  /** Every worker thread's latest memory report (storage's thread-memory.ts). */
  private readonly threadMemory = new ThreadMemoryWatch()

  constructor(options: SelfTelemetryOptions) {
    this.o = options
  }

  /** Records one query answered with HTTP `status` after `seconds`. */
  observeQuery(seconds: number, status: number): void {
    const code = String(status)
    let counts = this.queryBuckets.get(code)
    if (counts === undefined) {
      counts = new Array<number>(QUERY_BUCKETS.length + 1).fill(0)
      this.queryBuckets.set(code, counts)
    }
    for (let i = 0; i < QUERY_BUCKETS.length; i++) if (seconds <= QUERY_BUCKETS[i]) counts[i]++
    counts[QUERY_BUCKETS.length]++
    this.querySums.set(code, (this.querySums.get(code) ?? 0) + seconds)
  }

  /** Every family, now. */
  families(): PromFamily[] {
    const f: PromFamily[] = []
    const ingest = this.o.ingest?.()
    if (ingest !== undefined) {
      f.push({ name: 'blazedb_ingest_records_accepted_total', help: 'OTLP records stored, per signal.', type: 'counter', samples: Object.entries(ingest.accepted).map(([signal, value]) => ({ labels: { signal }, value })) })
      f.push({ name: 'blazedb_ingest_records_rejected_total', help: 'OTLP records refused, per signal.', type: 'counter', samples: Object.entries(ingest.rejected).map(([signal, value]) => ({ labels: { signal }, value })) })
      f.push({ name: 'blazedb_ingest_records_duplicate_total', help: 'OTLP records of retried requests whose Idempotency-Key was stored already (not stored again), per signal.', type: 'counter', samples: Object.entries(ingest.duplicate).map(([signal, value]) => ({ labels: { signal }, value })) })
      f.push({ name: 'blazedb_ingest_requests_total', help: 'OTLP requests answered, per transport.', type: 'counter', samples: Object.entries(ingest.requests).map(([transport, value]) => ({ labels: { transport }, value })) })
      f.push({ name: 'blazedb_ingest_errors_total', help: 'Failed OTLP requests, by error code.', type: 'counter', samples: Object.entries(ingest.errors).map(([code, value]) => ({ labels: { code }, value: value ?? 0 })) })
    }
    const collectors = this.o.collectors()
    f.push({
      name: 'blazedb_collector_events_total',
      help: 'Collector counters (requests, samples, records, scrapes, ...), by collector and counter.',
      type: 'counter',
      samples: collectors.flatMap((c) => Object.entries(c.counters).map(([counter, value]) => ({ labels: { collector: c.name, counter }, value }))),
    })
    f.push({
      name: 'blazedb_collector_errors_total',
      help: 'Collector errors, by collector and error code.',
      type: 'counter',
      samples: collectors.flatMap((c) => Object.entries(c.errorsByCode).map(([code, value]) => ({ labels: { collector: c.name, code }, value }))),
    })
    const query: PromFamily = { name: 'blazedb_query_duration_seconds', help: 'Time to answer POST /api/v1/query, by HTTP status.', type: 'histogram', samples: [] }
    for (const [status, counts] of this.queryBuckets) {
      QUERY_BUCKETS.forEach((le, i) => query.samples.push({ suffix: '_bucket', labels: { status, le: String(le) }, value: counts[i] }))
      query.samples.push({ suffix: '_bucket', labels: { status, le: '+Inf' }, value: counts[QUERY_BUCKETS.length] })
      query.samples.push({ suffix: '_sum', labels: { status }, value: this.querySums.get(status) ?? 0 })
      query.samples.push({ suffix: '_count', labels: { status }, value: counts[QUERY_BUCKETS.length] })
    }
    f.push(query)
    const rows: PromFamily = { name: 'blazedb_storage_rows', help: 'Rows stored, per tenant and signal.', type: 'gauge', samples: [] }
    const memRows: PromFamily = { name: 'blazedb_storage_rows_in_memory', help: 'Rows not yet flushed to part files, per tenant and signal.', type: 'gauge', samples: [] }
    const bytes: PromFamily = { name: 'blazedb_storage_bytes', help: 'Bytes on disk, per tenant and signal.', type: 'gauge', samples: [] }
    const parts: PromFamily = { name: 'blazedb_storage_partitions', help: 'Time partitions, per tenant and signal.', type: 'gauge', samples: [] }
    for (const tenant of this.o.store.tenants()) {
      for (const signal of SIGNALS) {
        const s = this.o.store.stats(tenant, signal)
        const labels = { tenant, signal }
        rows.samples.push({ labels, value: s.rows })
        memRows.samples.push({ labels, value: s.rowsInMemory })
        bytes.samples.push({ labels, value: s.bytesOnDisk })
        parts.samples.push({ labels, value: s.partitions })
      }
    }
    f.push(rows, memRows, bytes, parts)
    const q = this.o.queues?.()
    if (q !== undefined) {
      f.push({ name: 'blazedb_ingest_inflight_bytes', help: 'Bytes of OTLP requests being read, decoded or stored.', type: 'gauge', samples: [{ value: q.ingestInflightBytes }] })
      f.push({ name: 'blazedb_ingest_inflight_limit_bytes', help: 'In-flight bytes past which OTLP requests are refused with 429.', type: 'gauge', samples: [{ value: q.ingestInflightLimitBytes }] })
      f.push({ name: 'blazedb_ingest_decode_waiting', help: 'OTLP requests waiting for or being decoded on the decoding threads.', type: 'gauge', samples: [{ value: q.ingestDecodeWaiting }] })
      f.push({ name: 'blazedb_queries_running', help: 'Queries running on the query threads.', type: 'gauge', samples: [{ value: q.queriesRunning }] })
      f.push({ name: 'blazedb_queries_queued', help: 'Queries waiting for a query thread.', type: 'gauge', samples: [{ value: q.queriesQueued }] })
      if (q.queriesMemoryBytes !== undefined) f.push({ name: 'blazedb_queries_memory_bytes', help: 'Estimated bytes of buffered state all running queries hold together.', type: 'gauge', samples: [{ value: q.queriesMemoryBytes }] })
      if (q.queriesMemoryLimitBytes !== undefined && Number.isFinite(q.queriesMemoryLimitBytes)) f.push({ name: 'blazedb_queries_memory_limit_bytes', help: 'Bound on what all running queries hold together (a share of memoryLimit): past it all but the oldest wait at their next pace.', type: 'gauge', samples: [{ value: q.queriesMemoryLimitBytes }] })
      if (q.queriesDeferred !== undefined) f.push({ name: 'blazedb_queries_deferred_total', help: 'Queries that waited in the queue for the running queries to let memory go.', type: 'counter', samples: [{ value: q.queriesDeferred }] })
      if (q.queriesPaced !== undefined) f.push({ name: 'blazedb_queries_paced_total', help: 'Times a running query waited at its pace for older queries to let memory go (past the bound on them all, or memory near memoryLimit).', type: 'counter', samples: [{ value: q.queriesPaced }] })
      if (q.memoryLimitBytes !== undefined) f.push({ name: 'blazedb_memory_limit_bytes', help: 'The configured memoryLimit, bytes.', type: 'gauge', samples: [{ value: q.memoryLimitBytes }] })
      if (q.queryCacheBudgetBytes !== undefined) f.push({ name: 'blazedb_query_block_cache_budget_bytes', help: 'Budget of the query threads\' block cache now (shrunk while memory is near memoryLimit).', type: 'gauge', samples: [{ value: q.queryCacheBudgetBytes }] })
      if (q.memoryGuardDecisions !== undefined) f.push({ name: 'blazedb_memory_guard_decisions_total', help: 'Decisions of the memory guard: block cache shrunk or grown back, acted on at once on a steep climb, overshoot ignored as a spike (it passed within 2 s).', type: 'counter', samples: Object.entries(q.memoryGuardDecisions).map(([decision, value]) => ({ labels: { decision }, value })) })
      if (q.memoryPressure !== undefined) f.push({ name: 'blazedb_memory_pressure', help: 'Load shed to stay under memoryLimit: 0 none, 1 queries one at a time (others 503), 2 new OTLP requests refused (429) too.', type: 'gauge', samples: [{ value: q.memoryPressure }] })
    }
    const mem = memoryUsage()
    const cpu = cpuUsage()
    f.push({ name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes.', type: 'gauge', samples: [{ value: mem.rss }] })
    f.push({ name: 'nodejs_heap_used_bytes', help: 'V8 heap in use, bytes.', type: 'gauge', samples: [{ value: mem.heapUsed }] })
    f.push({ name: 'nodejs_heap_total_bytes', help: 'V8 heap reserved, bytes.', type: 'gauge', samples: [{ value: mem.heapTotal }] })
    f.push({ name: 'nodejs_external_memory_bytes', help: 'Memory of buffers and other objects outside the V8 heap, bytes.', type: 'gauge', samples: [{ value: mem.external + mem.arrayBuffers }] })
    f.push(...this.memoryFamilies())
    f.push({ name: 'process_cpu_seconds_total', help: 'User and system CPU time spent, seconds.', type: 'counter', samples: [{ value: (cpu.user + cpu.system) / 1e6 }] })
    f.push({ name: 'process_start_time_seconds', help: 'Start time of the process since the epoch, seconds.', type: 'gauge', samples: [{ value: Math.floor(this.started / 1000) }] })
    return f
  }

  /** Resident memory as Linux splits it, and each kind of thread's heaps and buffers (summed
   * over the threads of a kind; SharedArrayBuffers count in every thread holding them). */
  private memoryFamilies(): PromFamily[] {
    const f: PromFamily[] = []
    const proc = processMemory()
    if (proc !== undefined) {
      f.push({ name: 'process_resident_memory_anon_bytes', help: 'Resident anonymous memory (heaps, allocator arenas, array buffers), bytes.', type: 'gauge', samples: [{ value: proc.rssAnon }] })
      f.push({ name: 'process_resident_memory_file_bytes', help: 'Resident file-backed memory (code, mapped files), bytes.', type: 'gauge', samples: [{ value: proc.rssFile }] })
      f.push({ name: 'process_resident_memory_shmem_bytes', help: 'Resident shared memory objects, bytes.', type: 'gauge', samples: [{ value: proc.rssShmem }] })
      f.push({ name: 'process_resident_memory_peak_bytes', help: 'Peak resident memory since start, bytes.', type: 'gauge', samples: [{ value: proc.peakRss }] })
    }
    const sums = new Map<string, { threads: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number; extra: Record<string, number>; extraSum: Record<string, number> }>()
    for (const t of this.threadMemory.threads()) {
      let s = sums.get(t.role)
      if (s === undefined) sums.set(t.role, (s = { threads: 0, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0, extra: {}, extraSum: {} }))
      s.threads++
      s.heapUsed += t.heapUsed
      s.heapTotal += t.heapTotal
      s.external += t.external
      s.arrayBuffers += t.arrayBuffers
      // Extra figures of something the threads share (the query threads' one block cache): the
      // largest report; of something each has (its partial aggregates): the sum (extraSum).
      for (const [k, v] of Object.entries(t.extra ?? {})) {
        s.extra[k] = Math.max(s.extra[k] ?? 0, v)
        s.extraSum[k] = (s.extraSum[k] ?? 0) + v
      }
    }
    const family = (name: string, help: string, value: (s: NonNullable<ReturnType<typeof sums.get>>) => number): PromFamily => ({
      name,
      help,
      type: 'gauge',
      samples: [...sums].map(([thread, s]) => ({ labels: { thread }, value: value(s) })),
    })
    f.push(family('blazedb_threads', 'Threads reporting their memory, by kind (main, query, part-writer, decode).', (s) => s.threads))
    f.push(family('blazedb_thread_heap_used_bytes', 'V8 heap in use, summed over the threads of a kind, bytes.', (s) => s.heapUsed))
    f.push(family('blazedb_thread_heap_total_bytes', 'V8 heap reserved, summed over the threads of a kind, bytes.', (s) => s.heapTotal))
    f.push(family('blazedb_thread_external_bytes', 'Memory outside the V8 heaps (buffers, native objects), summed over the threads of a kind, bytes.', (s) => s.external))
    f.push(family('blazedb_thread_array_buffers_bytes', 'ArrayBuffers and SharedArrayBuffers held, summed over the threads of a kind (shared ones count in each holder), bytes.', (s) => s.arrayBuffers))
    const query = sums.get('query')?.extra
    if (query?.blockCacheBytes !== undefined) f.push({ name: 'blazedb_query_block_cache_bytes', help: 'Decoded column chunks the query threads share, estimated bytes.', type: 'gauge', samples: [{ value: query.blockCacheBytes }] })
    const own = sums.get('query')?.extraSum
    if (own?.partialCacheBytes !== undefined) {
      f.push({ name: 'blazedb_query_partial_cache_bytes', help: "Blocks' partial aggregates the query threads keep (query/stats-cache.ts), estimated bytes, summed over the threads.", type: 'gauge', samples: [{ value: own.partialCacheBytes }] })
      f.push({ name: 'blazedb_query_partial_cache_budget_bytes', help: "Budget of the query threads' partial aggregates, summed over the threads (a share of the block cache's budget).", type: 'gauge', samples: [{ value: own.partialCacheBudgetBytes ?? 0 }] })
      f.push({ name: 'blazedb_query_partial_cache_hits_total', help: "Blocks answered from the query threads' partial aggregates, summed over the threads (a thread started anew starts from 0).", type: 'counter', samples: [{ value: own.partialCacheHits ?? 0 }] })
      f.push({ name: 'blazedb_query_partial_cache_misses_total', help: "Blocks aggregated and kept in the query threads' partial aggregates, summed over the threads.", type: 'counter', samples: [{ value: own.partialCacheMisses ?? 0 }] })
    }
    return f
  }

  /** The Prometheus text exposition. */
  render(): string {
    return writePromText(this.families())
  }

  /** Stores the metrics under `tenant` every `intervalMs`, as job "blazedb". */
  startStoring(tenant: string, intervalMs: number, sink: BatchSink): void {
    const tick = (): void => {
      if (this.stopped) return
      this.running = this.storeOnce(tenant, sink).finally(() => {
        this.running = undefined
        if (!this.stopped) this.timer = setTimeout(tick, intervalMs)
      })
    }
    this.timer = setTimeout(tick, intervalMs)
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    this.threadMemory.close()
    await this.running
  }

  /** One reading stored as metric points; never throws. */
  async storeOnce(tenant: string, sink: BatchSink, now = Date.now()): Promise<void> {
    const exposition = parseExposition(this.render(), 'text')
    const writer = new PromPointWriter(SCOPE_NAME)
    const labels: [string, string][] = [['job', 'blazedb']]
    for (const s of exposition.samples) {
      const family = exposition.families.get(s.name) ?? exposition.families.get(s.name.replace(/_(bucket|sum|count)$/, ''))
      const known = family === undefined ? undefined : { family: s.name.replace(/_(bucket|sum|count)$/, ''), info: family }
      writer.add({ name: s.name, labels: [...s.labels, ...labels], value: s.value, timeUnixNano: BigInt(now) * 1_000_000n, kind: pointKind(s.name, false, known), help: family?.help })
    }
    const batch = writer.take()
    if (batch === undefined) return
    try {
      await sink(tenant, batch)
      this.stats.add('pointsStored', batch.length)
    } catch (error) {
      const e = sinkFailure(error)
      this.stats.error(e.code, e.message)
    }
  }
}
