/**
 * @module storage/memory-store
 * A Store that keeps everything in memory: for tests of the components above storage, and the
 * reference the on-disk engine is checked against. Nothing is durable.
 */
import { i64Range, projectBatch } from './batch-ops.ts'
import { StorageError } from './errors.ts'
import { TIME_COLUMN, type Batch, type Signal } from './model.ts'
import { RecentKeys, type RecentKeysLimits } from './recent-keys.ts'
import { emptyScanStats, type AppendOptions, type Scan, type ScanRequest, type ScanStats, type Store, type StoreStats } from './store.ts'
import { traceSpans } from './trace-match.ts'
import { Watchers } from './watchers.ts'
import type { HeldSnapshot } from './scan-snapshot.ts'
import { MemoryDocuments } from './documents/document-store.ts'

interface Stored {
  batch: Batch
  min: bigint
  max: bigint
}

export class MemoryStore implements Store {
  readonly documents = new MemoryDocuments()
  private readonly data = new Map<string, Stored[]>()
  private readonly watchers = new Watchers()
  private readonly recentKeys: RecentKeys
  private closed = false

  /** `recentKeys`: the window of idempotency keys (storage/recent-keys.ts); kept in memory only. */
  constructor(options: { recentKeys?: RecentKeysLimits } = {}) {
    this.recentKeys = new RecentKeys(options.recentKeys)
  }

  private key(tenant: string, signal: Signal): string {
    return `${tenant}\u0000${signal}`
  }

  async append(tenant: string, batch: Batch, options: AppendOptions = {}): Promise<void> {
    const idem = options.idempotencyKey
    if (idem === undefined) return this.store(tenant, batch)
    const result = await this.recentKeys.guard(tenant, idem, Date.now, async () => {
      await this.store(tenant, batch)
      this.recentKeys.add(tenant, idem, Date.now())
    })
    if (result === 'duplicate') options.onDuplicate?.()
  }

  private async store(tenant: string, batch: Batch): Promise<void> {
    if (this.closed) throw new StorageError('CLOSED', 'cannot append: the store is closed')
    if (batch.length === 0) return
    const range = i64Range(batch.columns[TIME_COLUMN[batch.signal]])
    if (range === undefined) {
      throw new StorageError('INVALID_ARGUMENT', `cannot append ${batch.signal}: column ${TIME_COLUMN[batch.signal]} is missing`)
    }
    const key = this.key(tenant, batch.signal)
    const list = this.data.get(key) ?? []
    list.push({ batch, ...range })
    this.data.set(key, list)
    this.watchers.notify(tenant, batch)
  }

  watch(tenant: string, signal: Signal, listener: (batch: Batch) => void): () => void {
    return this.watchers.add(tenant, signal, listener)
  }

  scan(request: ScanRequest): Scan {
    const snapshot = [...(this.data.get(this.key(request.tenant, request.signal)) ?? [])]
    const stats: ScanStats = emptyScanStats()
    stats.blocksTotal = snapshot.length
    async function* iterate(): AsyncGenerator<Batch> {
      for (const s of snapshot) {
        if (request.abort?.aborted) throw new StorageError('ABORTED', 'scan aborted', { cause: request.abort.reason })
        if ((request.start !== undefined && s.max < request.start) || (request.end !== undefined && s.min >= request.end)) {
          stats.blocksSkipped++
          continue
        }
        stats.blocksRead++
        stats.rowsRead += s.batch.length
        yield projectBatch(s.batch, request.columns)
      }
    }
    return { stats, [Symbol.asyncIterator]: iterate }
  }

  /** What `scan(request)` would read, for a scan in another thread: every batch in range. */
  snapshot(request: ScanRequest): HeldSnapshot {
    const head = (this.data.get(this.key(request.tenant, request.signal)) ?? [])
      .filter((s) => !((request.start !== undefined && s.max < request.start) || (request.end !== undefined && s.min >= request.end)))
      .map((s) => ({ batch: projectBatch(s.batch, request.columns), packed: {} }))
    return { snapshot: { signal: request.signal, head, parts: [] }, release: () => {} }
  }

  getTrace(tenant: string, traceId: Uint8Array, range?: { start?: bigint; end?: bigint }): Promise<Batch> {
    return traceSpans(this, tenant, traceId, range)
  }

  tenants(): string[] {
    return [...new Set([...this.data.keys()].map((k) => k.split('\u0000')[0]))]
  }

  stats(tenant: string, signal: Signal): StoreStats {
    const list = this.data.get(this.key(tenant, signal)) ?? []
    const rows = list.reduce((n, s) => n + s.batch.length, 0)
    return { partitions: 0, blocks: list.length, rows, bytesOnDisk: 0, rowsInMemory: rows }
  }

  async close(): Promise<void> {
    this.closed = true
  }
}
