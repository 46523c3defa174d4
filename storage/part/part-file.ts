/**
 * @module storage/part/part-file
 * Part files: immutable, encrypted, columnar (storage/FORMAT.md, "Part file").
 * A part holds blocks of rows; each column of each block is one chunk, zstd-compressed then
 * sealed with AES-256-GCM, so a scan decrypts only the columns it reads. The index at the end
 * (sealed too) lists blocks, chunk positions and statistics.
 */
import { randomBytes } from 'node:crypto'
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { crc32, zstdCompressSync, zstdDecompressSync, constants as zlib } from 'node:zlib'
import { ByteReader } from '../codec/byte-reader.ts'
import { ByteWriter } from '../codec/byte-writer.ts'
import { decodeColumn, encodeColumn } from '../codec/column-codec.ts'
import { FORMAT_VERSION, MAGIC } from '../codec/frame.ts'
import { readValue, writeValue } from '../codec/value-codec.ts'
import { open, seal } from '../crypto/seal.ts'
import { StorageError } from '../errors.ts'
import { writeFileDurably } from '../fs-durable.ts'
import { BLOCK_ROWS, MAX_FRAME_PAYLOAD } from '../limits.ts'
import { SPAN_COLUMNS, TIME_COLUMN, TRACE_ID_COLUMN, type AnyValue, type Batch, type Column, type Signal } from '../model.ts'
import { columnStats, durationRange, traceRuns, type ColumnStats } from './block-stats.ts'


/** Frame type of a part file header (shares the BlazeBinary magic and version). */
export const PART_FILE_TYPE = 3
export const PART_HEADER_BYTES = 24
export const PART_TRAILER_BYTES = 16
const FILE_ID_BYTES = 16

/** Which partition a part belongs to; sealed into its index so a part copied elsewhere is refused. */
export interface PartIdentity {
  tenant: string
  signal: Signal
  partitionStart: bigint
  partitionEnd: bigint
}

export interface ChunkRef {
  name: string
  offset: number
  /** Bytes on disk: compressed and sealed. */
  length: number
  /** Bytes of the encoded column before compression, for compression ratios. */
  rawLength: number
  stats: ColumnStats
}

export interface BlockIndex {
  rows: number
  minTime: bigint
  maxTime: bigint
  /** Spans: the least and greatest end - start of the block's rows (absent in parts written before it was kept). */
  duration?: { min: number; max: number }
  /** Spans: the rows where an ascending run of trace keys starts (block-stats.ts traceRuns). */
  traceRuns?: number[]
  columns: ChunkRef[]
}

export interface PartIndex extends PartIdentity {
  fileId: Uint8Array
  /** Highest write-ahead log segment whose rows this part holds. */
  walSeq: number
  rows: number
  blocks: BlockIndex[]
  fileBytes: number
}

function chunkAad(fileId: Uint8Array, block: number, column: string): Uint8Array {
  const w = new ByteWriter(64)
  w.bytes(fileId)
  w.uvarint(block)
  w.string(column)
  return w.finish()
}

function indexAad(fileId: Uint8Array): Uint8Array {
  const w = new ByteWriter(32)
  w.bytes(fileId)
  w.string('index')
  return w.finish()
}

export interface WritePartOptions {
  key: Uint8Array
  identity: PartIdentity
  walSeq: number
  zstdLevel: number
}

/**
 * Writes `blocks` (each at most BLOCK_ROWS rows, in the order they should be stored) as a part
 * file at `path`, durably (temporary file, fsync, rename, fsync directory). Blocks are taken
 * one at a time, so a caller can make each when it is asked for. Returns the part's index.
 */
export async function writePart(path: string, blocks: Iterable<Batch>, options: WritePartOptions): Promise<PartIndex> {
  const fileId = randomBytes(FILE_ID_BYTES)
  const header = new Uint8Array(PART_HEADER_BYTES)
  header.set(MAGIC, 0)
  header[5] = FORMAT_VERSION
  header[6] = PART_FILE_TYPE
  header[7] = 0
  header.set(fileId, 8)
  const parts: Uint8Array[] = [header]
  let offset = PART_HEADER_BYTES
  const index: BlockIndex[] = []
  const timeName = TIME_COLUMN[options.identity.signal]
  const traceName = TRACE_ID_COLUMN[options.identity.signal]
  const scratch = new ByteWriter(1 << 20)
  let total = 0
  let block = 0
  for (const batch of blocks) {
    const rows = batch.length
    if (rows === 0) continue
    if (rows > BLOCK_ROWS) throw new StorageError('INVALID_ARGUMENT', `cannot write a block of ${rows} rows: the limit is ${BLOCK_ROWS}`)
    const columns: ChunkRef[] = []
    let minTime = 0n
    let maxTime = 0n
    for (const name of Object.keys(batch.columns)) {
      const column = batch.columns[name]
      const stats = columnStats(column, rows, name === traceName)
      if (stats.present === 0) continue
      if (name === timeName) {
        minTime = stats.min as bigint
        maxTime = stats.max as bigint
      }
      scratch.length = 0
      const plain = encodeColumn(column, rows, scratch)
      // Compressed on this thread (parts are built on the part writer's): handing each chunk to
      // the libuv pool cost a copy and a round trip per chunk, about a fifth of a metrics flush.
      const compressed = zstdCompressSync(plain, { params: { [zlib.ZSTD_c_compressionLevel]: options.zstdLevel } })
      const sealed = seal(options.key, compressed, chunkAad(fileId, block, name))
      parts.push(sealed)
      columns.push({ name, offset, length: sealed.length, rawLength: plain.length, stats })
      offset += sealed.length
    }
    const spans = options.identity.signal === 'spans'
    const duration = spans ? durationRange(batch.columns, rows) : undefined
    const runs = spans ? traceRuns(batch.columns[SPAN_COLUMNS.traceId], rows) : undefined
    index.push({ rows, minTime, maxTime, ...(duration === undefined ? {} : { duration }), ...(runs === undefined ? {} : { traceRuns: runs }), columns })
    total += rows
    block++
  }
  const partIndex: PartIndex = { ...options.identity, fileId, walSeq: options.walSeq, rows: total, blocks: index, fileBytes: 0 }
  const w = new ByteWriter(4096)
  writeValue(w, indexToValue(partIndex))
  const sealedIndex = seal(options.key, zstdCompressSync(w.finish()), indexAad(fileId))
  parts.push(sealedIndex)
  const trailer = new Uint8Array(PART_TRAILER_BYTES)
  const view = new DataView(trailer.buffer)
  view.setBigUint64(0, BigInt(offset), true)
  view.setUint32(8, sealedIndex.length, true)
  view.setUint32(12, crc32(trailer.subarray(0, 12)), true)
  parts.push(trailer)
  await writeFileDurably(path, parts)
  partIndex.fileBytes = offset + sealedIndex.length + PART_TRAILER_BYTES
  return partIndex
}

function indexToValue(index: PartIndex): AnyValue {
  return {
    tenant: index.tenant,
    signal: index.signal,
    partitionStart: index.partitionStart,
    partitionEnd: index.partitionEnd,
    walSeq: BigInt(index.walSeq),
    rows: BigInt(index.rows),
    blocks: index.blocks.map((b) => ({
      rows: BigInt(b.rows),
      minTime: b.minTime,
      maxTime: b.maxTime,
      ...(b.duration === undefined ? {} : { durationMin: b.duration.min, durationMax: b.duration.max }),
      ...(b.traceRuns === undefined ? {} : { traceRuns: b.traceRuns.map(BigInt) }),
      columns: b.columns.map((c) => ({
        name: c.name,
        offset: BigInt(c.offset),
        length: BigInt(c.length),
        rawLength: BigInt(c.rawLength),
        stats: statsToValue(c.stats),
      })),
    })),
  }
}

function statsToValue(s: ColumnStats): AnyValue {
  const out: { [k: string]: AnyValue } = { present: BigInt(s.present) }
  if (s.min !== undefined) out.min = s.min
  if (s.max !== undefined) out.max = s.max
  if (s.values !== undefined) out.values = s.values
  if (s.bloom !== undefined) out.bloom = s.bloom
  return out
}

/** Reads a field of a decoded index object, checking its type. */
function field<T>(obj: AnyValue, name: string, check: (v: AnyValue) => v is T & AnyValue, file: string): T {
  const v = obj !== null && typeof obj === 'object' && !Array.isArray(obj) && !(obj instanceof Uint8Array) ? obj[name] : undefined
  if (v === undefined || !check(v)) throw new StorageError('CORRUPT', `cannot read part ${file}: index field ${name} is missing or malformed`, { file })
  return v as T
}

const isBig = (v: AnyValue): v is bigint => typeof v === 'bigint'
const isStr = (v: AnyValue): v is string => typeof v === 'string'
const isArr = (v: AnyValue): v is AnyValue[] => Array.isArray(v)
const isObj = (v: AnyValue): v is { [k: string]: AnyValue } => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array)
const isNum = (v: AnyValue): v is number | bigint => typeof v === 'number' || typeof v === 'bigint'

function valueToIndex(v: AnyValue, fileId: Uint8Array, file: string): PartIndex {
  const signal = field(v, 'signal', isStr, file)
  if (signal !== 'spans' && signal !== 'logs' && signal !== 'metrics') throw new StorageError('CORRUPT', `cannot read part ${file}: signal ${signal}`, { file })
  return {
    tenant: field(v, 'tenant', isStr, file),
    signal,
    partitionStart: field(v, 'partitionStart', isBig, file),
    partitionEnd: field(v, 'partitionEnd', isBig, file),
    fileId,
    walSeq: Number(field(v, 'walSeq', isBig, file)),
    rows: Number(field(v, 'rows', isBig, file)),
    fileBytes: 0,
    blocks: field(v, 'blocks', isArr, file).map((b) => ({
      rows: Number(field(b, 'rows', isBig, file)),
      minTime: field(b, 'minTime', isBig, file),
      maxTime: field(b, 'maxTime', isBig, file),
      ...(isObj(b) && b.durationMin !== undefined ? { duration: { min: Number(field(b, 'durationMin', isNum, file)), max: Number(field(b, 'durationMax', isNum, file)) } } : {}),
      ...(isObj(b) && b.traceRuns !== undefined ? { traceRuns: traceRunsOf(field(b, 'traceRuns', isArr, file), Number(field(b, 'rows', isBig, file)), file) } : {}),
      columns: field(b, 'columns', isArr, file).map((c) => {
        const s = field(c, 'stats', isObj, file)
        const stats: ColumnStats = { present: Number(field(s, 'present', isBig, file)) }
        if (s.min !== undefined) stats.min = field(s, 'min', isNum, file)
        if (s.max !== undefined) stats.max = field(s, 'max', isNum, file)
        if (s.values !== undefined) stats.values = field(s, 'values', isArr, file).map((x) => String(x))
        if (s.bloom !== undefined) stats.bloom = field(s, 'bloom', (x): x is Uint8Array => x instanceof Uint8Array, file)
        return {
          name: field(c, 'name', isStr, file),
          offset: Number(field(c, 'offset', isBig, file)),
          length: Number(field(c, 'length', isBig, file)),
          rawLength: Number(field(c, 'rawLength', isBig, file)),
          stats,
        }
      }),
    })),
  }
}

/** Checks a block's trace runs: ascending row numbers from 0, inside the block (a binary search trusts them). */
function traceRunsOf(values: AnyValue[], rows: number, file: string): number[] {
  const runs = values.map((x) => (typeof x === 'bigint' ? Number(x) : -1))
  if (runs[0] !== 0 || runs.some((r, i) => r >= rows || (i > 0 && r <= runs[i - 1]))) throw new StorageError('CORRUPT', `cannot read part ${file}: malformed trace runs`, { file })
  return runs
}

/**
 * An open part file. Reads are synchronous positional reads: chunks are small and usually in
 * the page cache, and a scan is CPU-bound anyway.
 * Not safe to use after close().
 */
export class PartReader {
  readonly path: string
  readonly index: PartIndex
  /** The open file. Descriptors are the process's: another thread may read through it (pread)
   * while this reader's owner keeps it open (storage/snapshot-scanner.ts). */
  readonly fd: number
  private readonly key: Uint8Array
  private readonly owned: boolean

  private constructor(path: string, fd: number, key: Uint8Array, index: PartIndex, owned = true) {
    this.path = path
    this.fd = fd
    this.key = key
    this.index = index
    this.owned = owned
  }

  /** Opens and authenticates the index of a part; throws CORRUPT or TAMPERED. */
  static open(path: string, key: Uint8Array): PartReader {
    const fd = openSync(path, 'r')
    try {
      return new PartReader(path, fd, key, readIndex(fd, path, key))
    } catch (error) {
      closeSync(fd)
      throw error
    }
  }

  /**
   * A reader over a descriptor that someone else keeps open for as long as this reader is used
   * (a query thread reading a scan snapshot): `close` leaves it open. `index`, when given, is
   * the part's index read earlier (it is immutable, and authenticated then); otherwise it is read.
   */
  static borrow(fd: number, path: string, key: Uint8Array, index?: PartIndex): PartReader {
    return new PartReader(path, fd, key, index ?? readIndex(fd, path, key), false)
  }

  /** Size in bytes of the sealed chunk of `column` in `block` (0 when the block lacks it). */
  chunkBytes(block: number, column: string): number {
    return this.index.blocks[block].columns.find((c) => c.name === column)?.length ?? 0
  }

  /** Decrypts, decompresses and decodes one column of one block; undefined when absent. */
  readColumn(block: number, name: string): Column | undefined {
    const b = this.index.blocks[block]
    const ref = b.columns.find((c) => c.name === name)
    if (ref === undefined) return undefined
    const what = `column ${name} of block ${block} in ${this.path}`
    const plain = open(this.key, readAt(this.fd, ref.offset, ref.length), chunkAad(this.index.fileId, block, name), what)
    return decodeColumn(decompress(plain, this.path, ref.rawLength), b.rows, what)
  }

  close(): void {
    if (this.owned) closeSync(this.fd)
  }
}

/** Reads and authenticates the index of the part open as `fd`; throws CORRUPT or TAMPERED. */
function readIndex(fd: number, path: string, key: Uint8Array): PartIndex {
  const size = fstatSync(fd).size
  if (size < PART_HEADER_BYTES + PART_TRAILER_BYTES) throw new StorageError('CORRUPT', `cannot read part ${path}: ${size} bytes is too short`, { file: path })
  const header = readAt(fd, 0, PART_HEADER_BYTES)
  for (let i = 0; i < MAGIC.length; i++) {
    if (header[i] !== MAGIC[i]) throw new StorageError('CORRUPT', `cannot read part ${path}: bad magic`, { file: path, offset: 0 })
  }
  if (header[5] !== FORMAT_VERSION) {
    throw new StorageError('UNSUPPORTED_VERSION', `cannot read part ${path}: format version ${header[5]}, this build reads ${FORMAT_VERSION}`, { file: path })
  }
  if (header[6] !== PART_FILE_TYPE) throw new StorageError('CORRUPT', `cannot read part ${path}: file type ${header[6]}`, { file: path })
  const fileId = header.slice(8, 8 + FILE_ID_BYTES)
  const trailer = readAt(fd, size - PART_TRAILER_BYTES, PART_TRAILER_BYTES)
  const view = new DataView(trailer.buffer, trailer.byteOffset, PART_TRAILER_BYTES)
  if (crc32(trailer.subarray(0, 12)) !== view.getUint32(12, true)) {
    throw new StorageError('CORRUPT', `cannot read part ${path}: trailer checksum mismatch (truncated or damaged)`, { file: path, offset: size - PART_TRAILER_BYTES })
  }
  const indexOffset = Number(view.getBigUint64(0, true))
  const indexLength = view.getUint32(8, true)
  if (indexOffset + indexLength + PART_TRAILER_BYTES !== size || indexOffset < PART_HEADER_BYTES) {
    throw new StorageError('CORRUPT', `cannot read part ${path}: index position ${indexOffset}+${indexLength} does not fit ${size} bytes`, { file: path })
  }
  const plain = open(key, readAt(fd, indexOffset, indexLength), indexAad(fileId), `the index of part ${path}`)
  const index = valueToIndex(readValue(new ByteReader(decompress(plain, path), `index of part ${path}`)), fileId, path)
  index.fileBytes = size
  for (const b of index.blocks) {
    for (const c of b.columns) {
      if (c.offset < PART_HEADER_BYTES || c.offset + c.length > indexOffset) {
        throw new StorageError('CORRUPT', `cannot read part ${path}: chunk ${c.name} at ${c.offset}+${c.length} is outside the data`, { file: path })
      }
    }
  }
  return index
}

/**
 * `size`, when known, is the decompressed length: output in one piece of it, not in chunks
 * (zlib's default) each crossing into the binding and then concatenated, which took longer
 * than zstd itself for incompressible chunks such as ids.
 */
function decompress(bytes: Uint8Array, file: string, size?: number): Uint8Array {
  try {
    const chunkSize = size === undefined ? undefined : Math.min(Math.max(size, zlib.Z_MIN_CHUNK), MAX_FRAME_PAYLOAD)
    return zstdDecompressSync(bytes, { maxOutputLength: MAX_FRAME_PAYLOAD, chunkSize })
  } catch (error) {
    throw new StorageError('CORRUPT', `cannot read ${file}: zstd: ${(error as Error).message}`, { cause: error, file })
  }
}

function readAt(fd: number, position: number, length: number): Uint8Array {
  const buf = new Uint8Array(length)
  let done = 0
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done)
    if (n === 0) throw new StorageError('CORRUPT', `unexpected end of file at ${position + done}`, { offset: position + done })
    done += n
  }
  return buf
}
