/**
 * @module storage/build/column-writers
 * Column writers a producer fills in place, one per column kind, built for a decoder's hot loop
 * (ingest's OTLP decoders are the model producer; BatchBuilder is a convenience over them): a writer is looked up once and kept, values shared by a
 * run of rows (resource, scope, metric) are filled as a range, and 64-bit words and packed lists
 * are copied straight from the wire. (a row-by-row builder with a lookup per cell measured about 1M rows/s for 17 cells a row,
 * below the 1M points/s the gateway must sustain with decoding and HTTP on top.)
 *
 * Sizing: a writer is made with the row count the request is expected to have (`capacity`,
 * counted before decoding, 0 when unknown); its arrays are allocated at that size on first use
 * (a `present` array only once a row is skipped: most columns are dense), so a request costs
 * about one allocation per column and `finish` hands the arrays over uncopied. More rows than
 * expected still work: arrays then grow by doubling. List columns: list-writer.ts.
 *
 * Contract: a writer may be set on any rows, in any order, except lists (increasing rows); a
 * row set twice keeps the last value. `finish` hands the arrays over to the batch: the writer
 * is not used afterwards.
 */
import type { AnyValue, Column } from '../model.ts'

const INITIAL_ROWS = 1024

type Numbers = Uint8Array | Uint32Array | Int32Array | Float64Array | BigInt64Array
type NumbersOf<T extends Numbers> = new (buffer: ArrayBufferLike) => T

/** Whether new column arrays live in shared memory (see `shareColumnArrays`). */
let shared = false

/**
 * Shared memory is handed out in slabs: the column arrays of a request are views into one or
 * two SharedArrayBuffers rather than one each. Every shared buffer is an object to make, to
 * register with the garbage collector and to name in each message that carries it, and a
 * request has some fifty columns; a slab holds a whole request's columns. Arrays above a
 * quarter of a slab get a buffer of their own.
 */
const SLAB_BYTES = 1 << 20
let slab = new SharedArrayBuffer(0)
let slabUsed = 0

/**
 * Makes this thread's column arrays in shared memory (SharedArrayBuffer) from now on. A decoding
 * thread does: its batches then reach the event loop's thread, the storage engine's head and its
 * part-writer thread without one copy, since posting a shared array shares it. Column arrays are
 * never written once in a batch (storage/model.ts), so sharing them is safe.
 */
export function shareColumnArrays(): void {
  shared = true
}

/**
 * A zeroed array like `like` (its type), `n` elements long, in shared memory when asked for.
 * Arrays may be views into a larger buffer: take views of them with their byteOffset.
 */
export function newArray<T extends Numbers>(like: T, n: number): T {
  const Type = like.constructor as NumbersOf<T> & { BYTES_PER_ELEMENT: number }
  const bytes = n * Type.BYTES_PER_ELEMENT
  if (!shared) return new Type(new ArrayBuffer(bytes))
  if (bytes > SLAB_BYTES / 4) return new Type(new SharedArrayBuffer(bytes))
  // 8-byte aligned, as 64-bit arrays need.
  let at = (slabUsed + 7) & ~7
  if (at + bytes > slab.byteLength) {
    slab = new SharedArrayBuffer(SLAB_BYTES)
    at = 0
  }
  slabUsed = at + bytes
  return new (Type as unknown as new (buffer: ArrayBufferLike, offset: number, length: number) => T)(slab, at, n)
}

/**
 * `array` or a copy at least `need` long: first `capacity` (the expected size) when it is enough,
 * else doubling.
 */
export function grow<T extends Numbers>(array: T, need: number, capacity = 0): T {
  if (need <= array.length) return array
  let size = array.length === 0 && capacity >= need ? capacity : Math.max(array.length * 2, INITIAL_ROWS)
  while (size < need) size *= 2
  const next = newArray(array, size)
  next.set(array as never)
  return next
}

/** `array` cut to `n` elements: itself when it has exactly that many (the usual case). */
export function fit<T extends Numbers>(array: T, n: number): T {
  if (array.length === n) return array
  const out = newArray(array, n)
  out.set((array.length > n ? array.subarray(0, n) : array) as never)
  return out
}

/** The empty array that stands for "none yet" (compared by identity). */
export const NO_ROWS = new Uint8Array(0)

/**
 * Which rows of a column are set. One class for every writer, so that its hot methods see one
 * shape (a method shared by the writer classes through their base would see six).
 */
export class Presence {
  private readonly capacity: number
  /**
   * 1 for each row set. Empty while the rows set are exactly [0, count) (dense: most columns
   * are written row after row), made on the first write that leaves a gap.
   */
  rows: Uint8Array = NO_ROWS
  /** Rows set. */
  count = 0

  constructor(capacity: number) {
    this.capacity = capacity
  }

  has(row: number): boolean {
    return this.rows === NO_ROWS ? row < this.count : this.rows[row] === 1
  }

  /** A bound past the last row set. */
  extent(): number {
    return this.rows === NO_ROWS ? this.count : this.rows.length
  }

  mark(row: number): void {
    if (this.rows === NO_ROWS) {
      if (row === this.count) {
        this.count++
        return
      }
      if (row < this.count) return
      this.sparse(row + 1)
    } else if (row >= this.rows.length) this.rows = grow(this.rows, row + 1, this.capacity)
    if (this.rows[row] === 0) {
      this.rows[row] = 1
      this.count++
    }
  }

  markRange(from: number, to: number): void {
    if (this.rows === NO_ROWS) {
      if (from <= this.count) {
        if (to > this.count) this.count = to
        return
      }
      this.sparse(to)
    } else if (to > this.rows.length) this.rows = grow(this.rows, to, this.capacity)
    for (let row = from; row < to; row++) this.count += 1 - this.rows[row]
    this.rows.fill(1, from, to)
  }

  /** Leaves dense mode: makes `rows` for at least `need` rows, with [0, count) set. */
  private sparse(need: number): void {
    this.rows = grow(NO_ROWS, need, this.capacity)
    this.rows.fill(1, 0, this.count)
  }

  /** The column's `present` array for a batch of `rows` rows: undefined when all are set. */
  finish(rows: number): Uint8Array | undefined {
    if (this.rows !== NO_ROWS) return this.count === rows ? undefined : fit(this.rows, rows)
    if (this.count >= rows) return undefined
    const present = newArray(NO_ROWS, rows)
    present.fill(1, 0, this.count)
    return present
  }
}

export abstract class Writer {
  /** Rows the batch is expected to have (0: unknown). */
  readonly capacity: number
  readonly presence: Presence

  constructor(capacity = 0) {
    this.capacity = capacity
    this.presence = new Presence(capacity)
  }

  /** Rows set. */
  get count(): number {
    return this.presence.count
  }

  /** True when row `row` is set. */
  has(row: number): boolean {
    return this.presence.has(row)
  }

  /** A bound past the last row set, for reading the rows back. */
  extent(): number {
    return this.presence.extent()
  }

  protected presentFor(rows: number): Uint8Array | undefined {
    return this.presence.finish(rows)
  }

  abstract finish(rows: number): Column
}

/** u32, i32, f64 and bool columns (bool as 0/1). */
export class NumWriter<K extends 'u32' | 'i32' | 'f64' | 'bool'> extends Writer {
  readonly kind: K
  values: Numbers

  constructor(kind: K, capacity = 0) {
    super(capacity)
    this.kind = kind
    this.values = kind === 'u32' ? new Uint32Array(0) : kind === 'i32' ? new Int32Array(0) : kind === 'f64' ? new Float64Array(0) : new Uint8Array(0)
  }

  set(row: number, value: number): void {
    if (row >= this.values.length) this.values = grow(this.values, row + 1, this.capacity)
    this.values[row] = value
    this.presence.mark(row)
  }

  fill(from: number, to: number, value: number): void {
    if (to > this.values.length) this.values = grow(this.values, to, this.capacity)
    this.values.fill(value as never, from, to)
    this.presence.markRange(from, to)
  }

  finish(rows: number): Column {
    return { kind: this.kind, values: fit(this.values, rows), present: this.presentFor(rows) } as Column
  }
}

/** i64 columns; `setWords` stores two little-endian 32-bit words without making a bigint. */
export class I64Writer extends Writer {
  values = new BigInt64Array(0)
  words = new Uint32Array(0)

  private ensure(need: number): void {
    if (need > this.values.length) {
      this.values = grow(this.values, need, this.capacity)
      this.words = new Uint32Array(this.values.buffer, this.values.byteOffset, this.values.length * 2)
    }
  }

  set(row: number, value: bigint): void {
    this.ensure(row + 1)
    this.values[row] = value
    this.presence.mark(row)
  }

  setWords(row: number, lo: number, hi: number): void {
    this.ensure(row + 1)
    this.words[row * 2] = lo
    this.words[row * 2 + 1] = hi
    this.presence.mark(row)
  }

  fill(from: number, to: number, value: bigint): void {
    this.ensure(to)
    this.values.fill(value, from, to)
    this.presence.markRange(from, to)
  }

  finish(rows: number): Column {
    return { kind: 'i64', values: fit(this.values, rows), present: this.presentFor(rows) }
  }
}

export class StrWriter extends Writer {
  codes = new Uint32Array(0)
  readonly dict: string[] = []
  private readonly index = new Map<string, number>()
  /** The last value coded: runs of one value (and cached strings, one object each) skip the map. */
  private last = ''
  private lastCode = -1

  code(value: string): number {
    if (value === this.last && this.lastCode >= 0) return this.lastCode
    let code = this.index.get(value)
    if (code === undefined) {
      code = this.dict.length
      this.dict.push(value)
      this.index.set(value, code)
    }
    this.last = value
    this.lastCode = code
    return code
  }

  set(row: number, value: string): void {
    if (row >= this.codes.length) this.codes = grow(this.codes, row + 1, this.capacity)
    this.codes[row] = this.code(value)
    this.presence.mark(row)
  }

  /** Sets a code this writer's `code` returned. */
  setCode(row: number, code: number): void {
    if (row >= this.codes.length) this.codes = grow(this.codes, row + 1, this.capacity)
    this.codes[row] = code
    this.presence.mark(row)
  }

  fill(from: number, to: number, value: string): void {
    if (to > this.codes.length) this.codes = grow(this.codes, to, this.capacity)
    this.codes.fill(this.code(value), from, to)
    this.presence.markRange(from, to)
  }

  finish(rows: number): Column {
    return { kind: 'str', dict: this.dict, codes: fit(this.codes, rows), present: this.presentFor(rows) }
  }
}

/** Fixed-width byte strings (ids). */
export class BytesWriter extends Writer {
  readonly width: number
  values = new Uint8Array(0)
  private view = new DataView(this.values.buffer, this.values.byteOffset, this.values.byteLength)

  constructor(width: number, capacity = 0) {
    super(capacity)
    this.width = width
  }

  private ensure(row: number): void {
    const need = (row + 1) * this.width
    if (need > this.values.length) {
      this.values = grow(this.values, need, this.capacity * this.width)
      this.view = new DataView(this.values.buffer, this.values.byteOffset, this.values.byteLength)
    }
  }

  /** Copies `width` bytes of `src` from `offset`. */
  set(row: number, src: Uint8Array, offset = 0): void {
    this.ensure(row)
    const w = this.width
    for (let i = 0; i < w; i++) this.values[row * w + i] = src[offset + i]
    this.presence.mark(row)
  }

  /**
   * Copies `width` bytes from `src` (a DataView of the bytes) at `offset`, four at a time when
   * the width allows (ids are 16 and 8 bytes); `length` 0 sets the row to zeros (absent id).
   */
  copy(row: number, src: DataView, offset: number, length: number): void {
    if (length === 0) return this.zero(row)
    this.ensure(row)
    const w = this.width
    const at = row * w
    if ((w & 3) === 0) for (let i = 0; i < w; i += 4) this.view.setUint32(at + i, src.getUint32(offset + i, true), true)
    else for (let i = 0; i < w; i++) this.values[at + i] = src.getUint8(offset + i)
    this.presence.mark(row)
  }

  /** Sets row `row` to zeros (an absent id). */
  zero(row: number): void {
    this.ensure(row)
    const w = this.width
    const at = row * w
    if ((w & 3) === 0) for (let i = 0; i < w; i += 4) this.view.setUint32(at + i, 0, true)
    else this.values.fill(0, at, at + w)
    this.presence.mark(row)
  }

  finish(rows: number): Column {
    return { kind: 'bytes', width: this.width, values: fit(this.values, rows * this.width), present: this.presentFor(rows) }
  }
}

export class AnyWriter extends Writer {
  values: (AnyValue | undefined)[] = []

  set(row: number, value: AnyValue): void {
    this.values[row] = value
    this.presence.mark(row)
  }

  fill(from: number, to: number, value: AnyValue): void {
    for (let row = from; row < to; row++) this.values[row] = value
    this.presence.markRange(from, to)
  }

  finish(rows: number): Column {
    const values = new Array<AnyValue | undefined>(rows)
    for (let row = 0; row < rows; row++) values[row] = this.values[row]
    return { kind: 'any', values, present: this.presentFor(rows) }
  }
}
