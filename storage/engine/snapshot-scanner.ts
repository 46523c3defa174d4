/**
 * @module storage/engine/snapshot-scanner
 * Reads scan snapshots (storage/scan-snapshot.ts) in any thread: the head batches as they
 * were, then the blocks of the parts through the descriptors the snapshot names, skipping
 * blocks by time and statistics, decrypting and decoding only the requested columns, with a
 * block cache and a cache of decoded part indexes of its own.
 *
 * Contract: one scanner belongs to one thread. A scan reads its snapshot's descriptors only
 * while it runs; the snapshot's owner keeps them open until then (HeldSnapshot.release).
 */
import { StorageError } from '../errors.ts'
import { bytesToHex } from '../ids.ts'
import { SCAN_PACE_MS, SNAPSHOT_INDEX_CACHE_PARTS } from '../limits.ts'
import type { Batch } from '../model.ts'
import { PartReader, type PartIndex } from '../part/part-file.ts'
import { unpackBatch, type ScanSnapshot } from '../scan-snapshot.ts'
import { emptyScanStats, type Scan, type ScanRequest } from '../store.ts'
import { BlockCache } from './block-cache.ts'
import { scanParts } from './scan-parts.ts'

export class SnapshotScanner {
  private readonly cache: BlockCache
  private readonly indexes = new Map<string, PartIndex>()

  /** `cacheBytes`: the budget of decoded column chunks this scanner keeps. */
  constructor(cacheBytes: number) {
    this.cache = new BlockCache(cacheBytes)
  }

  /**
   * Scans `snapshot` as Store.scan would: `request` gives the range, columns, conditions and
   * abort signal (its tenant and signal are the snapshot's).
   * @example for await (const batch of scanner.scan(snapshot, { tenant, signal: 'spans', columns: ['name'] })) { ... }
   */
  scan(snapshot: ScanSnapshot, request: ScanRequest): Scan {
    const stats = emptyScanStats()
    const inRange = new WeakSet<Batch>()
    const scanner = this
    async function* iterate(): AsyncGenerator<Batch> {
      stats.blocksTotal += snapshot.head.length
      let paced = performance.now()
      for (const sb of snapshot.head) {
        if (request.abort?.aborted) throw new StorageError('ABORTED', 'scan aborted', { cause: request.abort.reason })
        stats.blocksRead++
        stats.rowsRead += sb.batch.length
        yield unpackBatch(sb, request.columns)
        if (performance.now() - paced > SCAN_PACE_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve))
          paced = performance.now()
        }
      }
      if (snapshot.parts.length === 0) return
      const key = snapshot.key
      if (key === undefined) throw new StorageError('INVALID_ARGUMENT', 'cannot scan a snapshot: it names parts but carries no key')
      const parts = snapshot.parts.map((p) => ({ reader: scanner.reader(p.fd, p.path, p.fileId, key) }))
      yield* scanParts(parts, scanner.cache, { ...request, signal: snapshot.signal }, stats, true, inRange)
    }
    return { stats, inRange: (batch) => inRange.has(batch), [Symbol.asyncIterator]: iterate }
  }

  /** A reader through `fd`, with the part's index from the cache when it was read before. */
  private reader(fd: number, path: string, fileId: Uint8Array, key: Uint8Array): PartReader {
    const id = bytesToHex(fileId)
    const known = this.indexes.get(id)
    if (known !== undefined) {
      this.indexes.delete(id)
      this.indexes.set(id, known)
      return PartReader.borrow(fd, path, key, known)
    }
    const reader = PartReader.borrow(fd, path, key)
    if (bytesToHex(reader.index.fileId) !== id) throw new StorageError('CORRUPT', `cannot scan ${path}: its file id is not the one the snapshot names`, { file: path })
    this.indexes.set(id, reader.index)
    for (const old of this.indexes.keys()) {
      if (this.indexes.size <= SNAPSHOT_INDEX_CACHE_PARTS) break
      this.indexes.delete(old)
    }
    return reader
  }

  /** Drops every cached chunk and index. */
  clear(): void {
    this.cache.clear()
    this.indexes.clear()
  }
}
