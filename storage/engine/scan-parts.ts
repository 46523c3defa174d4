/**
 * @module storage/engine/scan-parts
 * Reading blocks of part files for a scan: skip blocks by time range and column statistics,
 * read only the projected columns, go through the block cache; for a top-k scan, read blocks
 * best first and skip those that cannot enter the top; for one trace, yield only its spans.
 */
import { bytesToHex } from '../ids.ts'
import { StorageError } from '../errors.ts'
import { takeRows } from '../batch-ops.ts'
import { SPAN_COLUMNS, TIME_COLUMN, type Batch, type Column } from '../model.ts'
import { mayMatch, traceRows } from '../part/block-stats.ts'
import type { ScanCondition, ScanRequest, ScanStats } from '../store.ts'
import type { ChunkCache } from './block-cache.ts'
import type { BlockIndex, PartReader } from '../part/part-file.ts'
import { blockBestScore, TopScores } from './scan-top.ts'

/** A decoded chunk's key in a block cache: its part's random file id (hex), block and column. */
export const chunkKey = (fileKey: string, block: number, column: string): string => `${fileKey}:${block}:${column}`

/** False when the block cannot hold a row of the request: outside its range, or excluded by a
 * condition's column statistics. */
export function blockWanted(block: BlockIndex, request: Pick<ScanRequest, 'start' | 'end' | 'where'>): boolean {
  if ((request.start !== undefined && block.maxTime < request.start) || (request.end !== undefined && block.minTime >= request.end)) return false
  return request.where?.some((cond) => !blockMayMatch(block, cond)) !== true
}

/**
 * Yields one batch per block that may hold wanted rows; for a top-k scan (ScanRequest.top),
 * best blocks first, skipping those that can no longer enter the top. `useCache` is false for
 * compaction, which reads everything once and would only evict what queries use. Batches of
 * blocks whose time range lies inside the request's go into `inRange` (Scan.inRange).
 */
export async function* scanParts(
  parts: readonly { readonly reader: PartReader }[],
  cache: ChunkCache,
  request: Pick<ScanRequest, 'signal' | 'start' | 'end' | 'columns' | 'where' | 'abort' | 'top' | 'timeForRangeOnly'>,
  stats: ScanStats,
  useCache: boolean,
  inRange?: WeakSet<Batch>,
): AsyncGenerator<Batch> {
  const timeName = TIME_COLUMN[request.signal]
  // Blocks that may hold wanted rows, in file order, or best first for a top-k scan.
  const wanted: { reader: PartReader; fileKey: string; b: number; score: number }[] = []
  const top = request.top !== undefined && request.top.limit > 0 && (request.where === undefined || request.where.length === 0) ? request.top : undefined
  for (const part of parts) {
    const reader = part.reader
    const fileKey = bytesToHex(reader.index.fileId)
    const blocks = reader.index.blocks
    stats.blocksTotal += blocks.length
    for (let b = 0; b < blocks.length; b++) {
      const block = blocks[b]
      if (!blockWanted(block, request)) stats.blocksSkipped++
      else wanted.push({ reader, fileKey, b, score: top === undefined ? 0 : blockBestScore(block, top) })
    }
  }
  const best = top === undefined ? undefined : new TopScores(top)
  const traceCond = request.signal === 'spans' ? request.where?.find((c) => c.op === 'eq' && c.column === SPAN_COLUMNS.traceId) : undefined
  const trace = traceCond?.op === 'eq' ? traceCond.value : undefined
  if (top !== undefined) wanted.sort((x, y) => y.score - x.score || 0) // stable: file order among equals
  for (const { reader, fileKey, b, score } of wanted) {
    if (request.abort?.aborted) throw new StorageError('ABORTED', 'scan aborted', { cause: request.abort.reason })
    const block = reader.index.blocks[b]
    if (best?.excludes(score) === true) {
      stats.blocksSkipped++
      continue
    }
    const within = covers(block, timeName, request)
    // Without inRange the caller cannot know which batches may lack the time column.
    const names = blockColumns(block, request, within && inRange !== undefined)
    const columns: Record<string, Column> = {}
    for (const name of names) {
      const ref = block.columns.find((c) => c.name === name)
      if (ref === undefined) continue
      const cacheKey = chunkKey(fileKey, b, name)
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
    let batch: Batch = { signal: request.signal, length: block.rows, columns }
    const ids = columns[SPAN_COLUMNS.traceId]
    if (trace instanceof Uint8Array && block.traceRuns !== undefined && ids?.kind === 'bytes') {
      // One trace's spans: a binary search per run of the block finds them.
      const rows = traceRows(ids, block.rows, block.traceRuns, trace)
      if (rows.length === 0) {
        stats.blocksSkipped++
        continue
      }
      batch = takeRows(batch, rows)
    }
    stats.blocksRead++
    stats.rowsRead += block.rows
    if (best !== undefined) {
      // Only the rows that can still enter the top go on (ScanTop: the caller wants no others).
      const rows = best.add(columns, block.rows, within ? () => true : timeKeeper(columns[timeName], request))
      if (rows !== undefined && rows.length < block.rows) batch = takeRows(batch, rows)
    }
    if (within) inRange?.add(batch)
    if (batch.length > 0) yield batch
    // Give other work (ingest acknowledgements) a turn between blocks of a long scan.
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}

/** False when the statistics of `block` prove that none of its rows satisfies `cond`. */
function blockMayMatch(block: BlockIndex, cond: ScanCondition): boolean {
  if (cond.op === 'any') return cond.of.some((c) => blockMayMatch(block, c))
  return mayMatch(block.columns.find((c) => c.name === cond.column)?.stats, cond)
}

/** Whether row i has a time in [start, end): false for every row when the time column was not read. */
function timeKeeper(time: Column | undefined, range: { start?: bigint; end?: bigint }): (row: number) => boolean {
  if (time?.kind !== 'i64') return () => false
  const { values, present } = time
  return (i) => (present === undefined || present[i] === 1) && (range.start === undefined || values[i] >= range.start) && (range.end === undefined || values[i] < range.end)
}

/** The columns to read of `block` (`within`: wholly inside the range, see covers). */
export function blockColumns(block: BlockIndex, request: Pick<ScanRequest, 'signal' | 'columns' | 'timeForRangeOnly'>, within: boolean): readonly string[] {
  if (request.columns === undefined) return block.columns.map((c) => c.name)
  if (!within || request.timeForRangeOnly !== true) return request.columns
  const timeName = TIME_COLUMN[request.signal]
  return request.columns.filter((c) => c !== timeName)
}

/** True when every row of `block` has a time inside [start, end). */
export function covers(block: BlockIndex, timeName: string, range: { start?: bigint; end?: bigint }): boolean {
  if (block.columns.find((c) => c.name === timeName)?.stats.present !== block.rows) return false
  return (range.start === undefined || block.minTime >= range.start) && (range.end === undefined || block.maxTime < range.end)
}
