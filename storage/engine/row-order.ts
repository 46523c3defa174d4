/**
 * @module storage/engine/row-order
 * The order rows are stored in within a part. It changes no answer (the query engine sorts
 * what it returns); it puts alike rows together so columns compress well and one trace's
 * spans sit in few blocks:
 * - spans by trace id (then arrival), so ids repeat and a trace is contiguous;
 * - log records by service (then arrival, which is nearly time order);
 * - metric points by metric name, then series (then arrival), so a series' values are
 *   neighbours and deltas are small.
 */
import { LOG_COLUMNS, METRIC_COLUMNS, SPAN_COLUMNS, RESOURCE_ATTR_PREFIX, type Batch, type Column, type Signal } from '../model.ts'

/** Columns that vary from point to point within one series; every other column identifies it. */
const METRIC_VALUE_COLUMNS = new Set<string>([
  METRIC_COLUMNS.startTimeUnixNano,
  METRIC_COLUMNS.timeUnixNano,
  METRIC_COLUMNS.value,
  METRIC_COLUMNS.valueInt,
  METRIC_COLUMNS.count,
  METRIC_COLUMNS.sum,
  METRIC_COLUMNS.min,
  METRIC_COLUMNS.max,
  METRIC_COLUMNS.bucketCounts,
  METRIC_COLUMNS.zeroCount,
  METRIC_COLUMNS.positiveBucketCounts,
  METRIC_COLUMNS.negativeBucketCounts,
  METRIC_COLUMNS.quantileValues,
  METRIC_COLUMNS.exemplars,
  'flags',
])

/** The columns storageOrder reads, of the columns `names` a batch of `signal` has. */
export function orderColumns(signal: Signal, names: Iterable<string>): string[] {
  switch (signal) {
    case 'spans':
      return [SPAN_COLUMNS.traceId]
    case 'logs':
      return [SERVICE_COLUMN, LOG_COLUMNS.severityText]
    case 'metrics':
      return [...names].filter((name) => !METRIC_VALUE_COLUMNS.has(name))
  }
}

const SERVICE_COLUMN = `${RESOURCE_ATTR_PREFIX}service.name`

/**
 * The storage order of `batch`'s rows, as row indices.
 * Sorting packs (key, row) into one double: key * 2^24 + row, exact while key < 2^29 and
 * rows < 2^24, so a native Float64Array sort does the work.
 */
export function storageOrder(batch: Batch): Uint32Array {
  if (batch.signal === 'metrics') return seriesOrder(batch)
  const n = batch.length
  const keys = new Float64Array(n)
  const rowKey = keyFunction(batch)
  for (let i = 0; i < n; i++) keys[i] = rowKey(i) * ROW_SPAN + i
  keys.sort()
  const order = new Uint32Array(n)
  for (let i = 0; i < n; i++) order[i] = keys[i] % ROW_SPAN
  return order
}

/** Rows below 2^24 fit under a key in one exact double: key * ROW_SPAN + row. */
const ROW_SPAN = 16777216

/** The sort key of spans and log records (metric points have seriesOrder). */
function keyFunction(batch: Batch): (row: number) => number {
  switch (batch.signal) {
    case 'spans': {
      const ids = batch.columns[SPAN_COLUMNS.traceId]
      if (ids?.kind !== 'bytes' || ids.width < 4) return () => 0
      const v = ids.values
      const w = ids.width
      // The top 29 bits of the trace id: random ids spread evenly, one trace's spans group.
      return (row) => ((v[row * w] << 21) | (v[row * w + 1] << 13) | (v[row * w + 2] << 5) | (v[row * w + 3] >>> 3)) >>> 0
    }
    case 'logs': {
      const service = batch.columns[SERVICE_COLUMN] ?? batch.columns[LOG_COLUMNS.severityText]
      return service?.kind === 'str' ? sortedDictRank(service) : () => 0
    }
    case 'metrics':
      throw new Error('cannot key metric points row by row: they are ordered by seriesOrder')
  }
}

/** Rank of each distinct string in sorted order (equal strings, equal ranks), per dictionary code. */
function dictRanks(dict: readonly string[]): { ranks: Uint32Array; distinct: number } {
  const codes = [...dict.keys()].sort((a, b) => (dict[a] < dict[b] ? -1 : dict[a] > dict[b] ? 1 : 0))
  const ranks = new Uint32Array(dict.length)
  let rank = -1
  for (let i = 0; i < codes.length; i++) {
    if (i === 0 || dict[codes[i]] !== dict[codes[i - 1]]) rank++
    ranks[codes[i]] = rank
  }
  return { ranks, distinct: rank + 1 }
}

/** Rank of each row's string in sorted order. */
function sortedDictRank(column: Extract<Column, { kind: 'str' }>): (row: number) => number {
  const { ranks } = dictRanks(column.dict)
  return (row) => ranks[column.codes[row]]
}

/**
 * Metric points grouped by series, series ordered by metric name then first appearance,
 * points of a series in arrival order. A series is found by a hash of every identity
 * column's value, mixed column by column over typed arrays (no per-row Map or string); two
 * series whose hashes collide only interleave (the order changes no answer). First
 * appearance, rather than hash order, keeps series that arrived side by side next to each
 * other, so the rows a block is gathered from sit close together in memory.
 */
function seriesOrder(batch: Batch): Uint32Array {
  const n = batch.length
  const hash = new Uint32Array(n)
  const identity = Object.keys(batch.columns).filter((name) => !METRIC_VALUE_COLUMNS.has(name)).sort()
  for (const name of identity) mixColumn(hash, batch.columns[name], n)
  // Rows by series hash (29 bits), then row: each series becomes one run, rows in arrival order.
  const keys = new Float64Array(n)
  for (let i = 0; i < n; i++) keys[i] = (finalMix(hash[i]) >>> 3) * ROW_SPAN + i
  keys.sort()
  const runStart: number[] = []
  for (let i = 0; i < n; i++) if (i === 0 || Math.floor(keys[i] / ROW_SPAN) !== Math.floor(keys[i - 1] / ROW_SPAN)) runStart.push(i)
  runStart.push(n)
  // Runs by (name rank, first row); a run's first row is unique, so it finds the run again.
  const metricName = batch.columns[METRIC_COLUMNS.name]
  const rank = metricName?.kind === 'str' ? sortedDictRank(metricName) : () => 0
  const runs = runStart.length - 1
  const runKeys = new Float64Array(runs)
  const runOfFirstRow = new Map<number, number>()
  for (let r = 0; r < runs; r++) {
    const first = keys[runStart[r]] % ROW_SPAN
    runKeys[r] = rank(first) * ROW_SPAN + first
    runOfFirstRow.set(first, r)
  }
  runKeys.sort()
  const order = new Uint32Array(n)
  let at = 0
  for (let k = 0; k < runs; k++) {
    const r = runOfFirstRow.get(runKeys[k] % ROW_SPAN) as number
    for (let i = runStart[r]; i < runStart[r + 1]; i++) order[at++] = keys[i] % ROW_SPAN
  }
  return order
}

/** Mixes one 32-bit word into a running hash (multiply-xorshift, as in MurmurHash3's body). */
function mix(h: number, word: number): number {
  h = Math.imul(h ^ word, 0xcc9e2d51)
  return Math.imul(h ^ (h >>> 15), 0x1b873593)
}

/** MurmurHash3's finaliser: every input bit reaches every output bit. */
function finalMix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** Stands for an absent value (a present value equal to it costs only a collision). */
const ABSENT = 0x9e3779b9

/** Mixes each row's value of column `c` into `hash`; kinds that do not identify a series are skipped. */
function mixColumn(hash: Uint32Array, c: Column, n: number): void {
  const present = c.present
  let words: Uint32Array | Uint8Array | Int32Array
  let stride: 1 | 2 = 1
  switch (c.kind) {
    case 'str': {
      // Hash each dictionary entry once; rows look theirs up (entries need not be distinct).
      const table = Uint32Array.from(c.dict, hashString)
      for (let row = 0; row < n; row++) {
        hash[row] = mix(hash[row], present !== undefined && present[row] !== 1 ? ABSENT : table[c.codes[row]])
      }
      return
    }
    case 'u32':
    case 'i32':
    case 'bool':
      words = c.values
      break
    case 'i64':
    case 'f64':
      words = new Uint32Array(c.values.buffer, c.values.byteOffset, n * 2)
      stride = 2
      break
    default:
      return
  }
  for (let row = 0; row < n; row++) {
    if (present !== undefined && present[row] !== 1) hash[row] = mix(hash[row], ABSENT)
    else if (stride === 1) hash[row] = mix(hash[row], words[row])
    else hash[row] = mix(mix(hash[row], words[2 * row]), words[2 * row + 1])
  }
}

/** FNV-1a over a string's UTF-16 code units. */
function hashString(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}
