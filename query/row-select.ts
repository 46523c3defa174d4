/**
 * @module query/row-select
 * Rows of a batch by mask: the selection `where` keeps, and the mask of a time range the
 * executor filters every scanned batch with.
 */
import { projectBatch, sliceRows, takeColumn, takeRows, type Batch, type Column } from '../storage/index.ts'
import { extent, inRange } from './i64.ts'
import { RARE_PICK_SHARE, RARE_PICKS_PER_COLUMN } from './limits.ts'
import type { Vec } from './vec.ts'

/**
 * The rows of `batch` whose mask byte is 1 (every row without a mask); undefined when none.
 * One contiguous run of rows (a metric name or service of a block stored in sorted order) is a
 * view, not a copy; other rows are copied, or with `lazy` picked (pickRows).
 */
export function selectRows(batch: Batch, mask: Uint8Array | undefined, lazy = false): Batch | undefined {
  if (mask === undefined) return batch
  // Four mask bytes at a time: their sum is the top byte of word * 0x01010101, and a zero word
  // (most of them, for a selective filter) holds no row.
  const n = mask.length
  const words = mask.byteOffset % 4 === 0 ? new Uint32Array(mask.buffer, mask.byteOffset, n >>> 2) : new Uint32Array(0)
  const tail = words.length * 4
  let count = 0
  for (let j = 0; j < words.length; j++) count += Math.imul(words[j], 0x01010101) >>> 24
  for (let i = tail; i < n; i++) count += mask[i]
  if (count === n) return batch
  if (count === 0) return undefined
  const first = mask.indexOf(1)
  if (mask.lastIndexOf(1) - first + 1 === count) return sliceRows(batch, first, first + count)
  // Each row of a word holding one is written and the count advanced by its mask byte, with no
  // branch per row (a row's slot is overwritten by the next row when it is not kept): the
  // count never passes `count`, so one slot past the end takes the writes of rows after the last kept.
  const slots = new Uint32Array(count + 1)
  let k = 0
  for (let j = 0; j < words.length; j++) {
    if (words[j] === 0) continue
    const i = j * 4
    slots[k] = i
    k += mask[i]
    slots[k] = i + 1
    k += mask[i + 1]
    slots[k] = i + 2
    k += mask[i + 2]
    slots[k] = i + 3
    k += mask[i + 3]
  }
  for (let i = tail; i < n; i++) if (mask[i] === 1) slots[k++] = i
  const rows = slots.subarray(0, count)
  return lazy ? pickRows(batch, rows) : takeRows(batch, rows)
}

/** Where a batch of pickRows was picked from: a property that is not enumerable, so a copy of the batch (`{...batch}`) does not take it along. */
const PICKED = Symbol('picked')

interface Picked {
  readonly from: Batch
  readonly rows: Uint32Array
}

/**
 * Rows `rows` (ascending, owned by the result) of `batch` as a batch whose columns are copied
 * only when first read: `stats count() by x` after a `where` counts the rows from the block's
 * own columns (pickedRows) and copies none. The batch holds `batch` until every column is
 * read, so only a stage that does not keep batches (stats) should be given one.
 */
export function pickRows(batch: Batch, rows: Uint32Array): Batch {
  const make: Record<string, () => Column> = {}
  for (const name in batch.columns) make[name] = () => takeColumn(batch.columns[name], rows)
  const picked: Batch = { signal: batch.signal, length: rows.length, columns: lazyColumns(make) }
  Object.defineProperty(picked, PICKED, { value: { from: batch, rows } satisfies Picked })
  return picked
}

/** The batch and rows a batch of pickRows was picked from; undefined for any other batch. */
export function pickedRows(batch: Batch): Picked | undefined {
  return (batch as { [PICKED]?: Picked })[PICKED]
}

/** projectBatch that keeps a batch of pickRows picked (no column is copied to project it). */
export function projectRows(batch: Batch, columns: readonly string[]): Batch {
  const picked = pickedRows(batch)
  return picked === undefined ? projectBatch(batch, columns) : pickRows(projectBatch(picked.from, columns), picked.rows)
}

/**
 * Columns made when first read, then kept: the stages after a join or a `where` often read few
 * of the columns (`stats count() by span.name` one of eight), and copying the others' rows cost
 * more than the join itself. Enumerating the columns or reading them all makes every one.
 */
export function lazyColumns(make: Record<string, () => Column>): Record<string, Column> {
  const columns: Record<string, Column> = {}
  for (const name in make) {
    Object.defineProperty(columns, name, {
      enumerable: true,
      configurable: true,
      get() {
        const value = make[name]()
        Object.defineProperty(columns, name, { value, enumerable: true, configurable: true })
        return value
      },
    })
  }
  return columns
}

/** Rows picked by code, reused by every call: it is filled and copied out without a pause. */
let scratch = new Uint32Array(0)

/** A condition decided per dictionary code (eval-expr.ts CodedCondition). */
export interface CodedRows {
  readonly codes: Uint32Array
  readonly p?: Uint8Array
  readonly table: Uint8Array
}

/**
 * The rows a rare condition picked, by the codes array it read: columns of cached blocks come
 * back to every query, so `status = "error"` (a few percent of spans) finds its rows again
 * without reading the block's codes, and so does countif over them.
 */
const rarePicks = new WeakMap<Uint32Array, { table: Uint8Array; p: Uint8Array | undefined; rows: Uint32Array }[]>()

/**
 * The rows (ascending) whose code the table marks and that are present. The array is shared:
 * the kept rows of a rare pick, or a scratch array valid until the next call; never written to.
 */
export function pickCoded(coded: CodedRows, n: number): Uint32Array {
  const { codes, p, table } = coded
  const kept = rarePicks.get(codes)
  const known = kept?.find((e) => e.p === p && sameBytes(e.table, table))
  if (known !== undefined) return known.rows
  if (scratch.length < n + 1) scratch = new Uint32Array(n + 1)
  const rows = scratch
  let k = 0
  // Branch-free: every row is written, and kept by moving past it.
  if (p === undefined) {
    for (let i = 0; i < n; i++) {
      rows[k] = i
      k += table[codes[i]]
    }
  } else {
    for (let i = 0; i < n; i++) {
      rows[k] = i
      k += table[codes[i]] & p[i]
    }
  }
  if (k * RARE_PICK_SHARE > n || codes.length !== n) return rows.subarray(0, k)
  const picked = rows.slice(0, k)
  const entries = kept ?? []
  if (entries.length >= RARE_PICKS_PER_COLUMN) entries.shift()
  entries.push({ table: Uint8Array.from(table), p, rows: picked })
  if (kept === undefined) rarePicks.set(codes, entries)
  return picked
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * The rows of `batch` whose code the table marks 1 (and that are present), undefined when none:
 * a condition on a dictionary string (eval-expr.ts evalCondition) selects in one pass, no mask.
 */
export function selectCoded(batch: Batch, coded: CodedRows, lazy = false): Batch | undefined {
  const { p, table } = coded
  // A block of one metric name or service (a dictionary of entries all kept or all dropped)
  // needs no pass over its rows.
  if (p === undefined && table.length > 0) {
    const first = table[0]
    if (table.every((x) => x === first)) return first === 1 ? batch : undefined
  }
  const rows = pickCoded(coded, batch.length)
  const k = rows.length
  if (k === batch.length) return batch
  if (k === 0) return undefined
  // One contiguous run (a metric name of a block stored in name order): a view, as selectRows.
  if (rows[k - 1] - rows[0] + 1 === k) return sliceRows(batch, rows[0], rows[0] + k)
  // Picked rows outlive this call: the scratch array is not theirs to keep.
  if (lazy) return pickRows(batch, rows.buffer === scratch.buffer ? rows.slice() : rows)
  return takeRows(batch, rows)
}

/**
 * A mask of the rows of a time vector inside [start, end), undefined when that is every row.
 * Rows without a time are outside.
 * @example rangeMask(timeVec, 1793491200000000000n, undefined, n)
 */
export function rangeMask(time: Vec, start: bigint | undefined, end: bigint | undefined, n: number): Uint8Array | undefined {
  if (time.t !== 'time') return new Uint8Array(n)
  if (time.p === undefined) {
    const range = timeExtent(time.v)
    if (range !== undefined && (start === undefined || range[0] >= start) && (end === undefined || range[1] < end)) return undefined
  }
  const mask = inRange(time.v, start, end)
  if (time.p !== undefined) for (let i = 0; i < n; i++) mask[i] &= time.p[i]
  return mask
}

/**
 * The extent of each time column seen, by its values: columns of cached blocks come back to
 * every query, and most blocks lie wholly inside a query's range, so their rows need no test.
 */
const extents = new WeakMap<BigInt64Array, [bigint, bigint] | undefined>()

function timeExtent(values: BigInt64Array): [bigint, bigint] | undefined {
  if (!extents.has(values)) extents.set(values, extent(values))
  return extents.get(values)
}
