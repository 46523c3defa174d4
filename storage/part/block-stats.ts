/**
 * @module storage/part/block-stats
 * Per-block, per-column statistics that let a scan skip blocks: min/max of numbers and
 * timestamps, the distinct values of small string dictionaries, and a bloom filter over ids.
 */
import { SPAN_COLUMNS, type Column } from '../model.ts'
import { SPAN_DURATION_KEY, type ColumnCondition } from '../store.ts'

/** Dictionaries up to this size are kept whole in the block index for equality skipping. */
export const STATS_DICT_MAX = 64

/** Bloom filter: 10 bits per distinct id and 7 hashes give about 1 % false positives. */
const BLOOM_BITS_PER_ITEM = 10
const BLOOM_HASHES = 7

export interface ColumnStats {
  /** Rows that hold a value. */
  present: number
  min?: number | bigint
  max?: number | bigint
  /** Every distinct string value, when there are at most STATS_DICT_MAX. */
  values?: string[]
  /** Bloom filter over the values of a bytes column. */
  bloom?: Uint8Array
}

/** Statistics of one column of a block. */
export function columnStats(column: Column, rows: number, bloom: boolean): ColumnStats {
  const p = column.present
  let present = rows
  if (p !== undefined) {
    present = 0
    for (let i = 0; i < rows; i++) present += p[i] === 1 ? 1 : 0
  }
  const stats: ColumnStats = { present }
  switch (column.kind) {
    case 'u32':
    case 'i32':
    case 'f64': {
      const v = column.values
      let min = Infinity
      let max = -Infinity
      for (let i = 0; i < rows; i++) {
        if (p !== undefined && p[i] !== 1) continue
        const x = v[i]
        if (x < min) min = x // NaN orders with nothing: both comparisons are false
        if (x > max) max = x
      }
      if (min <= max) {
        stats.min = min
        stats.max = max
      }
      break
    }
    case 'i64': {
      const v = column.values
      let first = 0
      while (first < rows && p !== undefined && p[first] !== 1) first++
      if (first === rows) break
      let min = v[first]
      let max = min
      for (let i = first + 1; i < rows; i++) {
        if (p !== undefined && p[i] !== 1) continue
        const x = v[i]
        if (x < min) min = x
        if (x > max) max = x
      }
      stats.min = min
      stats.max = max
      break
    }
    case 'str': {
      // Distinct codes counted with a mark per dictionary entry; strings compared only at the end.
      const seen = new Uint8Array(column.dict.length)
      const used: number[] = []
      for (let i = 0; i < rows && used.length <= STATS_DICT_MAX; i++) {
        if (p !== undefined && p[i] !== 1) continue
        const code = column.codes[i]
        if (seen[code] === 0) {
          seen[code] = 1
          used.push(code)
        }
      }
      if (used.length <= STATS_DICT_MAX) stats.values = [...new Set(used.map((c) => column.dict[c]))]
      break
    }
    case 'bytes':
      if (bloom) stats.bloom = buildBloom(column, rows)
      break
  }
  return stats
}

/** FNV-1a over a byte range; two seeds give the double-hashing pair. */
function fnv(bytes: Uint8Array, at: number, width: number, seed: number): number {
  let h = seed >>> 0
  for (let i = at; i < at + width; i++) h = Math.imul(h ^ bytes[i], 0x01000193)
  return h >>> 0
}

function buildBloom(column: Extract<Column, { kind: 'bytes' }>, rows: number): Uint8Array {
  const bits = Math.max(64, rows * BLOOM_BITS_PER_ITEM)
  const filter = new Uint8Array((bits + 7) >>> 3)
  const m = filter.length * 8
  for (let i = 0; i < rows; i++) {
    if (column.present !== undefined && column.present[i] !== 1) continue
    addToBloom(filter, m, column.values, i * column.width, column.width)
  }
  return filter
}

function addToBloom(filter: Uint8Array, m: number, bytes: Uint8Array, at: number, width: number): void {
  // Both FNV-1a hashes in one pass over the bytes (the same values as two fnv() calls).
  let h1 = 0x811c9dc5
  let h2 = 0x5bd1e995
  for (let i = at; i < at + width; i++) {
    h1 = Math.imul(h1 ^ bytes[i], 0x01000193)
    h2 = Math.imul(h2 ^ bytes[i], 0x01000193)
  }
  h1 >>>= 0
  h2 = (h2 >>> 0) | 1
  for (let k = 0; k < BLOOM_HASHES; k++) {
    const bit = ((h1 + Math.imul(k, h2)) >>> 0) % m
    filter[bit >>> 3] |= 1 << (bit & 7)
  }
}

export function bloomMayContain(filter: Uint8Array, id: Uint8Array): boolean {
  const m = filter.length * 8
  const h1 = fnv(id, 0, id.length, 0x811c9dc5)
  const h2 = fnv(id, 0, id.length, 0x5bd1e995) | 1
  for (let k = 0; k < BLOOM_HASHES; k++) {
    const bit = (h1 + Math.imul(k, h2)) >>> 0
    if ((filter[(bit % m) >>> 3] & (1 << (bit % m & 7))) === 0) return false
  }
  return true
}

/** False when the statistics prove that no row of the block can satisfy `cond`. */
export function mayMatch(stats: ColumnStats | undefined, cond: ColumnCondition): boolean {
  if (stats === undefined || stats.present === 0) return false // no row has the column
  const values = cond.op === 'in' ? cond.values : [cond.value]
  switch (cond.op) {
    case 'eq':
    case 'in':
      return values.some((v) => valueMayBePresent(stats, v))
    case 'lt':
      return stats.min === undefined || compare(stats.min, cond.value) < 0
    case 'le':
      return stats.min === undefined || compare(stats.min, cond.value) <= 0
    case 'gt':
      return stats.max === undefined || compare(stats.max, cond.value) > 0
    case 'ge':
      return stats.max === undefined || compare(stats.max, cond.value) >= 0
  }
}

function valueMayBePresent(stats: ColumnStats, v: string | number | bigint | boolean | Uint8Array): boolean {
  if (typeof v === 'string') return stats.values === undefined || stats.values.includes(v)
  if (v instanceof Uint8Array) return stats.bloom === undefined || bloomMayContain(stats.bloom, v)
  if ((typeof v === 'number' || typeof v === 'bigint') && stats.min !== undefined && stats.max !== undefined) {
    return compare(stats.min, v) <= 0 && compare(stats.max, v) >= 0
  }
  return true
}

/** Orders numbers and bigints together (a stat may be bigint and a condition a number). */
function compare(a: number | bigint, b: number | bigint): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * The values of a sort key (ScanTop.key) over the rows of a block, as doubles the way the query
 * engine compares them; NaN where a row has none. Undefined when the block lacks the columns or
 * holds them in a kind that is not numeric.
 */
export function sortKeyValues(columns: Readonly<Record<string, Column>>, key: string, rows: number): Float64Array | undefined {
  if (key === SPAN_DURATION_KEY) return spanDurations(columns[SPAN_COLUMNS.startTimeUnixNano], columns[SPAN_COLUMNS.endTimeUnixNano], rows)
  const c = columns[key]
  if (c === undefined) return undefined
  const out = new Float64Array(rows)
  switch (c.kind) {
    case 'u32':
    case 'i32':
    case 'f64':
      out.set(c.values.subarray(0, rows))
      break
    case 'i64': {
      // hi * 2^32 + lo is one rounding of the exact value: the nearest double, as Number() gives.
      const w = halves(c.values)
      for (let i = 0; i < rows; i++) out[i] = w.hi[2 * i + 1] * 4294967296 + w.lo[2 * i]
      break
    }
    default:
      return undefined
  }
  if (c.present !== undefined) for (let i = 0; i < rows; i++) if (c.present[i] !== 1) out[i] = NaN
  return out
}

/** end - start of each span as a double (exact below 2^53 ns, 104 days); NaN where either is absent. */
function spanDurations(start: Column | undefined, end: Column | undefined, rows: number): Float64Array | undefined {
  if (start?.kind !== 'i64' || end?.kind !== 'i64') return undefined
  const a = halves(start.values)
  const b = halves(end.values)
  const out = new Float64Array(rows)
  for (let i = 0; i < rows; i++) out[i] = (b.hi[2 * i + 1] - a.hi[2 * i + 1]) * 4294967296 + (b.lo[2 * i] - a.lo[2 * i])
  for (const p of [start.present, end.present]) if (p !== undefined) for (let i = 0; i < rows; i++) if (p[i] !== 1) out[i] = NaN
  return out
}

/** The 32-bit halves of i64 values (low words unsigned, high words signed), read without a BigInt per value. */
function halves(values: BigInt64Array): { lo: Uint32Array; hi: Int32Array } {
  return { lo: new Uint32Array(values.buffer, values.byteOffset, values.length * 2), hi: new Int32Array(values.buffer, values.byteOffset, values.length * 2) }
}

/** The least and greatest span duration of a block (sortKeyValues), for top-k skipping; undefined when none. */
export function durationRange(columns: Readonly<Record<string, Column>>, rows: number): { min: number; max: number } | undefined {
  const d = sortKeyValues(columns, SPAN_DURATION_KEY, rows)
  if (d === undefined) return undefined
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < rows; i++) {
    const x = d[i]
    if (x < min) min = x // NaN (absent) compares false both ways
    if (x > max) max = x
  }
  return min <= max ? { min, max } : undefined
}

/**
 * The top 29 bits of the trace id at `at` of `bytes`: spans are ordered by it within a service
 * (engine/row-order.ts), and a scan for one trace binary-searches it (traceRows).
 */
export function traceKey(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 21) | (bytes[at + 1] << 13) | (bytes[at + 2] << 5) | (bytes[at + 3] >>> 3)) >>> 0
}

/** A block with more runs than this keeps none: its rows are not ordered by trace (see traceRuns). */
export const TRACE_RUNS_MAX = 1024

/**
 * Where the rows of a span block start a new ascending run of traceKey (the first row always
 * does): each run is sorted by trace key, so one trace's rows are found by a binary search per
 * run. Undefined when the block has no dense trace id column or more than TRACE_RUNS_MAX runs.
 */
export function traceRuns(column: Column | undefined, rows: number): number[] | undefined {
  if (column?.kind !== 'bytes' || column.width < 4 || column.present !== undefined || rows === 0) return undefined
  const runs = [0]
  const v = column.values
  const w = column.width
  let last = traceKey(v, 0)
  for (let i = 1; i < rows; i++) {
    const k = traceKey(v, i * w)
    if (k < last) {
      if (runs.length === TRACE_RUNS_MAX) return undefined
      runs.push(i)
    }
    last = k
  }
  return runs
}

/**
 * The rows of a block whose trace id is `id`, found by binary search in each run of `runs`
 * (traceRuns of the block), in row order.
 */
export function traceRows(column: Extract<Column, { kind: 'bytes' }>, rows: number, runs: readonly number[], id: Uint8Array): number[] {
  const out: number[] = []
  const v = column.values
  const w = column.width
  if (id.length !== w) return out
  const key = traceKey(id, 0)
  for (let r = 0; r < runs.length; r++) {
    let lo = runs[r]
    let hi = r + 1 < runs.length ? runs[r + 1] : rows
    const end = hi
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (traceKey(v, mid * w) < key) lo = mid + 1
      else hi = mid
    }
    for (let i = lo; i < end && traceKey(v, i * w) === key; i++) {
      let same = true
      for (let j = 0; j < w && same; j++) same = v[i * w + j] === id[j]
      if (same) out.push(i)
    }
  }
  return out
}
