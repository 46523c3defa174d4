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

/** Numbers each distinct series (in first-seen order) and returns the row's series number. */
function seriesRank(batch: Batch): (row: number) => number {
  const identity = Object.keys(batch.columns)
    .filter((name) => !METRIC_VALUE_COLUMNS.has(name))
    .sort()
    .map((name) => batch.columns[name])
  const ids = new Map<string, number>()
  const series = new Uint32Array(batch.length)
  const names: string[] = []
  for (let row = 0; row < batch.length; row++) {
    let key = ''
    for (const c of identity) key += cellKey(c, row) + '\u0001'
    let id = ids.get(key)
    if (id === undefined) {
      id = ids.size
      ids.set(key, id)
      names.push(key)
    }
    series[row] = id
  }
  // Sort series by their identity, so the same series lands in the same place across parts.
  const order = names.map((_, i) => i).sort((a, b) => (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0))
  const rank = new Uint32Array(names.length)
  order.forEach((id, i) => (rank[id] = i))
  return (row) => rank[series[row]]
}

function cellKey(c: Column, row: number): string {
  if (c.present !== undefined && c.present[row] !== 1) return ''
  switch (c.kind) {
    case 'str':
      return c.dict[c.codes[row]]
    case 'u32':
    case 'i32':
    case 'i64':
    case 'f64':
    case 'bool':
      return String(c.values[row])
    case 'bytes':
      return String(c.values.subarray(row * c.width, (row + 1) * c.width))
    default:
      return ''
  }
}
