/**
 * @module storage/engine/engine
 * The BlazeDB storage engine: the Store on disk. Appends go to the write-ahead log (group
 * commit) and the in-memory head; the head is flushed into encrypted columnar part files per
 * time partition; background maintenance compacts parts and applies retention.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { projectBatch } from '../batch-ops.ts'
import { StorageError } from '../errors.ts'
import { BLOCK_CACHE_BYTES, COMPACT_BACKLOG_PARTS, COMPACT_MAX_PARTS, COMPACT_MAX_ROWS, COMPACT_MIN_PARTS, COMPACT_QUIET_MS, HEAD_FLUSH_BYTES, HEAD_FLUSH_INTERVAL_MS, HEAD_FLUSH_ROWS, ZSTD_LEVEL_COMPACT, ZSTD_LEVEL_FLUSH } from '../limits.ts'
import type { Batch, Signal } from '../model.ts'
import { PartReader } from '../part/part-file.ts'
import { RecentKeys, type RecentKeysLimits } from '../recent-keys.ts'
import { emptyScanStats, type AppendOptions, type Scan, type ScanRequest, type Store, type StoreStats } from '../store.ts'
import { traceSpans } from '../trace-match.ts'
import { encodeWalRecord, removeSegmentsBelow, WalWriter, type WalRecordKey } from '../wal/wal.ts'
import { replayWal } from '../wal/wal-replay.ts'
import { readRecentKeys, writeRecentKeys } from '../wal/recent-keys-file.ts'
import { FileDocuments } from '../documents/file-documents.ts'
import { BlockCache } from './block-cache.ts'
import { Head } from './head.ts'
import { describePart, type PartitionReport } from './inspect.ts'
import { partitionDirs, TENANTS_DIR, WAL_DIR } from './layout.ts'
import { acquireLock, type DataDirLock } from './lock.ts'
import { openDataKey } from './data-key.ts'
import { Partition, partitionDirName, type PartHandle } from './partition.ts'
import { PartWriter } from './part-writer.ts'
import { scanParts } from './scan-parts.ts'
import { takeEngineSnapshot } from './engine-snapshot.ts'
import type { HeldSnapshot } from '../scan-snapshot.ts'
import { validateBatch, validateTenant } from './validate.ts'
import { Watchers } from '../watchers.ts'

const HOUR_NS = 3_600_000_000_000n

export interface EngineOptions {
  dataDir: string
  /** The password the data key is derived from. */
  password: string
  /** Length of a time partition in nanoseconds; one hour by default. */
  partitionDuration?: bigint
  /** How long each signal is kept, in nanoseconds; 0 or absent keeps it forever. */
  retention?: Partial<Record<Signal, bigint>>
  headFlushRows?: number
  headFlushBytes?: number
  headFlushIntervalMs?: number
  blockCacheBytes?: number
  /** Most rows one compaction merges (COMPACT_MAX_ROWS). */
  compactMaxRows?: number
  /** Runs flushes on a timer, compaction and retention in the background; true by default. */
  background?: boolean
  /** Builds part files on a worker thread (true by default), so flushes and compactions never
   * stall appends; false builds them on the calling thread. */
  partWriterThread?: boolean
  /** The clock, epoch nanoseconds (retention and sealing use it). */
  now?: () => bigint
  /** Quiet time before a past partition's parts are merged (COMPACT_QUIET_MS). */
  compactQuietMs?: number
  /** The window of idempotency keys (RECENT_KEYS_MAX_AGE_MS, RECENT_KEYS_PER_TENANT). */
  recentKeys?: RecentKeysLimits
  log?: (line: string) => void
}

/**
 * @example
 * const engine = await openEngine({ dataDir: './data', password: 'secret' })
 * await engine.append('default', batch)
 * for await (const b of engine.scan({ tenant: 'default', signal: 'spans' })) console.log(b.length)
 * await engine.close()
 */
export async function openEngine(options: EngineOptions): Promise<Engine> {
  mkdirSync(options.dataDir, { recursive: true })
  const lock = await acquireLock(options.dataDir)
  try {
    const key = await openDataKey(options.dataDir, options.password)
    const engine = new Engine(options, key, lock)
    await engine.load()
    return engine
  } catch (error) {
    await lock.release()
    throw error
  }
}

export class Engine implements Store {
  private readonly options: EngineOptions
  private readonly key: Uint8Array
  private readonly partitionNs: bigint
  private readonly flushRows: number
  private readonly flushBytes: number
  private readonly partitions = new Map<string, Partition>()
  private readonly cache: BlockCache
  private readonly watchers = new Watchers()
  private readonly partWriter: PartWriter
  readonly documents: FileDocuments
  private head = new Head()
  private frozen: Head | undefined
  private wal!: WalWriter
  private readonly recentKeys: RecentKeys
  /** `recentKeys.version` last written to RECENT-KEYS. */
  private recentKeysSaved = 0
  private inflight = 0
  private drained: (() => void) | undefined
  private gate: Promise<void> | undefined
  private maintenance: Promise<void> = Promise.resolve()
  private flushing: Promise<void> | undefined
  private timers: NodeJS.Timeout[] = []
  private closed = false

  private readonly lock: DataDirLock

  constructor(options: EngineOptions, key: Uint8Array, lock: DataDirLock) {
    this.options = options
    this.key = key
    this.lock = lock
    this.partitionNs = options.partitionDuration ?? HOUR_NS
    this.flushRows = options.headFlushRows ?? HEAD_FLUSH_ROWS
    this.flushBytes = options.headFlushBytes ?? HEAD_FLUSH_BYTES
    this.cache = new BlockCache(options.blockCacheBytes ?? BLOCK_CACHE_BYTES)
    this.partWriter = new PartWriter(options.partWriterThread !== false)
    this.documents = new FileDocuments(options.dataDir, key)
    this.recentKeys = new RecentKeys(options.recentKeys)
  }

  private get walDir(): string {
    return join(this.options.dataDir, WAL_DIR)
  }

  private now(): bigint {
    return this.options.now?.() ?? BigInt(Date.now()) * 1_000_000n
  }

  private nowMs(): number {
    return Number(this.now() / 1_000_000n)
  }

  private log(line: string): void {
    this.options.log?.(line)
  }

  /** Opens partitions, replays the write-ahead log into the head, starts a new segment. */
  async load(): Promise<void> {
    for (const { tenant, signal, dir } of partitionDirs(this.options.dataDir)) {
      const p = Partition.open(dir, tenant, signal, this.key)
      if (p !== undefined) this.partitions.set(partitionKey(tenant, signal, p.start), p)
    }
    mkdirSync(this.walDir, { recursive: true })
    // Idempotency keys: those of deleted segments from the snapshot, then those of the log.
    const nowMs = this.nowMs()
    for (const k of readRecentKeys(this.walDir, this.key)) this.recentKeys.add(k.tenant, k.key, k.timeMs, nowMs)
    let replayed = 0
    const { lastSeq, tornBytes } = replayWal(this.walDir, this.key, ({ seq, tenant, batch, idempotency }) => {
      if (idempotency !== undefined) this.recentKeys.add(tenant, idempotency.key, idempotency.timeMs, nowMs)
      replayed += batch.length
      this.head.add(tenant, batch, this.partitionNs, (start) => {
        const p = this.partitions.get(partitionKey(tenant, batch.signal, start))
        return p === undefined || p.flushedWalSeq < seq
      })
    })
    if (tornBytes > 0) this.log(`blazedb: cut a torn write of ${tornBytes} bytes from the end of the write-ahead log`)
    if (replayed > 0) this.log(`blazedb: replayed ${replayed} rows from the write-ahead log (${this.head.rows} not yet in parts)`)
    this.recentKeysSaved = this.recentKeys.version
    this.wal = await WalWriter.create(this.walDir, lastSeq + 1)
    if (this.options.background !== false) {
      const interval = this.options.headFlushIntervalMs ?? HEAD_FLUSH_INTERVAL_MS
      this.timers.push(setInterval(() => void this.flushIfAny().catch((error: Error) => this.log(`blazedb: flush failed: ${error.message}`)), interval).unref())
      // Retention, and the merges of past partitions that went quiet since the last flush.
      const maintain = async (): Promise<void> => {
        await this.applyRetention()
        await this.compactWhereDue(false)
      }
      this.timers.push(setInterval(() => void this.runMaintenance(maintain), 60_000).unref())
      void this.runMaintenance(async () => void (await this.applyRetention()))
    }
  }

  async append(tenant: string, batch: Batch, options: AppendOptions = {}): Promise<void> {
    const key = options.idempotencyKey
    if (key === undefined) return this.appendRecord(tenant, batch, undefined, options.onWrite)
    if (this.closed) throw new StorageError('CLOSED', 'cannot append: the store is closed')
    validateTenant(tenant)
    const result = await this.recentKeys.guard(tenant, key, () => this.nowMs(), () => this.appendRecord(tenant, batch, { key, timeMs: this.nowMs() }, options.onWrite))
    if (result === 'duplicate') options.onDuplicate?.()
  }

  /** The append itself: the key, if any, goes into the same log record as the batch. */
  private async appendRecord(tenant: string, batch: Batch, idempotency: WalRecordKey | undefined, onWrite?: () => void): Promise<void> {
    if (this.closed) throw new StorageError('CLOSED', 'cannot append: the store is closed')
    validateTenant(tenant)
    validateBatch(batch)
    if (batch.length === 0) return
    while (this.gate !== undefined) await this.gate
    // Backpressure: appends wait for the flush in progress once the head and the head being
    // flushed hold three times the flush size (not four: each twice, when flushes are slower
    // than appends and every head grows to the bound before its flush starts).
    while (this.flushing !== undefined && this.heldFull(3)) await this.flushing
    if (this.closed) throw new StorageError('CLOSED', 'cannot append: the store is closed')
    const record = encodeWalRecord(this.key, this.wal.seq, tenant, batch, idempotency)
    this.inflight++
    try {
      const written = this.wal.append(record)
      onWrite?.()
      await written
      // Before `inflight` drops: a flush then finds the key in the table it saves.
      if (idempotency !== undefined) this.recentKeys.add(tenant, idempotency.key, idempotency.timeMs, this.nowMs())
      this.head.add(tenant, batch, this.partitionNs)
      this.watchers.notify(tenant, batch)
    } finally {
      if (--this.inflight === 0) this.drained?.()
    }
    if (this.headFull(1) && this.flushing === undefined) void this.flush().catch((error: Error) => this.log(`blazedb: flush failed: ${error.message}`))
  }

  /** True when the head holds `times` the rows or bytes that start a flush. */
  private headFull(times: number): boolean {
    return this.head.rows >= times * this.flushRows || this.head.bytes >= times * this.flushBytes
  }

  /** True when the head and the head being flushed together hold `times` the rows or bytes that start a flush. */
  private heldFull(times: number): boolean {
    const rows = this.head.rows + (this.frozen?.rows ?? 0)
    const bytes = this.head.bytes + (this.frozen?.bytes ?? 0)
    return rows >= times * this.flushRows || bytes >= times * this.flushBytes
  }

  /**
   * Moves everything in the head into part files. Appends pause only while the head is
   * swapped and a new WAL segment started; the parts are written in the background.
   */
  async flush(): Promise<void> {
    // A flush already under way started before rows appended since: wait for it, then flush those too.
    while (this.flushing !== undefined) await this.flushing.catch(() => {})
    if (this.head.rows === 0) return
    this.flushing = this.doFlush().finally(() => (this.flushing = undefined))
    return this.flushing
  }

  private async flushIfAny(): Promise<void> {
    if (!this.closed) await this.flush()
  }

  private async doFlush(): Promise<void> {
    let open!: () => void
    this.gate = new Promise((resolve) => (open = resolve))
    try {
      if (this.inflight > 0) await new Promise<void>((resolve) => (this.drained = resolve))
      this.drained = undefined
      this.frozen = this.head
      this.head = new Head()
      await this.wal.rotate()
    } finally {
      this.gate = undefined
      open()
    }
    const frozen = this.frozen
    const upToSeq = this.wal.seq - 1
    await this.runMaintenance(async () => {
      try {
        for (const [key, hp] of frozen.partitions) {
          const p = this.partitionFor(hp.tenant, hp.signal, hp.start)
          const reader = await this.buildPart(p, { batches: hp.batches.map((b) => b.batch) }, ZSTD_LEVEL_FLUSH)
          await p.commit([reader], [], upToSeq, () => frozen.partitions.delete(key))
          p.lastFlushNs = this.now()
        }
      } catch (error) {
        // What did not reach a part goes back into the head, so that the next flush writes it
        // before any log segment holding it is deleted.
        this.head.absorb(frozen)
        this.frozen = undefined
        throw new StorageError('IO', `cannot flush the head into part files: ${(error as Error).message}`, { cause: error })
      }
      this.frozen = undefined
      await this.saveRecentKeys()
      await removeSegmentsBelow(this.walDir, upToSeq + 1)
      await this.compactWhereDue(false)
    })
  }

  /** Writes the idempotency keys, if any changed, before the log records holding them are deleted. */
  private async saveRecentKeys(): Promise<void> {
    const version = this.recentKeys.version
    if (version === this.recentKeysSaved) return
    await writeRecentKeys(this.walDir, this.key, this.recentKeys.entries(this.nowMs()))
    this.recentKeysSaved = version
  }

  private partitionFor(tenant: string, signal: Signal, start: bigint): Partition {
    const key = partitionKey(tenant, signal, start)
    let p = this.partitions.get(key)
    if (p === undefined) {
      const dir = join(this.options.dataDir, TENANTS_DIR, tenant, signal, partitionDirName(start, this.partitionNs))
      p = Partition.create(dir, tenant, signal, start, start + this.partitionNs, this.key)
      this.partitions.set(key, p)
    }
    return p
  }

  /** Builds a part of `p` from head batches or from other parts of it, on the part writer. */
  private async buildPart(p: Partition, source: { batches: Batch[] } | { inputs: string[] }, zstdLevel: number): Promise<PartReader> {
    const path = p.newPartPath()
    const options = {
      key: this.key,
      identity: { tenant: p.tenant, signal: p.signal, partitionStart: p.start, partitionEnd: p.end },
      walSeq: p.flushedWalSeq,
      zstdLevel,
    }
    await this.partWriter.run('batches' in source ? { kind: 'flush', path, signal: p.signal, batches: source.batches, options } : { kind: 'compact', path, signal: p.signal, inputs: source.inputs, options })
    return PartReader.open(path, this.key)
  }

  /** Runs `task` after every maintenance task before it (flushes, compactions, retention). */
  private runMaintenance<T>(task: () => Promise<T>): Promise<T> {
    const run = this.maintenance.then(task)
    this.maintenance = run.then(
      () => {},
      (error: Error) => this.log(`blazedb: background maintenance failed: ${error.message}`),
    )
    return run
  }

  /**
   * Merges the parts of partitions that have many, of partitions whose hour is over and that
   * nothing was flushed into for COMPACT_QUIET_MS, or (`all`) of every partition with more than
   * one, into one part each, compressed harder. While the head is due for a flush, only
   * partitions with COMPACT_BACKLOG_PARTS parts are merged, at most half the rows (not with `all`).
   */
  private async compactWhereDue(all: boolean): Promise<boolean> {
    let merged = false
    const now = this.now()
    const sealedBefore = now - this.partitionNs / 4n
    const quietSince = now - BigInt(this.options.compactQuietMs ?? COMPACT_QUIET_MS) * 1_000_000n
    for (const p of [...this.partitions.values()]) {
      if (this.closed) return merged
      // The next flush waits behind a merge: while one is due, only a partition with a backlog of
      // parts is merged, and of at most half the rows (its memory comes on top of a full head).
      const backlog = !all && this.headFull(1)
      if (backlog && p.parts.length < COMPACT_BACKLOG_PARTS) continue
      const maxRows = (this.options.compactMaxRows ?? COMPACT_MAX_ROWS) / (backlog ? 2 : 1)
      // Size-tiered: the smallest parts first, within the limits of one merge.
      const inputs: PartHandle[] = []
      let rows = 0
      for (const h of [...p.parts].sort((a, b) => a.reader.index.rows - b.reader.index.rows)) {
        if (inputs.length === COMPACT_MAX_PARTS || rows + h.reader.index.rows > maxRows) break
        inputs.push(h)
        rows += h.reader.index.rows
      }
      const due = inputs.length >= COMPACT_MIN_PARTS || (inputs.length > 1 && (all || (p.end < sealedBefore && p.lastFlushNs <= quietSince)))
      if (!due) continue
      const reader = await this.buildPart(p, { inputs: inputs.map((h) => h.reader.path) }, ZSTD_LEVEL_COMPACT)
      await p.commit([reader], inputs, p.flushedWalSeq)
      merged = true
    }
    return merged
  }

  /** Compacts every partition now (`blazedb vacuum`), merging until no merge fits in compactMaxRows
   * (a partition left with many parts by merges deferred under ingest needs more than one). */
  async compact(): Promise<void> {
    await this.flushIfAny()
    while (await this.runMaintenance(() => this.compactWhereDue(true))) {}
  }

  /** Drops partitions whose whole time range is older than their signal's retention. */
  async applyRetention(): Promise<number> {
    const now = this.now()
    let dropped = 0
    for (const [key, p] of [...this.partitions]) {
      const keep = this.options.retention?.[p.signal] ?? 0n
      if (keep > 0n && p.end <= now - keep) {
        this.partitions.delete(key)
        p.drop()
        dropped++
      }
    }
    if (dropped > 0) this.log(`blazedb: retention dropped ${dropped} partitions`)
    return dropped
  }

  scan(request: ScanRequest): Scan {
    const stats = emptyScanStats()
    const inRange = new WeakSet<Batch>()
    const engine = this
    async function* iterate(): AsyncGenerator<Batch> {
      // The snapshot: taken in one synchronous step when iteration starts.
      const heads = [engine.head, engine.frozen].filter((h) => h !== undefined)
      const headBatches = heads.flatMap((h) => h.batchesFor(request.tenant, request.signal, request.start, request.end))
      const parts: PartHandle[] = []
      for (const p of engine.partitions.values()) {
        if (p.tenant !== request.tenant || p.signal !== request.signal) continue
        if ((request.start !== undefined && p.end <= request.start) || (request.end !== undefined && p.start >= request.end)) continue
        for (const h of p.parts) {
          h.acquire()
          parts.push(h)
        }
      }
      try {
        stats.blocksTotal += headBatches.length
        for (const hb of headBatches) {
          if (request.abort?.aborted) throw new StorageError('ABORTED', 'scan aborted', { cause: request.abort.reason })
          stats.blocksRead++
          stats.rowsRead += hb.batch.length
          yield projectBatch(hb.batch, request.columns)
        }
        yield* scanParts(parts, engine.cache, request, stats, true, inRange)
      } finally {
        for (const h of parts) h.release()
      }
    }
    return { stats, inRange: (batch) => inRange.has(batch), [Symbol.asyncIterator]: iterate }
  }

  /** What `scan(request)` would read, for a scan in another thread (storage/scan-snapshot.ts). */
  snapshot(request: ScanRequest): HeldSnapshot {
    if (this.closed) throw new StorageError('CLOSED', 'cannot scan: the store is closed')
    return takeEngineSnapshot([this.head, this.frozen], this.partitions.values(), this.key, request)
  }

  getTrace(tenant: string, traceId: Uint8Array, range?: { start?: bigint; end?: bigint }): Promise<Batch> {
    return traceSpans(this, tenant, traceId, range)
  }

  watch(tenant: string, signal: Signal, listener: (batch: Batch) => void): () => void {
    return this.watchers.add(tenant, signal, listener)
  }

  tenants(): string[] {
    const names = new Set<string>()
    for (const p of this.partitions.values()) names.add(p.tenant)
    for (const h of [this.head, this.frozen]) for (const hp of h?.partitions.values() ?? []) names.add(hp.tenant)
    return [...names].sort()
  }

  stats(tenant: string, signal: Signal): StoreStats {
    const out: StoreStats = { partitions: 0, blocks: 0, rows: 0, bytesOnDisk: 0, rowsInMemory: 0 }
    for (const p of this.partitions.values()) {
      if (p.tenant !== tenant || p.signal !== signal) continue
      out.partitions++
      out.rows += p.rows
      out.bytesOnDisk += p.bytes
      out.blocks += p.parts.reduce((n, h) => n + h.reader.index.blocks.length, 0)
    }
    for (const h of [this.head, this.frozen]) {
      for (const hb of h?.batchesFor(tenant, signal, undefined, undefined) ?? []) out.rowsInMemory += hb.batch.length
    }
    out.rows += out.rowsInMemory
    return out
  }

  /** Partitions and their parts, as `blazedb inspect` reports them. */
  partitionsInfo(): PartitionReport[] {
    return [...this.partitions.values()]
      .map((p) => ({
        tenant: p.tenant,
        signal: p.signal,
        start: p.start,
        end: p.end,
        dir: p.dir,
        parts: p.parts.map((h) => describePart(h.reader.path, h.reader.index)),
      }))
      .sort((a, b) => (a.tenant + a.signal).localeCompare(b.tenant + b.signal) || (a.start < b.start ? -1 : 1))
  }

  /** Flushes the head, stops background work, closes files. Appends after this fail with CLOSED. */
  async close(): Promise<void> {
    if (this.closed) return
    for (const t of this.timers) clearInterval(t)
    await this.flushIfAny().catch((error: Error) => this.log(`blazedb: flush at close failed: ${error.message}`))
    this.closed = true
    await this.maintenance
    await this.partWriter.close()
    await this.wal.close()
    for (const p of this.partitions.values()) p.close()
    this.cache.clear()
    await this.lock.release()
  }
}

function partitionKey(tenant: string, signal: Signal, start: bigint): string {
  return `${tenant}\u0000${signal}\u0000${start}`
}
