/**
 * @module storage/engine/scan-parts
 * Reading blocks of part files for a scan: skip blocks by time range and column statistics,
 * read only the projected columns, go through the block cache.
 */
import { bytesToHex } from '../ids.ts'
import { StorageError } from '../errors.ts'
import { TIME_COLUMN, type Batch, type Column } from '../model.ts'
import { mayMatch } from '../part/block-stats.ts'
import type { ScanRequest, ScanStats } from '../store.ts'
import type { BlockCache } from './block-cache.ts'
import type { BlockIndex, PartReader } from '../part/part-file.ts'

/**
 * Yields one batch per block that may hold wanted rows. `useCache` is false for compaction,
 * which reads everything once and would only evict what queries use. Batches of blocks whose
 * time range lies inside the request's go into `inRange` (Scan.inRange).
 */
export async function* scanParts(
  parts: readonly { readonly reader: PartReader }[],
  cache: BlockCache,
  request: Pick<ScanRequest, 'signal' | 'start' | 'end' | 'columns' | 'where' | 'abort'>,
  stats: ScanStats,
  useCache: boolean,
  inRange?: WeakSet<Batch>,
): AsyncGenerator<Batch> {
  const timeName = TIME_COLUMN[request.signal]
  for (const part of parts) {
    const reader = part.reader
    const fileKey = bytesToHex(reader.index.fileId)
    const blocks = reader.index.blocks
    stats.blocksTotal += blocks.length
    for (let b = 0; b < blocks.length; b++) {
      if (request.abort?.aborted) throw new StorageError('ABORTED', 'scan aborted', { cause: request.abort.reason })
      const block = blocks[b]
      const outside = (request.start !== undefined && block.maxTime < request.start) || (request.end !== undefined && block.minTime >= request.end)
      const excluded = !outside && request.where?.some((cond) => !mayMatch(block.columns.find((c) => c.name === cond.column)?.stats, cond))
      if (outside || excluded === true) {
        stats.blocksSkipped++
        continue
      }
      const names = request.columns ?? block.columns.map((c) => c.name)
      const columns: Record<string, Column> = {}
      for (const name of names) {
        const ref = block.columns.find((c) => c.name === name)
        if (ref === undefined) continue
        const cacheKey = `${fileKey}:${b}:${name}`
        let column = useCache ? cache.get(cacheKey) : undefined
        if (column === undefined) {
          column = reader.readColumn(b, name)
          stats.bytesRead += ref.length
          if (column !== undefined && useCache) cache.set(cacheKey, column)
        }
        if (column !== undefined) columns[name] = column
      }
      if (names.includes(timeName) && columns[timeName] === undefined) {
        throw new StorageError('CORRUPT', `cannot scan ${reader.path}: block ${b} has no ${timeName} column`, { file: reader.path })
      }
      stats.blocksRead++
      stats.rowsRead += block.rows
      const batch: Batch = { signal: request.signal, length: block.rows, columns }
      if (inRange !== undefined && covers(block, timeName, request)) inRange.add(batch)
      yield batch
      // Give other work (ingest acknowledgements) a turn between blocks of a long scan.
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
  }
}

/** True when every row of `block` has a time inside [start, end). */
function covers(block: BlockIndex, timeName: string, range: { start?: bigint; end?: bigint }): boolean {
  if (block.columns.find((c) => c.name === timeName)?.stats.present !== block.rows) return false
  return (range.start === undefined || block.minTime >= range.start) && (range.end === undefined || block.maxTime < range.end)
}
