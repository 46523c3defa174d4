/**
 * @module storage/engine/scan-parts
 * Reading blocks of part files for a scan: skip blocks by time range and column statistics,
 * read only the projected columns, go through the block cache; for a top-k scan, read blocks
 * best first and skip those that cannot enter the top; for one trace, yield only its spans.
 */
import { bytesToHex } from '../ids.ts'
import { StorageError } from '../errors.ts'
import { sliceRows, takeColumn, takeRows } from '../batch-ops.ts'
import { SPAN_COLUMNS, TIME_COLUMN, type Batch, type Column } from '../model.ts'
import { BLOCK_ROWS } from '../limits.ts'
import { mayMatch, traceRows } from '../part/block-stats.ts'
import type { ColumnCondition, ScanCondition, ScanRequest, ScanStats } from '../store.ts'
import { columnBytes, type ChunkCache } from './block-cache.ts'
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
  request: Pick<ScanRequest, 'signal' | 'start' | 'end' | 'columns' | 'where' | 'abort' | 'top' | 'timeForRangeOnly' | 'holding' | 'reuse'>,
  stats: ScanStats,
  useCache: boolean,
  inRange?: WeakSet<Batch>,
  meter?: DecodeMeter,
): AsyncGenerator<Batch> {
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
  const trace = traceLookup(request)
  const traceTag = trace === undefined ? '' : bytesToHex(trace)
  if (top !== undefined) wanted.sort((x, y) => y.score - x.score || 0) // stable: file order among equals
  for (const { reader, fileKey, b, score } of wanted) {
    if (request.abort?.aborted) throw new StorageError('ABORTED', 'scan aborted', { cause: request.abort.reason })
    if (best?.excludes(score) === true) {
      stats.blocksSkipped++
      continue
    }
    // A block wholly inside the range whose result the caller holds from an earlier scan.
    const block = reader.index.blocks[b]
    if (request.reuse !== undefined && covers(block, TIME_COLUMN[request.signal], request) && request.reuse({ key: `${fileKey}:${b}`, rows: block.rows })) {
      stats.blocksSkipped++
      continue
    }
    const chunk: ChunkSource = { reader, fileKey, b, cache: useCache ? cache : undefined, stats, meter, decoded: 0 }
    let batch = readBlock(chunk, request, trace, traceTag, best, inRange)
    if (batch === undefined) {
      meter?.passed()
      continue
    }
    if (chunk.decoded > 0) request.holding?.(chunk.decoded)
    if (batch.length > 0) yield batch
    // The caller is done with the block: nothing here keeps it (a young-generation collection
    // can free its buffers now, meter.passed), and the query's charge for it ends.
    batch = undefined
    if (chunk.decoded > 0) request.holding?.(0)
    meter?.passed()
    // Give other work (ingest acknowledgements) a turn between blocks of a long scan.
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}

/** The batch of block `src.b` for `request`; undefined when none of its rows is wanted (counted as skipped). */
function readBlock(
  src: ChunkSource,
  request: Pick<ScanRequest, 'signal' | 'start' | 'end' | 'columns' | 'where' | 'timeForRangeOnly'>,
  trace: Uint8Array | undefined,
  traceTag: string,
  best: TopScores | undefined,
  inRange: WeakSet<Batch> | undefined,
): Batch | undefined {
  const { reader, b, stats } = src
  const timeName = TIME_COLUMN[request.signal]
  const block = reader.index.blocks[b]
  const within = covers(block, timeName, request)
  // Without inRange the caller cannot know which batches may lack the time column.
  const names = blockColumns(block, request, within && inRange !== undefined)
  // One trace's spans: a binary search per run of the block finds their rows in the trace id
  // column, and only those rows of the other columns are decoded.
  let rows: number[] | undefined
  if (trace !== undefined && block.traceRuns !== undefined && names.includes(SPAN_COLUMNS.traceId)) {
    const ids = readChunk(src, SPAN_COLUMNS.traceId)
    if (ids?.kind === 'bytes') rows = traceRows(ids, block.rows, block.traceRuns, trace)
    if (rows?.length === 0) {
      stats.blocksSkipped++
      return undefined
    }
  }
  const columns: Record<string, Column> = {}
  for (const name of names) {
    const column = rows === undefined ? readChunk(src, name) : readChunkRows(src, name, rows, traceTag)
    if (column !== undefined) columns[name] = column
  }
  if (names.includes(timeName) && columns[timeName] === undefined) {
    throw new StorageError('CORRUPT', `cannot scan ${reader.path}: block ${b} has no ${timeName} column`, { file: reader.path })
  }
  let batch: Batch = { signal: request.signal, length: rows?.length ?? block.rows, columns }
  const span = rows === undefined ? matchingSpan(columns, block.rows, request.where, names) : undefined
  if (span !== undefined && span.from >= span.to) {
    stats.blocksSkipped++
    return undefined
  }
  // Rows are stored grouped by service: an equality on it keeps one run of the block.
  if (span !== undefined && span.to - span.from < block.rows) batch = sliceRows(batch, span.from, span.to)
  // A column the run holds one value of goes on as that value alone: a `where` on it then
  // keeps every row by its dictionary, without a pass over the run's rows.
  if (span?.constant !== undefined) batch = { ...batch, columns: { ...batch.columns, [span.constant.name]: span.constant.column } }
  stats.blocksRead++
  stats.rowsRead += block.rows
  if (best !== undefined) {
    // Only the rows that can still enter the top go on (ScanTop: the caller wants no others).
    const kept = best.add(columns, block.rows, within ? () => true : timeKeeper(columns[timeName], request))
    if (kept !== undefined && kept.length < block.rows) batch = takeRows(batch, kept)
  }
  if (within) inRange?.add(batch)
  return batch
}

/** A block of a part being scanned, with the cache its chunks go through (none for compaction). */
interface ChunkSource {
  reader: PartReader
  fileKey: string
  b: number
  cache: ChunkCache | undefined
  stats: ScanStats
  meter: DecodeMeter | undefined
  /** Bytes of the block's chunks decoded from the file so far (columnBytes). */
  decoded: number
}

/**
 * What a thread that decodes is told (storage/shared-memory-gc.ts BufferCeiling): each chunk
 * it decodes from a file, and each block a scan is past, whose chunks it no longer references
 * (its garbage is young then, and a young-generation collection frees it).
 */
export interface DecodeMeter {
  decoded(bytes: number): void
  passed(): void
}

/** Column `name` of the block decoded from its file (rows `rows` alone when given), counted. */
function decodeChunk(src: ChunkSource, name: string, rows?: readonly number[]): Column | undefined {
  const column = src.reader.readColumn(src.b, name, rows)
  src.stats.bytesRead += src.reader.chunkBytes(src.b, name)
  if (column === undefined) return undefined
  const bytes = columnBytes(column)
  src.decoded += bytes
  src.meter?.decoded(bytes)
  return column
}

/** Column `name` of the block, decoded whole, from the cache or the file; undefined when the block lacks it. */
function readChunk(src: ChunkSource, name: string): Column | undefined {
  const key = chunkKey(src.fileKey, src.b, name)
  const cached = src.cache?.get(key)
  if (cached !== undefined) return cached
  const column = decodeChunk(src, name)
  if (column === undefined || src.cache === undefined) return column
  // The scan goes on with the cache's copy when it keeps one (a shared cache's is in shared
  // memory): the decoded arrays are garbage at once, not only once the scan is past the block.
  src.cache.set(key, column)
  return src.cache.get(key) ?? column
}

/**
 * Rows `rows` of column `name` of the block: taken from the whole column when it is cached,
 * else decoded for those rows alone, and cached under `tag` (what chose the rows, the same
 * rows each time) so that a repeated lookup finds them.
 */
function readChunkRows(src: ChunkSource, name: string, rows: readonly number[], tag: string): Column | undefined {
  const whole = src.cache?.get(chunkKey(src.fileKey, src.b, name))
  if (whole !== undefined) return takeColumn(whole, rows)
  const key = `${chunkKey(src.fileKey, src.b, name)}/${tag}`
  let column = src.cache?.get(key)
  if (column !== undefined) return column
  column = decodeChunk(src, name, rows)
  if (column !== undefined) src.cache?.set(key, column)
  return column
}

/**
 * The rows [from, to) of a block outside which no row can satisfy the equalities of `where` on
 * string columns (`from >= to` when no row can); undefined when `where` has none it can use.
 * `read`: the columns read, so that one the block lacks is known to match nothing. Rows are
 * stored grouped by service (FORMAT.md): an equality on it keeps one run of the block, found
 * by looking at its ends only.
 */
function matchingSpan(columns: Readonly<Record<string, Column>>, rows: number, where: readonly ScanCondition[] | undefined, read: readonly string[]): MatchingSpan | undefined {
  let from = 0
  let to = rows
  let narrowed = false
  let constant: { name: string; whole: StringSpan } | undefined
  for (const cond of where ?? []) {
    // A field read from the first present of several columns: the union of their spans.
    let lo = to
    let hi = from
    let known = true
    for (const c of cond.op === 'any' ? cond.of : [cond]) {
      const s = stringSpan(columns, c, read, from, to)
      if (s?.whole?.column !== undefined && cond.op === 'eq') constant = { name: cond.column, whole: s.whole }
      if (s === undefined) known = false
      else if (s.from < s.to) {
        lo = Math.min(lo, s.from)
        hi = Math.max(hi, s.to)
      }
    }
    if (!known) continue
    narrowed = true
    if (lo >= hi) return { from, to: from }
    from = lo
    to = hi
  }
  if (!narrowed) return undefined
  const one = constant !== undefined && constant.whole.from === from && constant.whole.to === to ? { name: constant.name, column: constant.whole.column! } : undefined
  return { from, to, constant: one }
}

/** Rows [from, to) of a block, and a column that holds one value over them (as such). */
interface MatchingSpan {
  from: number
  to: number
  constant?: { name: string; column: Column }
}

/**
 * The span of a block's str column where the strings wanted are, its first to last row; for
 * an equality whose rows are exactly that span, `column`: the span's rows as a column of that
 * one string (kept with the span, so a block scanned again brings the same column).
 */
interface StringSpan {
  from: number
  to: number
  column?: Column
}

/** Codes of a dictionary of one string: shared, never written (views of it are columns). */
const ZEROS = new Uint32Array(BLOCK_ROWS)

/**
 * The first to last row of [from, to) that may hold a string `cond` wants (a superset: the
 * rows of the whole block, cut to [from, to)); undefined when `cond` is no equality on a str column.
 */
function stringSpan(columns: Readonly<Record<string, Column>>, cond: ColumnCondition, read: readonly string[], from: number, to: number): { from: number; to: number; whole?: StringSpan } | undefined {
  if (cond.op !== 'eq' && cond.op !== 'in') return undefined
  const values = cond.op === 'eq' ? [cond.value] : cond.values
  if (!values.every((v) => typeof v === 'string')) return undefined
  const c = columns[cond.column]
  if (c === undefined) return read.includes(cond.column) ? { from, to: from } : undefined
  if (c.kind !== 'str') return undefined
  // Cached blocks come back to every query: their spans are found once.
  let known = spans.get(c.codes)
  if (known === undefined) spans.set(c.codes, (known = new Map()))
  const key = JSON.stringify(values)
  let s = known.get(key)
  if (s === undefined) {
    s = { from: 0, to: c.codes.length } as StringSpan
    const wanted = new Uint8Array(c.dict.length)
    for (let code = 0; code < c.dict.length; code++) wanted[code] = values.includes(c.dict[code]) ? 1 : 0
    const { codes, present } = c
    while (s.from < s.to && (wanted[codes[s.from]] === 0 || (present !== undefined && present[s.from] !== 1))) s.from++
    while (s.to > s.from && (wanted[codes[s.to - 1]] === 0 || (present !== undefined && present[s.to - 1] !== 1))) s.to--
    let every = cond.op === 'eq' && s.to > s.from && s.to - s.from <= ZEROS.length
    for (let row = s.from; row < s.to && every; row++) every = wanted[codes[row]] === 1 && (present === undefined || present[row] === 1)
    if (every) s.column = { kind: 'str', dict: [values[0] as string], codes: ZEROS.subarray(0, s.to - s.from) }
    known.set(key, s)
  }
  const lo = Math.max(from, s.from)
  return { from: lo, to: Math.max(lo, Math.min(to, s.to)), whole: s }
}

/** Spans of the strings wanted (JSON of the values) by the codes of a decoded str column. */
const spans = new WeakMap<Uint32Array, Map<string, StringSpan>>()

/**
 * The trace a scan of spans looks up (an equality on the trace id), if any: such a scan reads
 * a few rows of a few blocks, and decoding whole blocks ahead of it would be wasted.
 */
export function traceLookup(request: Pick<ScanRequest, 'signal' | 'where'>): Uint8Array | undefined {
  if (request.signal !== 'spans') return undefined
  const cond = request.where?.find((c) => c.op === 'eq' && c.column === SPAN_COLUMNS.traceId)
  return cond?.op === 'eq' && cond.value instanceof Uint8Array ? cond.value : undefined
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
