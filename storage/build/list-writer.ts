/**
 * @module storage/build/list-writer
 * The writer of i64list and f64list columns (histogram bucket counts and bounds, quantiles):
 * the elements of all rows in one buffer, 8 little-endian bytes each, plus row offsets.
 */
import { SPARE_LIST_MAX_BYTES, SPARE_LISTS } from '../limits.ts'
import type { Column } from '../model.ts'
import { fit, grow, NO_ROWS, Writer } from './column-writers.ts'

/**
 * Working buffers of finished list writers, kept for the lists of the next requests: a list's
 * elements are copied out at `finish`, so its buffer can be reused instead of grown from
 * nothing (and zeroed) for every request. Per thread, like the module.
 */
const spareLists: Uint8Array[] = []

function takeSpareList(need: number): Uint8Array | undefined {
  for (let i = 0; i < spareLists.length; i++) {
    const b = spareLists[i]
    if (b.length >= need) {
      spareLists[i] = spareLists[spareLists.length - 1]
      spareLists.pop()
      return b
    }
  }
  return undefined
}

function keepSpareList(b: Uint8Array): void {
  if (b.length > 0 && b.length <= SPARE_LIST_MAX_BYTES && spareLists.length < SPARE_LISTS) spareLists.push(b)
}

/** i64list and f64list columns: elements kept as 8 little-endian bytes each. */
export class ListWriter extends Writer {
  readonly kind: 'i64list' | 'f64list'
  private bytes: Uint8Array = NO_ROWS
  private view: DataView = new DataView(this.bytes.buffer)
  private offsets = new Uint32Array(0)
  private rows = 0
  private size = 0

  constructor(kind: 'i64list' | 'f64list', capacity = 0) {
    super(capacity)
    this.kind = kind
  }

  /** Starts (or, for the row last opened, continues) the list of `row`; rows come in increasing order. */
  open(row: number): void {
    if (row === this.rows - 1 && this.rows > 0) return
    if (row < this.rows) throw new RangeError(`cannot open list row ${row}: row ${this.rows - 1} is already set`)
    if (row + 2 > this.offsets.length) this.offsets = grow(this.offsets, row + 2, this.capacity + 1)
    this.offsets.fill(this.size, this.rows, row + 1)
    this.rows = row + 1
    this.offsets[this.rows] = this.size
    this.presence.mark(row)
  }

  private room(elements: number): number {
    const at = this.size * 8
    if (at + elements * 8 > this.bytes.length) this.enlarge(at + elements * 8)
    this.size += elements
    this.offsets[this.rows] = this.size
    return at
  }

  /** Moves to a buffer of at least `need` bytes: a spare one, else a new one (first guess: one element per expected row, then doubling). */
  private enlarge(need: number): void {
    const next = takeSpareList(need) ?? grow(NO_ROWS, need, Math.max(this.capacity * 8, this.bytes.length * 2))
    next.set(this.bytes.subarray(0, this.size * 8))
    keepSpareList(this.bytes)
    this.bytes = next
    this.view = new DataView(next.buffer, next.byteOffset, next.length)
  }

  /**
   * Appends elements given as raw little-endian 8-byte values (packed fixed64 or double),
   * `src` bytes [start, end) (a multiple of 8 long).
   */
  pushRaw(src: DataView, start: number, end: number): void {
    const at = this.room((end - start) / 8)
    const view = this.view
    for (let i = start, j = at; i < end; i += 4, j += 4) view.setInt32(j, src.getInt32(i, true), true)
  }

  pushWords(lo: number, hi: number): void {
    const at = this.room(1)
    this.view.setUint32(at, lo, true)
    this.view.setUint32(at + 4, hi, true)
  }

  pushF64(value: number): void {
    const at = this.room(1)
    this.view.setFloat64(at, value, true)
  }

  pushI64(value: bigint): void {
    const at = this.room(1)
    this.view.setBigInt64(at, value, true)
  }

  finish(rows: number): Column {
    const offsets = fit(this.offsets, rows + 1)
    offsets.fill(this.size, Math.min(this.rows + 1, rows + 1), rows + 1)
    const elements = fit(this.bytes, this.size * 8)
    // A buffer of exactly the right size goes to the batch; otherwise it can serve another list.
    if (elements !== this.bytes) keepSpareList(this.bytes)
    const { buffer, byteOffset } = elements
    this.bytes = NO_ROWS
    const present = this.presentFor(rows)
    return this.kind === 'i64list'
      ? { kind: 'i64list', offsets, values: new BigInt64Array(buffer, byteOffset, this.size), present }
      : { kind: 'f64list', offsets, values: new Float64Array(buffer, byteOffset, this.size), present }
  }
}
