/**
 * @module storage/engine/row-order
 * The order rows are stored in within a part. It changes no answer (the query engine sorts
 * what it returns); it puts alike rows together so columns compress well and one trace's
 * spans sit in few blocks:
 * - spans by trace id (then arrival), so ids repeat and a trace is contiguous;
 * - log records by service (then arrival, which is nearly time order);
 * - metric points by series (then arrival), so a series' values are neighbours and deltas are small.
 */
import { LOG_COLUMNS, METRIC_COLUMNS, SPAN_COLUMNS, RESOURCE_ATTR_PREFIX, type Batch, type Column } from '../model.ts'

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

/**
 * The storage order of `batch`'s rows, as row indices.
 * Sorting packs (key, row) into one double: key * 2^24 + row, exact while key < 2^29 and
 * rows < 2^24, so a native Float64Array sort does the work.
 */
export function storageOrder(batch: Batch): Uint32Array {
  const n = batch.length
  const keys = new Float64Array(n)
  const rowKey = keyFunction(batch)
  for (let i = 0; i < n; i++) keys[i] = rowKey(i) * 16777216 + i
  keys.sort()
  const order = new Uint32Array(n)
  for (let i = 0; i < n; i++) order[i] = keys[i] % 16777216
  return order
}

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
      const service = batch.columns[`${RESOURCE_ATTR_PREFIX}service.name`] ?? batch.columns[LOG_COLUMNS.severityText]
      return service?.kind === 'str' ? sortedDictRank(service) : () => 0
    }
    case 'metrics':
      return seriesRank(batch)
  }
}

/** Rank of each row's string in sorted dictionary order. */
function sortedDictRank(column: Extract<Column, { kind: 'str' }>): (row: number) => number {
  const byValue = column.dict.map((s, code) => ({ s, code })).sort((a, b) => (a.s < b.s ? -1 : a.s > b.s ? 1 : 0))
  const rank = new Uint32Array(column.dict.length)
  byValue.forEach((e, i) => (rank[e.code] = i))
  return (row) => rank[column.codes[row]]
}

/**
 * Numbers each distinct series and returns the row's series number. Series are refined one
 * identity column at a time: (series so far, this column's code) pairs get dense numbers from
 * a Map with numeric keys, so no per-row string is built. Numbers follow first appearance.
 */
function seriesRank(batch: Batch): (row: number) => number {
  const n = batch.length
  let series = new Uint32Array(n)
  let count = 1
  const names = Object.keys(batch.columns).filter((name) => !METRIC_VALUE_COLUMNS.has(name)).sort()
  for (const name of names) {
    const codes = identityCodes(batch.columns[name], n)
    if (codes === undefined) continue
    const width = codes.distinct + 1
    const ids = new Map<number, number>()
    const next = new Uint32Array(n)
    for (let row = 0; row < n; row++) {
      const key = series[row] * width + codes.values[row]
      let id = ids.get(key)
      if (id === undefined) ids.set(key, (id = ids.size))
      next[row] = id
    }
    series = next
    count = ids.size
  }
  return count <= 1 ? () => 0 : (row) => series[row]
}

/** A dense code per row for one identity column (0 when absent), or undefined for kinds that do not identify a series. */
function identityCodes(c: Column, n: number): { values: Uint32Array; distinct: number } | undefined {
  const values = new Uint32Array(n)
  const absent = (row: number): boolean => c.present !== undefined && c.present[row] !== 1
  if (c.kind === 'str') {
    for (let row = 0; row < n; row++) values[row] = absent(row) ? 0 : c.codes[row] + 1
    return { values, distinct: c.dict.length + 1 }
  }
  if (c.kind === 'u32' || c.kind === 'i32' || c.kind === 'i64' || c.kind === 'f64' || c.kind === 'bool') {
    const seen = new Map<number | bigint, number>()
    for (let row = 0; row < n; row++) {
      if (absent(row)) continue
      const v = c.values[row]
      let code = seen.get(v)
      if (code === undefined) seen.set(v, (code = seen.size + 1))
      values[row] = code
    }
    return { values, distinct: seen.size + 1 }
  }
  return undefined
}
