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
import { SCAN_PACE_MS, SNAPSHOT_INDEX_CACHE_MIN_BYTES, SNAPSHOT_INDEX_CACHE_PARTS, SNAPSHOT_INDEX_CACHE_SHARE } from '../limits.ts'
import { TIME_COLUMN, type Batch } from '../model.ts'
import { PartReader, type PartIndex } from '../part/part-file.ts'
import { unpackBatch, type ScanSnapshot } from '../scan-snapshot.ts'
import { emptyScanStats, type Scan, type ScanRequest } from '../store.ts'
import { BlockCache, columnBytes, type ChunkCache } from './block-cache.ts'
import { blockColumns, blockWanted, chunkKey, covers, scanParts, type DecodeMeter } from './scan-parts.ts'

/** The bytes of part indexes a scanner with `cacheBytes` of column chunks keeps besides. */
export function indexBudget(cacheBytes: number): number {
  return Math.max(SNAPSHOT_INDEX_CACHE_MIN_BYTES, cacheBytes * SNAPSHOT_INDEX_CACHE_SHARE)
}

export class SnapshotScanner {
  private readonly cache: ChunkCache
  private readonly indexes = new Map<string, { index: PartIndex; bytes: number }>()
  private indexBytes = 0
  private readonly indexBudget: number
  private readonly meter: DecodeMeter | undefined

  /**
   * `cache`: the budget of decoded column chunks this scanner keeps, or a cache shared with
   * other threads (shared-block-cache.ts). Its decoded part indexes take `indexBytes` besides
   * (by default indexBudget of a budget given as a number). `meter` is told of every chunk its
   * scans and warms decode and every block they are past (the thread's BufferCeiling).
   */
  constructor(cache: number | ChunkCache, indexBytes = indexBudget(typeof cache === 'number' ? cache : 0), meter?: DecodeMeter) {
    this.cache = typeof cache === 'number' ? new BlockCache(cache) : cache
    this.indexBudget = indexBytes
    this.meter = meter
  }

  /** Estimated bytes of the part indexes kept (partIndexBytes). */
  get cachedIndexBytes(): number {
    return this.indexBytes
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
      yield* scanParts(parts, scanner.cache, { ...request, signal: snapshot.signal }, stats, true, inRange, scanner.meter)
    }
    return { stats, inRange: (batch) => inRange.has(batch), [Symbol.asyncIterator]: iterate }
  }

  /**
   * Decodes into the cache the chunks a scan of `snapshot` for `request` would read, so that a
   * scan running in another thread over the same cache finds them decoded: blocks are taken
   * from the last one back (a scan reads from the first), every `walk.stride`-th from
   * `walk.offset` (helpers share the walk), until `stop()` is true or `walk.maxBytes` of chunks
   * are decoded (past what the cache keeps, the first would be evicted before the scan reaches
   * them). Chunks cached already are skipped. Returns the chunks decoded.
   * @example await scanner.warm(snapshot, request, { offset: 0, stride: 1, maxBytes: 64 << 20 }, () => done)
   */
  async warm(snapshot: ScanSnapshot, request: Pick<ScanRequest, 'columns' | 'start' | 'end' | 'where' | 'timeForRangeOnly'>, walk: { offset: number; stride: number; maxBytes: number }, stop: () => boolean): Promise<number> {
    const blocks = this.wantedBlocks(snapshot, request)
    let decoded = 0
    let bytes = 0
    for (let i = blocks.length - 1 - walk.offset; i >= 0 && bytes < walk.maxBytes && !stop(); i -= walk.stride) {
      const { reader, fileKey, block } = blocks[i]
      const index = reader.index.blocks[block]
      const refs = index.columns
      const within = covers(index, TIME_COLUMN[snapshot.signal], request)
      for (const name of blockColumns(index, { ...request, signal: snapshot.signal }, within)) {
        const chunk = chunkKey(fileKey, block, name)
        if (this.cache.has(chunk) || !refs.some((c) => c.name === name)) continue
        const column = reader.readColumn(block, name)
        if (column === undefined) continue
        this.cache.set(chunk, column)
        decoded++
        bytes += columnBytes(column)
        this.meter?.decoded(columnBytes(column))
      }
      this.meter?.passed()
      // Messages (the stop, the cache's announcements) are read between blocks.
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
    return decoded
  }

  /** The blocks of `snapshot`'s parts a scan for `request` reads (blockWanted), in file order. */
  private wantedBlocks(snapshot: ScanSnapshot, request: Pick<ScanRequest, 'start' | 'end' | 'where'>): { reader: PartReader; fileKey: string; block: number }[] {
    const key = snapshot.key
    const blocks: { reader: PartReader; fileKey: string; block: number }[] = []
    if (key === undefined) return blocks
    for (const p of snapshot.parts) {
      const reader = this.reader(p.fd, p.path, p.fileId, key)
      const fileKey = bytesToHex(p.fileId)
      reader.index.blocks.forEach((block, b) => {
        if (blockWanted(block, request)) blocks.push({ reader, fileKey, block: b })
      })
    }
    return blocks
  }

  /** A reader through `fd`, with the part's index from the cache when it was read before. */
  private reader(fd: number, path: string, fileId: Uint8Array, key: Uint8Array): PartReader {
    const id = bytesToHex(fileId)
    const known = this.indexes.get(id)
    if (known !== undefined) {
      this.indexes.delete(id)
      this.indexes.set(id, known)
      return PartReader.borrow(fd, path, key, known.index)
    }
    const reader = PartReader.borrow(fd, path, key)
    if (bytesToHex(reader.index.fileId) !== id) throw new StorageError('CORRUPT', `cannot scan ${path}: its file id is not the one the snapshot names`, { file: path })
    const bytes = partIndexBytes(reader.index)
    this.indexes.set(id, { index: reader.index, bytes })
    this.indexBytes += bytes
    // The least recently used go first; the index just read stays.
    for (const [old, e] of this.indexes) {
      if ((this.indexes.size <= SNAPSHOT_INDEX_CACHE_PARTS && this.indexBytes <= this.indexBudget) || old === id) break
      this.indexes.delete(old)
      this.indexBytes -= e.bytes
    }
    return reader
  }

  /** Drops every cached chunk and index. */
  clear(): void {
    this.cache.clear()
    this.indexes.clear()
    this.indexBytes = 0
  }
}

/** Approximate memory of a decoded part index: its bloom filters and dictionary values, and
 * about 200 bytes for each chunk entry with its statistics. */
export function partIndexBytes(index: PartIndex): number {
  let bytes = 0
  for (const block of index.blocks) {
    for (const c of block.columns) {
      bytes += 200 + (c.stats.bloom?.byteLength ?? 0)
      for (const v of c.stats.values ?? []) bytes += 16 + 2 * v.length
    }
  }
  return bytes
}
