/**
 * @module storage/engine/shared-block-cache
 * One cache of decoded column chunks for several threads (the query threads): a chunk one
 * thread decodes is moved into shared memory and announced to the others on a
 * BroadcastChannel, so no thread decrypts and decodes a chunk another one holds, and the
 * threads together keep one budget instead of each its share of it.
 *
 * How: every thread keeps an index of the same chunks (key to shared arrays). Numeric, byte and
 * list columns are typed arrays in SharedArrayBuffers, read in place by every thread; a big
 * dictionary's UTF-8 strings (utf8-strings.ts) too, each get handing out a column of its own
 * over them; other string and general-value columns are packed with the column codec into shared
 * bytes, which a thread turns back into its own strings the first time it reads the chunk (and
 * keeps with the entry). An insert or an eviction by one thread is applied by all (each evicts
 * its least recently used chunks past the budget and announces what it dropped), so the chunks
 * held, and their memory (freed once no thread references them), stay within the budget.
 *
 * Contract: `budget` bounds what the cache holds in the whole process: a chunk's shared memory
 * once, plus the strings (or general values) of a packed chunk once per reader thread, since
 * each thread that reads it makes its own (columnBytes' estimates). Two threads may miss
 * the same chunk at once and both decode it; the first announcement kept wins, answers are
 * the same either way (parts are immutable).
 *
 * Memory of a dropped chunk comes back only once every thread that held it has collected its
 * garbage, and a thread that receives chunks but allocates little (an idle query thread) may
 * not run a full collection for a long time: its dropped chunks pile up outside the budget
 * (seen growing by gigabytes under a steady dashboard). So each thread runs `collect` (a full
 * garbage collection) once it has dropped half the budget since the last.
 */
import { BroadcastChannel } from 'node:worker_threads'
import { ByteWriter } from '../codec/byte-writer.ts'
import { ByteReader } from '../codec/byte-reader.ts'
import { decodeColumn, encodeColumn } from '../codec/column-codec.ts'
import type { Column, Utf8Strings } from '../model.ts'
import { utf8Bytes, utf8Column } from '../utf8-strings.ts'
import { columnBytes, touch, type ChunkCache } from './block-cache.ts'

/**
 * A chunk as the threads share it: its arrays in shared memory; a string column's dictionary
 * packed, or a big one's UTF-8 bytes and offsets shared (its codes shared as they are either
 * way); a general-value column packed whole, with its rows.
 */
type SharedChunk =
  | { column: Column }
  | { column: Extract<Column, { kind: 'str' }>; dict: Uint8Array; size: number }
  | { column: Extract<Column, { kind: 'str' }>; utf8: Utf8Strings }
  | { packed: Uint8Array; rows: number }

type Announcement = { op: 'set'; key: string; chunk: SharedChunk; bytes: number } | { op: 'drop'; keys: string[] }

interface Entry {
  chunk: SharedChunk
  bytes: number
  /** This thread decoded it (its shared memory counts among this thread's buffers). */
  own?: boolean
  /** This thread's column over the shared chunk (strings made from packed bytes). */
  column?: Column
}

type Typed = Uint8Array | Uint32Array | Int32Array | Float64Array | BigInt64Array

function shared<T extends Typed>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a
  const copy = new (a.constructor as new (buffer: SharedArrayBuffer) => T)(new SharedArrayBuffer(a.byteLength))
  copy.set(a as never)
  return copy
}

/** `column` as the threads share it. Each array gets its own SharedArrayBuffer: a chunk is
 * tens to hundreds of kilobytes, so the cost of posting one more buffer (bench/snapshot-post.ts)
 * is small beside it, and memory is freed as soon as the chunk is dropped. */
function share(column: Column, rows: number): SharedChunk {
  const present = column.present === undefined ? undefined : shared(column.present)
  switch (column.kind) {
    case 'str': {
      if (column.utf8 !== undefined) {
        const { bytes, offsets, ascii } = column.utf8
        return { column: { kind: 'str', dict: [], codes: shared(column.codes), present }, utf8: { bytes: shared(bytes), offsets: shared(offsets), ascii } }
      }
      const w = new ByteWriter(column.dict.length * 16 + 64)
      w.strings(column.dict)
      return { column: { kind: 'str', dict: [], codes: shared(column.codes), present }, dict: shared(w.finish()), size: column.dict.length }
    }
    case 'any':
      return { packed: shared(encodeColumn(column, rows, new ByteWriter(rows * 2 + 64), { compact: false })), rows }
    case 'i64list':
    case 'f64list':
      return { column: { ...column, offsets: shared(column.offsets), values: shared(column.values as Typed), present } as Column }
    default:
      return { column: { ...column, values: shared(column.values as Typed), present } as Column }
  }
}

/**
 * What a chunk costs the process: its shared memory once, and the strings or values made from
 * its packed bytes once per thread that may read it (`readers`), estimated as columnBytes does.
 */
function chunkBytes(chunk: SharedChunk, column: Column, readers: number): number {
  if ('packed' in chunk) return chunk.packed.byteLength + readers * columnBytes(column)
  // UTF-8 strings: the bytes, once; the strings a query makes of them go with the query.
  if ('utf8' in chunk) return columnBytes(chunk.column) + utf8Bytes(chunk.utf8)
  if (!('dict' in chunk)) return columnBytes(chunk.column)
  const strings = columnBytes(column) - columnBytes(chunk.column)
  return columnBytes(chunk.column) + chunk.dict.byteLength + readers * strings
}

/** This thread's column of a shared chunk: strings are made here, arrays are the shared ones. */
function unshare(chunk: SharedChunk, what: string): Column {
  if ('packed' in chunk) return decodeColumn(chunk.packed, chunk.rows, what)
  if ('utf8' in chunk) return utf8Column(chunk.utf8, chunk.column.codes, chunk.column.present)
  if ('dict' in chunk) return { ...chunk.column, dict: new ByteReader(chunk.dict, what).strings(chunk.size) }
  return chunk.column
}

export class SharedBlockCache implements ChunkCache {
  private readonly entries = new Map<string, Entry>()
  private bytes = 0
  private ownBytes = 0
  private budget: number
  private readonly readers: number
  private readonly channel: BroadcastChannel
  private readonly collect: (() => void) | undefined
  private droppedBytes = 0

  /** `name`: the channel the threads sharing this cache meet on (one per set of threads);
   * `readers`: how many threads share it (each makes its own strings of a string chunk);
   * `collect`: a full garbage collection of this thread, run once half the budget was dropped. */
  constructor(budget: number, name: string, readers = 1, collect?: () => void) {
    this.budget = budget
    this.readers = readers
    this.collect = collect
    this.channel = new BroadcastChannel(name)
    // The channel must not keep a thread alive on its own.
    this.channel.unref()
    this.channel.onmessage = (event) => this.receive((event as { data: Announcement }).data)
  }

  get size(): { chunks: number; bytes: number } {
    return { chunks: this.entries.size, bytes: this.bytes }
  }

  /** Bytes of the chunks held that this thread decoded (their shared memory is allocated by it). */
  get ownSize(): number {
    return this.ownBytes
  }

  has(key: string): boolean {
    return this.entries.has(key)
  }

  /** The chunk when some thread decoded it. */
  get(key: string): Column | undefined {
    const e = touch(this.entries, key)
    if (e === undefined) return undefined
    // A column of its own over UTF-8 strings: the strings a query makes of them are not kept.
    if ('utf8' in e.chunk) return unshare(e.chunk, key)
    e.column ??= unshare(e.chunk, `cached chunk ${key}`)
    return e.column
  }

  /** Keeps `column`, just decoded by this thread, for every thread. */
  set(key: string, column: Column): void {
    if (this.budget <= 0 || this.entries.has(key)) return
    const chunk = share(column, rowsOf(column))
    const bytes = chunkBytes(chunk, column, this.readers)
    if (bytes > this.budget / 4) return
    // This thread keeps the strings it made, over the shared arrays (its own copies can go).
    const own = 'packed' in chunk ? column : 'utf8' in chunk ? undefined : 'dict' in chunk ? { ...chunk.column, dict: (column as Extract<Column, { kind: 'str' }>).dict } : chunk.column
    this.insert(key, { chunk, bytes, column: own, own: true })
    this.post({ op: 'set', key, chunk, bytes })
    this.evict()
  }

  /** Sets the budget (every thread sharing the cache is told the same): past it, least recently
   * used chunks are dropped here and announced to the others. */
  resize(budget: number): void {
    this.budget = budget
    this.evict()
  }

  clear(): void {
    this.post({ op: 'drop', keys: [...this.entries.keys()] })
    this.entries.clear()
    this.bytes = 0
    this.ownBytes = 0
  }

  /** Leaves the channel (the thread's own entries stay readable until it goes). */
  close(): void {
    this.channel.close()
  }

  private insert(key: string, entry: Entry): void {
    this.entries.set(key, entry)
    this.bytes += entry.bytes
    if (entry.own === true) this.ownBytes += entry.bytes
  }

  private receive(message: Announcement): void {
    if (message.op === 'set') {
      if (this.entries.has(message.key)) return
      this.insert(message.key, { chunk: message.chunk, bytes: message.bytes })
      this.evict()
    } else {
      for (const key of message.keys) this.remove(key)
    }
  }

  private remove(key: string): void {
    const e = this.entries.get(key)
    if (e === undefined) return
    this.entries.delete(key)
    this.bytes -= e.bytes
    if (e.own === true) this.ownBytes -= e.bytes
    this.dropped(e.bytes)
  }

  private dropped(bytes: number): void {
    this.droppedBytes += bytes
    if (this.collect === undefined || this.droppedBytes < this.budget / 2) return
    this.droppedBytes = 0
    this.collect()
  }

  /** Drops least recently used chunks past the budget, here and in the other threads. */
  private evict(): void {
    if (this.bytes <= this.budget) return
    const dropped: string[] = []
    for (const key of this.entries.keys()) {
      if (this.bytes <= this.budget) break
      this.remove(key)
      dropped.push(key)
    }
    this.post({ op: 'drop', keys: dropped })
  }

  private post(message: Announcement): void {
    try {
      this.channel.postMessage(message)
    } catch {
      // A closed channel (the thread is stopping): the others keep what they have.
    }
  }
}

/** Rows of a decoded column (decodeColumn makes every array of its block's length). */
function rowsOf(column: Column): number {
  switch (column.kind) {
    case 'str':
      return column.codes.length
    case 'i64list':
    case 'f64list':
      return column.offsets.length - 1
    case 'bytes':
      return column.values.length / column.width
    default:
      return column.values.length
  }
}
