/**
 * @module storage/engine/row-order
 * The order rows are stored in within a part. It changes no answer (the query engine sorts
 * what it returns); it puts alike rows together so columns compress well and one trace's
 * spans sit in few blocks:
 * - spans by service, then trace id (then arrival), so a service's spans fill few blocks (a
 *   query about one service skips the others' by their dictionaries) and, within a service,
 *   a trace's spans are neighbours (the scan finds them by binary search: scan-parts.ts);
 * - log records by service (then arrival, which is nearly time order);
 * - metric points by metric name, then series, then time (then arrival), so a series' values
 *   are neighbours, deltas are small, and a query walks each series in order without sorting.
 */
import { columnShapes, concatBatches, projectBatch } from '../batch-ops.ts'
import { traceKey } from '../part/block-stats.ts'
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

const SERVICE_COLUMN = `${RESOURCE_ATTR_PREFIX}service.name`

/** Column kinds whose values identify a metric series (addColumn hashes these). */
const IDENTITY_KINDS = new Set<Column['kind']>(['str', 'u32', 'i32', 'bool', 'i64', 'f64'])

/**
 * The storage order of the rows of `batches` taken as one concatenation (row i of the second
 * batch is row `batches[0].length + i`), as row indices.
 * Spans and log records sort on one packed key; metric points are grouped by series
 * (seriesOrder), without ever concatenating the batches.
 */
export function storageOrder(signal: Signal, batches: readonly Batch[]): Uint32Array {
  if (signal === 'metrics') return seriesOrder(batches)
  const names = signal === 'spans' ? [SPAN_COLUMNS.traceId] : [SERVICE_COLUMN, LOG_COLUMNS.severityText]
  const batch = concatBatches(signal, batches.map((b) => projectBatch(b, names)))
  const n = batch.length
  // Sorting packs (key, row) into one double: key * 2^24 + row, exact while key < 2^29 and
  // rows < 2^24, so a native Float64Array sort does the work.
  const keys = new Float64Array(n)
  const rowKey = keyFunction(batch)
  for (let i = 0; i < n; i++) keys[i] = rowKey(i) * ROW_SPAN + i
  keys.sort()
  const order = new Uint32Array(n)
  for (let i = 0; i < n; i++) order[i] = keys[i] % ROW_SPAN
  return signal === 'spans' ? groupByService(batches, order) : order
}

/**
 * `order` regrouped by service (sorted by name, spans without one last), keeping `order` within
 * each service: a stable counting sort, linear in the rows. Each batch's dictionary is ranked
 * on its own (no concatenation of the service column).
 */
function groupByService(batches: readonly Batch[], order: Uint32Array): Uint32Array {
  const names = new Set<string>()
  for (const b of batches) {
    const c = b.columns[SERVICE_COLUMN]
    if (c?.kind === 'str') for (const name of c.dict) names.add(name)
  }
  if (names.size === 0) return order
  const distinct = names.size
  const rankOf = new Map([...names].sort().map((name, rank) => [name, rank]))
  const rank = new Uint32Array(order.length)
  let at = 0
  for (const b of batches) {
    const c = b.columns[SERVICE_COLUMN]
    if (c?.kind !== 'str') rank.fill(distinct, at, at + b.length)
    else {
      const table = c.dict.map((name) => rankOf.get(name) as number)
      for (let i = 0; i < b.length; i++) rank[at + i] = c.present !== undefined && c.present[i] !== 1 ? distinct : table[c.codes[i]]
    }
    at += b.length
  }
  const next = new Uint32Array(distinct + 2)
  for (let row = 0; row < rank.length; row++) next[rank[row] + 1]++
  for (let r = 1; r < next.length; r++) next[r] += next[r - 1]
  const out = new Uint32Array(order.length)
  for (const row of order) out[next[rank[row]]++] = row
  return out
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
      return (row) => traceKey(v, row * w)
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
 * points of a series by time, then arrival (sortRunsByTime). A series is found by a hash of its identity columns:
 * the sum of one well-mixed word per column (salted with the column's name), so the order of
 * columns does not matter and a column constant over a batch is added once for all its rows;
 * a row costs one load and one add per varying column. Two series whose hashes collide only
 * interleave (the order changes no answer). Series are then numbered through an
 * open-addressing table and rows placed by a counting sort: linear in the rows, no sort of a
 * million keys. First appearance, rather than hash order, keeps series that arrived side by
 * side next to each other, so the rows a block is gathered from sit close together in memory.
 */
function seriesOrder(batches: readonly Batch[]): Uint32Array {
  const n = batches.reduce((sum, b) => sum + b.length, 0)
  const shapes = columnShapes(batches)
  // Only kinds addColumn hashes: a list column (explicit bounds) present in some batches only
  // would otherwise add the absent term to a series' rows in the batches that lack it and
  // nothing in those that have it, splitting one series into two runs.
  const identity = [...shapes.keys()].filter((name) => !METRIC_VALUE_COLUMNS.has(name) && IDENTITY_KINDS.has(shapes.get(name)!.kind)).sort()
  const salts = identity.map(hashString)
  const hash = new Uint32Array(n)
  let at = 0
  for (const b of batches) {
    const own = hash.subarray(at, at + b.length)
    // Columns with one value over the whole batch are summed once, then added to every row.
    let constant = 0
    for (let k = 0; k < identity.length; k++) constant = (constant + addColumn(own, b.columns[identity[k]], b.length, salts[k])) | 0
    if (constant !== 0) for (let row = 0; row < own.length; row++) own[row] = (own[row] + constant) | 0
    at += b.length
  }
  const series = numberSeries(hash)
  // Series by (name rank, first appearance): rank of the metric name of each series' first row.
  const names = firstRowNames(batches, series.firstRow)
  const distinct = [...new Set(names)].sort()
  const rankOf = new Map(distinct.map((name, rank) => [name, rank]))
  const count = series.firstRow.length
  const keys = new Float64Array(count)
  for (let s = 0; s < count; s++) keys[s] = (rankOf.get(names[s]) as number) * count + s
  keys.sort()
  // Counting sort: where each series' run starts, then every row into its series' run.
  const next = new Uint32Array(count)
  for (let k = 0, start = 0; k < count; k++) {
    const s = keys[k] % count
    next[s] = start
    start += series.rows[s]
  }
  const order = new Uint32Array(n)
  const seriesOf = series.seriesOf
  for (let i = 0; i < n; i++) order[next[seriesOf[i]]++] = i
  // next[s] is now where series s's run ends.
  sortRunsByTime(order, batches, (s) => next[s] - series.rows[s], (s) => next[s], count)
  return order
}

/**
 * Puts the points of each series run of `order` in time order, ties in arrival order. Points
 * arrive nearly in time order, but parts merged by compaction need not be in time order, so
 * a run is sorted only when it is not already. Left in arrival order when a batch has no
 * time column or a row without a time.
 */
function sortRunsByTime(order: Uint32Array, batches: readonly Batch[], runStart: (s: number) => number, runEnd: (s: number) => number, count: number): void {
  const n = order.length
  const lo = new Uint32Array(n)
  const hi = new Int32Array(n)
  let at = 0
  for (const b of batches) {
    const c = b.columns[METRIC_COLUMNS.timeUnixNano]
    if (c?.kind !== 'i64' || c.present !== undefined) return
    // Compared as 32-bit halves: reading a BigInt64Array makes a BigInt per row.
    const words = new Uint32Array(c.values.buffer, c.values.byteOffset, 2 * b.length)
    for (let i = 0; i < b.length; i++) {
      lo[at + i] = words[2 * i]
      hi[at + i] = words[2 * i + 1] | 0
    }
    at += b.length
  }
  for (let s = 0; s < count; s++) {
    const from = runStart(s)
    const to = runEnd(s)
    let sorted = true
    for (let j = from + 1; j < to && sorted; j++) {
      const a = order[j - 1]
      const b = order[j]
      sorted = hi[a] < hi[b] || (hi[a] === hi[b] && lo[a] <= lo[b])
    }
    if (sorted) continue
    const run = order.subarray(from, to)
    run.set(Array.from(run).sort((a, b) => hi[a] - hi[b] || lo[a] - lo[b] || a - b))
  }
}

interface SeriesNumbers {
  /** Series number of each row, numbered in order of first appearance. */
  seriesOf: Uint32Array
  /** Each series' first row and number of rows. */
  firstRow: number[]
  rows: number[]
}

/** Numbers the distinct values of `hash` in order of first appearance (open addressing, linear probing). */
function numberSeries(hash: Uint32Array): SeriesNumbers {
  const n = hash.length
  const seriesOf = new Uint32Array(n)
  const firstRow: number[] = []
  const rows: number[] = []
  let capacity = 1024
  let keys = new Uint32Array(capacity)
  let slots = new Int32Array(capacity).fill(-1)
  for (let i = 0; i < n; i++) {
    const h = finalMix(hash[i])
    let mask = capacity - 1
    let at = h & mask
    while (slots[at] >= 0 && keys[at] !== h) at = (at + 1) & mask
    let s = slots[at]
    if (s < 0) {
      s = firstRow.length
      firstRow.push(i)
      rows.push(0)
      if (2 * firstRow.length > capacity) {
        // Grow before the table is half full: rehash every series into twice the room.
        const oldKeys = keys
        const oldSlots = slots
        capacity *= 2
        mask = capacity - 1
        keys = new Uint32Array(capacity)
        slots = new Int32Array(capacity).fill(-1)
        for (let j = 0; j < oldSlots.length; j++) {
          if (oldSlots[j] < 0) continue
          let to = oldKeys[j] & mask
          while (slots[to] >= 0) to = (to + 1) & mask
          keys[to] = oldKeys[j]
          slots[to] = oldSlots[j]
        }
        at = h & mask
        while (slots[at] >= 0) at = (at + 1) & mask
      }
      keys[at] = h
      slots[at] = s
    }
    seriesOf[i] = s
    rows[s]++
  }
  return { seriesOf, firstRow, rows }
}

/** The metric name of each of `rows` (indices into the concatenation of `batches`, ascending). */
function firstRowNames(batches: readonly Batch[], rows: readonly number[]): string[] {
  const names: string[] = []
  let b = 0
  let start = 0
  for (const row of rows) {
    while (row >= start + batches[b].length) start += batches[b++].length
    const c = batches[b].columns[METRIC_COLUMNS.name]
    const local = row - start
    names.push(c?.kind === 'str' && (c.present === undefined || c.present[local] === 1) ? c.dict[c.codes[local]] : '')
  }
  return names
}

/** MurmurHash3's finaliser: every input bit reaches every output bit. */
function finalMix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** Stands for an absent value (a present value equal to it costs only a collision). */
const ABSENT = 0x9e3779b9

/** One value's word in the sum: mixed with its column's salt, so equal values of two columns differ. */
function term(word: number, salt: number): number {
  return finalMix(word ^ salt)
}

/**
 * Adds each row's term for column `c` (undefined: absent in this batch) to `hash`; returns
 * instead the term every row shares when the column has one value over all `n` rows. Only
 * columns of IDENTITY_KINDS come here.
 */
function addColumn(hash: Uint32Array, c: Column | undefined, n: number, salt: number): number {
  if (c === undefined) return term(ABSENT, salt)
  const present = c.present
  const absent = term(ABSENT, salt)
  switch (c.kind) {
    case 'str': {
      // One term per dictionary entry; rows look theirs up (entries need not be distinct).
      const table = new Uint32Array(c.dict.length)
      for (let i = 0; i < table.length; i++) table[i] = term(hashString(c.dict[i]), salt)
      if (table.length === 1 && present === undefined) return table[0]
      const codes = c.codes
      for (let row = 0; row < n; row++) hash[row] = (hash[row] + (present !== undefined && present[row] !== 1 ? absent : table[codes[row]])) | 0
      return 0
    }
    case 'u32':
    case 'i32':
    case 'bool': {
      const v = c.values
      for (let row = 0; row < n; row++) hash[row] = (hash[row] + (present !== undefined && present[row] !== 1 ? absent : term(v[row], salt))) | 0
      return 0
    }
    case 'i64':
    case 'f64': {
      const words = new Uint32Array(c.values.buffer, c.values.byteOffset, n * 2)
      for (let row = 0; row < n; row++) {
        const t = present !== undefined && present[row] !== 1 ? absent : term(words[2 * row] ^ finalMix(words[2 * row + 1]), salt)
        hash[row] = (hash[row] + t) | 0
      }
      return 0
    }
    default:
      return 0
  }
}

/** FNV-1a over a string's UTF-16 code units. */
function hashString(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}
