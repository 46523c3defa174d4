/**
 * @module query/query-pool
 * Query threads (query-worker.ts), one query each at a time, and a queue of queries waiting
 * for one. A query takes its snapshots only when a thread takes it (`prepare`), so a waiting
 * query holds no files and no head batches.
 *
 * Contract: every query settles exactly once. Its deadline holds even when the thread cannot
 * stop it (a stretch of work without a budget check): past the deadline, or a cancellation,
 * by QUERY_STOP_GRACE_MS, the thread is terminated and a new one started. A thread that dies
 * (an uncaught exception, its heap limit) fails its query with an error and is replaced.
 * A query's `release` runs only once its thread has answered or exited and every thread
 * helping it has stopped, never while a thread may still read the snapshot.
 *
 * Threads with nothing to do help: when a query's thread decodes the first chunk of its scans
 * of part files and no query waits, the idle threads decode those scans' blocks from their
 * other end into the block cache they share (`warm`), so a query alone scans on every thread; a thread that a waiting
 * query needs stops helping first (`stop-warm`).
 *
 * A query goes to the thread that last ran the same text when that thread is free (`affinity`):
 * each thread compiles its own code (V8 optimises a path only after it has run it many times)
 * and keeps its own derived data of cached blocks, so a dashboard refreshed or a query re-run
 * spread over threads would warm each of them up in turn. When that thread is busy, or still
 * finishing a block it decodes to help another query, the query takes another free one:
 * affinity never makes a query wait.
 *
 * Memory pressure (`pressure`, the server's memory near its limit): one query runs at a time,
 * at most QUERY_PRESSURE_QUEUE wait and the next is refused (OVERLOADED, retry later),
 * no thread helps; `setCacheBudget` shrinks (or restores) the threads' block cache;
 * `holdQueries` holds every running query but the oldest at its next pace.
 *
 * Memory of all running queries together (query-memory.ts, `memoryBytes`): a query that alone
 * passes it fails (MEMORY_LIMIT); past it, running queries but the oldest wait at their next
 * pace; while the running ones hold QUERY_ADMIT_SHARE of it, waiting queries stay queued.
 */
import { randomUUID } from 'node:crypto'
import { Worker } from 'node:worker_threads'
import { cpuShareLedger } from './cpu-share.ts'
import { QueryError } from './errors.ts'
import { QUERY_ADMIT_SHARE, QUERY_AFFINITY_TEXTS, QUERY_PRESSURE_QUEUE, QUERY_STOP_GRACE_MS, QUERY_THREAD_HEAP_MB, QUERY_THREAD_HEAP_RESERVE_MB, QUERY_THREAD_NICE } from './limits.ts'
import { QueryMemory, queryMemoryWords } from './query-memory.ts'
import type { QueryResult } from './engine.ts'
import type { ScanSnapshot } from '../storage/index.ts'
import type { QueryThreadData, QueryThreadReply, QueryThreadRequest } from './query-protocol.ts'

export const QUERY_WORKER_URL = new URL('./query-worker.ts', import.meta.url)

/** What a thread is sent for one query, and what to let go of once it is done. */
export interface PreparedQuery {
  message: Omit<Extract<QueryThreadRequest, { kind: 'run' }>, 'kind' | 'id'>
  release(): void
}

export interface PoolTask {
  /** Called when a thread takes the query, with the milliseconds left before its deadline. */
  prepare(remainingMs: number): PreparedQuery
  /** performance.now() at which the query fails with TIMEOUT. */
  deadline: number
  /** The time limit, for the message. */
  timeoutMs: number
  signal?: AbortSignal
  /** The query's text: it runs on the thread that last ran the same text when that one is free. */
  affinity?: string
}

/** A thread's answer: the result, or its JSON when the query asked for it (jsonSince). */
export type PoolAnswer = QueryResult | Uint8Array<ArrayBuffer>

interface Queued {
  task: PoolTask
  /** It waited for the running queries' memory to come down before it started (counted once). */
  deferred?: boolean
  resolve: (answer: PoolAnswer) => void
  reject: (error: Error) => void
  onAbort?: () => void
}

interface Running extends Queued {
  id: number
  release: () => void
  timer?: NodeJS.Timeout
  snapshots: ReadonlyMap<string, ScanSnapshot>
  /** Its thread has answered or exited. */
  done: boolean
  /** Threads decoding blocks of its scans (`warm`): its snapshots are released once none is. */
  helpers: number
  /** Scans it started that found no idle thread, for a helper that becomes free. */
  unhelped: NonNullable<QueryThreadReply['help']>[]
}

interface Slot {
  worker: Worker
  /** The thread has started and takes queries. */
  ready: boolean
  job?: Running
  /** The query whose blocks this thread decodes ahead while idle (warm). */
  helping?: Running
  /** Why the thread is being stopped: the error its query fails with. */
  stopping?: Error
  /** The error the thread died of, reported before its exit. */
  crash?: string
}

export const cancelledError = (why = 'it was cancelled'): QueryError => new QueryError('CANCELLED', `cannot finish query: ${why}`)
export const timeoutError = (ms: number): QueryError => new QueryError('TIMEOUT', `cannot finish query: it ran longer than its limit of ${ms} ms`)

export class QueryPool {
  private readonly slots: Slot[] = []
  private readonly queue: Queued[] = []
  private readonly data: Omit<QueryThreadData, 'slot'>
  /** What all running queries hold, and their bound. */
  readonly memory: QueryMemory
  private readonly url: URL
  private nextId = 1
  private closed = false
  /** Threads started in place of one that died or was stopped. */
  restarts = 0
  /** Chunks threads decoded ahead for another thread's query (warm). */
  warmed = 0
  /** Queries that ran on the thread that last ran their text (affinity). */
  affine = 0
  /** Queries that waited in the queue for the running queries' memory to come down (QUERY_ADMIT_SHARE). */
  deferred = 0
  /** The slot that last ran each recent text, least recently run first. */
  private readonly lastRan = new Map<string, Slot>()

  private readonly stopGraceMs: number
  private readonly pressure: () => string | undefined
  /** The block cache's budget given by setCacheBudget (a thread started later is told it too). */
  private cacheBudget: number | undefined

  /** `cacheBytes`: the budget of the block cache all the threads share (storage's SharedBlockCache);
   * `pressure`: why memory is short now (a message), undefined when it is not; `yieldTo`: a count
   * in shared memory the threads pause for while it is above 0, and `cpuRate` the CPU they may use
   * together meanwhile (QueryThreadData); `memoryBytes`: the bound on all running queries' memory
   * together (none by default); `heapReserveBytes`: each thread's heap reserve. */
  constructor(threads: number, cacheBytes: number, options: { url?: URL; stopGraceMs?: number; pressure?: () => string | undefined; yieldTo?: Int32Array; cpuRate?: number; partials?: boolean; memoryBytes?: number; heapReserveBytes?: number } = {}) {
    const cpuLedger = options.cpuRate === undefined ? undefined : cpuShareLedger()
    const words = queryMemoryWords(threads)
    this.memory = new QueryMemory(words, options.memoryBytes ?? Infinity)
    this.data = { cacheBytes, cacheChannel: `blazedb-block-cache-${process.pid}-${randomUUID()}`, threads, nice: QUERY_THREAD_NICE, yieldTo: options.yieldTo, cpuRate: options.cpuRate, cpuLedger, partials: options.partials ?? true, memory: words, memoryBytes: this.memory.maxBytes, heapReserveBytes: options.heapReserveBytes ?? QUERY_THREAD_HEAP_RESERVE_MB * 1024 * 1024 }
    this.url = options.url ?? QUERY_WORKER_URL
    this.stopGraceMs = options.stopGraceMs ?? QUERY_STOP_GRACE_MS
    this.pressure = options.pressure ?? (() => undefined)
    for (let i = 0; i < threads; i++) {
      const slot = { ready: false } as Slot
      this.slots.push(slot)
      slot.worker = this.spawn(slot)
    }
  }

  get running(): number {
    return this.slots.filter((s) => s.job !== undefined).length
  }

  get queued(): number {
    return this.queue.length
  }

  run(task: PoolTask): Promise<PoolAnswer> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(cancelledError('the server is shutting down'))
      if (task.signal?.aborted === true) return reject(cancelledError())
      const short = this.queue.length >= QUERY_PRESSURE_QUEUE ? this.pressure() : undefined
      if (short !== undefined) return reject(new QueryError('OVERLOADED', `cannot run the query now: ${short}, so queries run one at a time and ${this.queue.length} wait already; retry later`))
      const queued: Queued = { task, resolve, reject }
      queued.onAbort = () => {
        const at = this.queue.indexOf(queued)
        if (at >= 0) this.queue.splice(at, 1)
        reject(cancelledError())
      }
      task.signal?.addEventListener('abort', queued.onAbort, { once: true })
      this.queue.push(queued)
      this.dispatch()
    })
  }

  private spawn(slot: Slot): Worker {
    const data: QueryThreadData = { ...this.data, slot: this.slots.indexOf(slot) }
    const worker = new Worker(this.url, { workerData: data, resourceLimits: { maxOldGenerationSizeMb: QUERY_THREAD_HEAP_MB } })
    worker.unref()
    slot.ready = false
    if (this.cacheBudget !== undefined) worker.postMessage({ kind: 'cache-budget', bytes: this.cacheBudget, collect: false } satisfies QueryThreadRequest)
    worker.on('message', (reply: QueryThreadReply) => {
      if (slot.worker === worker && reply.ready === true) {
        slot.ready = true
        return this.dispatch()
      }
      if (slot.worker !== worker) return
      if (reply.warmed !== undefined) {
        this.warmed += reply.warmed
        this.helped(slot)
        return this.dispatch()
      }
      if (reply.help !== undefined) {
        const job = slot.job
        if (job !== undefined && job.id === reply.id) this.seekHelp(job, reply.help)
        return
      }
      if (slot.worker !== worker || slot.job?.id !== reply.id || slot.stopping !== undefined) return
      const job = this.finish(slot)
      if (reply.error === undefined) job.resolve(reply.json ?? reply.result!)
      else if (reply.error.kind === 'query') job.reject(new QueryError(reply.error.code, reply.error.message, reply.error))
      else job.reject(new Error(reply.error.message))
      this.dispatch()
    })
    worker.on('error', (error) => (slot.crash = error.message))
    worker.on('exit', (code) => {
      if (slot.worker !== worker) return
      const reason = slot.stopping ?? new Error(`cannot finish query: its thread failed (${slot.crash ?? `exit code ${code}`})`)
      const job = slot.job === undefined ? undefined : this.finish(slot)
      // What its query held is gone with the thread.
      this.memory.clear(data.slot)
      // A helper that exits reads nothing more.
      this.helped(slot)
      slot.stopping = undefined
      slot.crash = undefined
      if (!this.closed) {
        this.restarts++
        slot.worker = this.spawn(slot)
      }
      job?.reject(reason)
      this.dispatch()
    })
    return worker
  }

  /** Ends the slot's query: timers and listeners off, helpers stopped, snapshots released once
   * no thread reads them. */
  private finish(slot: Slot): Running {
    const job = slot.job!
    slot.job = undefined
    clearTimeout(job.timer)
    if (job.onAbort !== undefined) job.task.signal?.removeEventListener('abort', job.onAbort)
    job.done = true
    for (const s of this.slots) if (s.helping === job) s.worker.postMessage({ kind: 'stop-warm', id: job.id } satisfies QueryThreadRequest)
    if (job.helpers === 0) job.release()
    slot.worker.unref()
    return job
  }

  /**
   * `job`'s thread decodes the first chunk of a scan of a snapshot with parts: idle threads
   * (nothing queued) decode its blocks from the other end into the shared block cache, so that one query alone scans on
   * every thread. Without an idle thread, the scan waits for a helper that becomes free.
   */
  private seekHelp(job: Running, help: NonNullable<QueryThreadReply['help']>): void {
    const idle = this.idle()
    if (idle.length === 0) {
      job.unhelped.push(help)
      return
    }
    const snapshot = job.snapshots.get(help.key)
    if (snapshot === undefined) return
    idle.forEach((slot, k) => {
      slot.helping = job
      job.helpers++
      slot.worker.postMessage({ kind: 'warm', id: job.id, snapshot, request: help.request, offset: k, stride: idle.length, ahead: help.ahead } satisfies QueryThreadRequest)
    })
  }

  /** Threads that could help a query: started, no query of their own, none waiting, memory to spare. */
  private idle(): Slot[] {
    return this.queue.length > 0 || this.pressure() !== undefined ? [] : this.slots.filter((s) => s.ready && s.job === undefined && s.helping === undefined && s.stopping === undefined)
  }

  /** The slot has stopped helping (its warm ended, or the thread exited). */
  private helped(slot: Slot): void {
    const job = slot.helping
    if (job === undefined) return
    slot.helping = undefined
    job.helpers--
    if (job.done && job.helpers === 0) job.release()
  }

  private dispatch(): void {
    this.take()
    // Threads left idle help running queries with the scans they started meanwhile.
    for (const slot of this.slots) {
      const job = slot.job
      while (job !== undefined && job.unhelped.length > 0 && this.idle().length > 0) this.seekHelp(job, job.unhelped.shift()!)
    }
  }

  /** Starts waiting queries on free threads. */
  private take(): void {
    while (this.queue.length > 0 && !this.closed) {
      // Short of memory: queries queued before run one at a time.
      if (this.running > 0 && this.pressure() !== undefined) return
      // The running queries hold much of the bound on them all: the next starts once they let go.
      if (this.running > 0 && this.memory.bytes >= this.memory.maxBytes * QUERY_ADMIT_SHARE) {
        if (this.queue[0].deferred !== true) this.deferred++
        this.queue[0].deferred = true
        return
      }
      // A thread that helps another query is free too (it stops helping), after idle ones.
      const free = this.slots.filter((s) => s.ready && s.job === undefined && s.stopping === undefined)
      const key = this.queue[0].task.affinity
      const last = key === undefined ? undefined : this.lastRan.get(key)
      // The text's thread, unless it is still helping: the query would wait for its block.
      const lastFree = last !== undefined && free.includes(last)
      const slot = (lastFree && last.helping === undefined ? last : undefined) ?? free.find((s) => s.helping === undefined) ?? free[0]
      if (slot === undefined) return
      if (slot === last) this.affine++
      // Passed over only while it finished helping, it stays the text's thread.
      if (key !== undefined && (slot === last || !lastFree)) this.ranOn(key, slot)
      const queued = this.queue.shift()!
      if (queued.onAbort !== undefined) queued.task.signal?.removeEventListener('abort', queued.onAbort)
      this.start(slot, queued)
    }
  }

  /** Remembers `slot` as the thread of `key`, forgetting the least recently run text past QUERY_AFFINITY_TEXTS. */
  private ranOn(key: string, slot: Slot): void {
    this.lastRan.delete(key)
    this.lastRan.set(key, slot)
    if (this.lastRan.size > QUERY_AFFINITY_TEXTS) this.lastRan.delete(this.lastRan.keys().next().value!)
  }

  private start(slot: Slot, queued: Queued): void {
    const { task } = queued
    const remaining = Math.floor(task.deadline - performance.now())
    if (remaining <= 0) return queued.reject(timeoutError(task.timeoutMs))
    let prepared: PreparedQuery
    try {
      prepared = task.prepare(remaining)
    } catch (error) {
      return queued.reject(error as Error)
    }
    const job: Running = { ...queued, id: this.nextId++, release: prepared.release, onAbort: undefined, snapshots: new Map(prepared.message.snapshots), done: false, helpers: 0, unhelped: [] }
    if (slot.helping !== undefined) slot.worker.postMessage({ kind: 'stop-warm', id: slot.helping.id } satisfies QueryThreadRequest)
    slot.job = job
    slot.worker.ref()
    try {
      slot.worker.postMessage({ kind: 'run', id: job.id, ...prepared.message } satisfies QueryThreadRequest)
    } catch (error) {
      this.finish(slot)
      return queued.reject(error as Error)
    }
    job.timer = setTimeout(() => this.stop(slot, timeoutError(task.timeoutMs)), remaining + this.stopGraceMs)
    if (task.signal !== undefined) {
      job.onAbort = () => {
        slot.worker.postMessage({ kind: 'cancel', id: job.id } satisfies QueryThreadRequest)
        clearTimeout(job.timer)
        job.timer = setTimeout(() => this.stop(slot, cancelledError()), this.stopGraceMs)
      }
      task.signal.addEventListener('abort', job.onAbort, { once: true })
    }
  }

  /** Terminates the slot's thread; its exit fails the query with `reason` and starts a new thread. */
  private stop(slot: Slot, reason: Error): void {
    if (slot.stopping !== undefined) return
    slot.stopping = reason
    void slot.worker.terminate()
  }

  /** Gives the threads' shared block cache a new budget; `collect`: each thread then collects its garbage. */
  setCacheBudget(bytes: number, collect: boolean): void {
    this.cacheBudget = bytes
    for (const slot of this.slots) if (slot.stopping === undefined) slot.worker.postMessage({ kind: 'cache-budget', bytes, collect } satisfies QueryThreadRequest)
  }

  /** Each thread collects its garbage (at its next pace, when it runs a query): what its queries decoded and are past, the cache kept. */
  collect(): void {
    this.setCacheBudget(this.cacheBudget ?? this.data.cacheBytes, true)
  }

  /** Holds every running query but the oldest at its next pace until `on` is false (memory is short: query-memory.ts). */
  holdQueries(on: boolean): void {
    this.memory.hold(on)
  }

  /** Fails waiting and running queries (CANCELLED) and stops every thread. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const queued of this.queue.splice(0)) {
      if (queued.onAbort !== undefined) queued.task.signal?.removeEventListener('abort', queued.onAbort)
      queued.reject(cancelledError('the server is shutting down'))
    }
    const exits = this.slots.map((slot) => new Promise<void>((resolve) => slot.worker.once('exit', () => resolve())))
    for (const slot of this.slots) {
      slot.stopping ??= cancelledError('the server is shutting down')
      void slot.worker.terminate()
    }
    await Promise.all(exits)
  }
}
