/**
 * @module query/agg-series
 * Metric series for the counter and histogram aggregates. A series is one metric name with
 * one set of point, resource and scope attributes. Points are collected with their group,
 * series, time and start time, then walked per series in time order, so that each point's
 * increase is taken over the previous point of its own series whatever group that one is in.
 */
import {
  ATTR_PREFIX,
  METRIC_COLUMNS,
  RESOURCE_ATTR_PREFIX,
  SCOPE_ATTR_PREFIX,
  type Batch,
  type Column,
} from '../storage/index.ts'
import { growTo } from './agg.ts'
import { ValueInterner } from './group-keys.ts'
import { COUNTER_START_LOOKBACK_NS } from './limits.ts'
import { cell, columnVec, type Vec } from './vec.ts'

/**
 * The point columns a series walk reads besides the labels: the metric name, the time and the
 * start time of each point (SeriesKeys, SeriesPoints).
 */
export const SERIES_POINT_COLUMNS: readonly string[] = [METRIC_COLUMNS.name, METRIC_COLUMNS.timeUnixNano, METRIC_COLUMNS.startTimeUnixNano]

/** True for the columns that identify a series: the metric name and every attribute. */
export function isLabelColumn(name: string): boolean {
  return name === METRIC_COLUMNS.name || name.startsWith(ATTR_PREFIX) || name.startsWith(RESOURCE_ATTR_PREFIX) || name.startsWith(SCOPE_ATTR_PREFIX)
}

const FNV_PRIME = 0x01000193
const SEED_1 = 0x811c9dc5
const SEED_2 = 0x2545f491

function hashText(s: string, seed: number): number {
  let h = seed
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME)
  return h >>> 0
}

const scratch = new Float64Array(1)
const words = new Uint32Array(scratch.buffer)

/** Two hashes of the value of each row in `rows`: strings once per dictionary entry, numbers by their bits. */
function valueHashes(v: Vec, rows: Uint32Array): [Uint32Array, Uint32Array] {
  const m = rows.length
  const v1 = new Uint32Array(m)
  const v2 = new Uint32Array(m)
  if (v.t === 'str') {
    const t1 = Uint32Array.from(v.dict, (x) => hashText(x, SEED_1))
    const t2 = Uint32Array.from(v.dict, (x) => hashText(x, SEED_2))
    for (let j = 0; j < m; j++) {
      v1[j] = t1[v.codes[rows[j]]]
      v2[j] = t2[v.codes[rows[j]]]
    }
  } else if (v.t === 'num' || v.t === 'bool') {
    for (let j = 0; j < m; j++) {
      scratch[0] = v.v[rows[j]]
      v1[j] = Math.imul(words[0] ^ SEED_1, FNV_PRIME) ^ words[1]
      v2[j] = Math.imul(words[1] ^ SEED_2, FNV_PRIME) ^ words[0]
    }
  } else {
    for (let j = 0; j < m; j++) {
      const text = JSON.stringify(cell(v, rows[j]), (_k, x) => (typeof x === 'bigint' ? x.toString() : x)) ?? ''
      v1[j] = hashText(text, SEED_1)
      v2[j] = hashText(text, SEED_2)
    }
  }
  return [v1, v2]
}

/** The little-endian 32-bit words of an i64 array (low word of value i at 2i, high at 2i+1). */
function words32(values: BigInt64Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length * 2)
}

/**
 * Marks in `changed` each row whose stored value of `column` may differ from the row before's
 * (both absent counts as equal: the hash skips absent labels). Only equal stored data counts as
 * equal, so an unmarked row hashes as the row before; kinds without a cheap test mark every row.
 */
function markChanges(column: Column, n: number, changed: Uint8Array): void {
  const p = column.present
  switch (column.kind) {
    case 'str':
    case 'u32':
    case 'i32':
    case 'f64':
    case 'bool': {
      const v = column.kind === 'str' ? column.codes : column.values
      if (p === undefined) {
        for (let i = 1; i < n; i++) if (v[i] !== v[i - 1]) changed[i] = 1
        return
      }
      for (let i = 1; i < n; i++) {
        const here = p[i] === 1
        if (here !== (p[i - 1] === 1) || (here && v[i] !== v[i - 1])) changed[i] = 1
      }
      return
    }
    case 'i64': {
      const w = words32(column.values)
      for (let i = 1; i < n; i++) {
        const here = p === undefined || p[i] === 1
        const differs = w[2 * i] !== w[2 * i - 2] || w[2 * i + 1] !== w[2 * i - 1]
        if (here !== (p === undefined || p[i - 1] === 1) || (here && differs)) changed[i] = 1
      }
      return
    }
    case 'bytes': {
      const { width, values } = column
      for (let i = 1; i < n; i++) {
        const here = p === undefined || p[i] === 1
        if (here !== (p === undefined || p[i - 1] === 1)) {
          changed[i] = 1
          continue
        }
        if (!here || changed[i] === 1) continue
        for (let k = 0; k < width; k++) {
          if (values[i * width + k] !== values[(i - 1) * width + k]) {
            changed[i] = 1
            break
          }
        }
      }
      return
    }
    default:
      changed.fill(1)
  }
}

/** Where a batch's label values change (`rows`, the first row of each run) and each run's 53-bit key. */
interface LabelRuns {
  readonly names: readonly string[]
  readonly labels: readonly Column[]
  readonly rows: Uint32Array
  readonly key: Float64Array
}

/**
 * Label runs by block: a block scanned again (through the block cache, or a head batch)
 * arrives as the same immutable arrays, whole or as a view of the rows a `where` kept
 * (sliceRows), so its runs are found once and kept as long as its time column's memory lives.
 * Keyed by that memory and the rows viewed, checked against every label column's data and name.
 */
const runsOfBlock = new WeakMap<ArrayBufferLike, Map<string, LabelRuns>>()

/** The array a column's rows are in (a list's offsets), and its presence. */
function rowArray(c: Column): ArrayBufferView | unknown[] {
  return c.kind === 'str' ? c.codes : c.kind === 'i64list' || c.kind === 'f64list' ? c.offsets : c.values
}

function sameView(a: ArrayBufferView | unknown[] | undefined, b: ArrayBufferView | unknown[] | undefined): boolean {
  if (a === b) return true
  if (a === undefined || b === undefined || Array.isArray(a) || Array.isArray(b)) return false
  return a.buffer === b.buffer && a.byteOffset === b.byteOffset && a.byteLength === b.byteLength
}

/** True when two columns view the same stored data (equal values, so equal runs). */
function sameData(a: Column, b: Column): boolean {
  if (a === b) return true
  if (a.kind !== b.kind || !sameView(rowArray(a), rowArray(b)) || !sameView(a.present, b.present)) return false
  if (a.kind === 'str') return a.dict === (b as typeof a).dict
  return a.kind !== 'i64list' && a.kind !== 'f64list' ? true : a.values === (b as typeof a).values
}

/** The label runs of `batch` over the label columns `names` (sorted). */
function labelRuns(batch: Batch, names: readonly string[]): LabelRuns {
  const n = batch.length
  const labels = names.map((name) => batch.columns[name])
  const time = batch.columns[METRIC_COLUMNS.timeUnixNano]
  const timeRows = time === undefined ? undefined : rowArray(time)
  const views = timeRows === undefined || Array.isArray(timeRows) ? undefined : runsOfBlock.get(timeRows.buffer)
  const view = timeRows === undefined || Array.isArray(timeRows) ? '' : `${timeRows.byteOffset}:${timeRows.byteLength}`
  const known = views?.get(view)
  if (known !== undefined && known.labels.length === labels.length && known.labels.every((c, k) => sameData(c, labels[k]) && known.names[k] === names[k])) return known
  const changed = new Uint8Array(n)
  if (n > 0) changed[0] = 1
  for (const column of labels) markChanges(column, n, changed)
  let m = 0
  for (let i = 0; i < n; i++) m += changed[i]
  const rows = new Uint32Array(m)
  for (let i = 0, j = 0; i < n; i++) if (changed[i] === 1) rows[j++] = i
  const h1 = new Uint32Array(m).fill(SEED_1)
  const h2 = new Uint32Array(m).fill(SEED_2)
  names.forEach((name, k) => {
    const column = labels[k]
    const n1 = hashText(name, SEED_1)
    const n2 = hashText(name, SEED_2)
    const [v1, v2] = valueHashes(columnVec(column, false), rows)
    for (let j = 0; j < m; j++) {
      if (column.present !== undefined && column.present[rows[j]] !== 1) continue
      h1[j] = Math.imul(Math.imul(h1[j] ^ n1, FNV_PRIME) ^ v1[j], FNV_PRIME)
      h2[j] = Math.imul(Math.imul(h2[j] ^ n2, FNV_PRIME) ^ v2[j], FNV_PRIME)
    }
  })
  const key = new Float64Array(m)
  for (let j = 0; j < m; j++) key[j] = h1[j] * 2 ** 21 + (h2[j] & 0x1fffff)
  const runs = { names, labels, rows, key }
  if (timeRows !== undefined && !Array.isArray(timeRows)) {
    let map = views
    if (map === undefined) runsOfBlock.set(timeRows.buffer, (map = new Map()))
    map.set(view, runs)
  }
  return runs
}

/** Where `batch`'s series change (the first row of each run) and each run's series key. */
export function seriesRuns(batch: Batch): { rows: Uint32Array; key: Float64Array } {
  return labelRuns(batch, Object.keys(batch.columns).filter(isLabelColumn).sort())
}

/**
 * Series numbers. Each row's label names and values are hashed twice (FNV-1a, two seeds)
 * into one 53-bit number, and that number is interned. Two label sets collide only if both
 * hashes do (about n^2 / 2^54 for n series). Parts store a series' points next to each other
 * (storage row order), so only rows whose labels differ from the row before are hashed and
 * interned; the others take the id of the row before. The hashes of a block are kept with
 * it (labelRuns), so a query over cached blocks only interns one key per run.
 */
export class SeriesKeys {
  private readonly ids = new ValueInterner()

  /** The series of every row of `batch` (raw metric rows). */
  assign(batch: Batch): Uint32Array {
    const n = batch.length
    const { rows, key } = seriesRuns(batch)
    const ids = this.ids.rowIds({ t: 'num', v: key }, key.length)
    const out = new Uint32Array(n)
    for (let j = 0; j < rows.length; j++) out.fill(ids[j], rows[j], j + 1 < rows.length ? rows[j + 1] : n)
    return out
  }
}

/** The points of counter or histogram series: where each came from, and its payload index. */
export class SeriesPoints {
  private readonly keys = new SeriesKeys()
  group = new Uint32Array(0)
  series = new Uint32Array(0)
  time = new BigInt64Array(0)
  /** The start time of each point, 0 when it has none. */
  start = new BigInt64Array(0)
  length = 0
  /**
   * Points were added in (series, time) order so far: series numbers never decrease and times
   * never decrease within a series (a part stores its points so). Then that is their order.
   */
  private inOrder = true

  /** Adds the rows of `batch` selected by `take` (row -> payload written by the caller). */
  add(batch: Batch, groups: Uint32Array, take: (row: number, point: number) => boolean): void {
    const rows = this.timedRows(batch, undefined)
    let m = 0
    for (let j = 0; j < rows.length; j++) if (take(rows[j], this.length + m)) rows[m++] = rows[j]
    this.append(batch, groups, rows.subarray(0, m))
  }

  /**
   * Adds the rows of `batch` that have a time and, when `mask` is given, a 1 in it. Returns
   * those rows in point order: row `rows[j]` is point `length before + j`, whose payload the
   * caller writes (without a call per row).
   */
  addRows(batch: Batch, groups: Uint32Array, mask: Uint8Array | undefined): Uint32Array {
    const rows = this.timedRows(batch, mask)
    this.append(batch, groups, rows)
    return rows
  }

  /** The rows with a time (and a 1 in `mask`, if given). */
  private timedRows(batch: Batch, mask: Uint8Array | undefined): Uint32Array {
    const time = batch.columns[METRIC_COLUMNS.timeUnixNano]
    if (time?.kind !== 'i64') return new Uint32Array(0)
    const p = time.present
    const n = batch.length
    if (p === undefined && mask === undefined) {
      const all = new Uint32Array(n)
      for (let i = 0; i < n; i++) all[i] = i
      return all
    }
    let m = 0
    const rows = new Uint32Array(n)
    for (let i = 0; i < n; i++) if ((p === undefined || p[i] === 1) && (mask === undefined || mask[i] === 1)) rows[m++] = i
    return rows.subarray(0, m)
  }

  private append(batch: Batch, groups: Uint32Array, rows: Uint32Array): void {
    // Every batch is numbered, taken rows or not, so series numbers follow first appearance.
    const series = this.keys.assign(batch)
    const m = rows.length
    if (m === 0) return
    const time = batch.columns[METRIC_COLUMNS.timeUnixNano]
    const start = batch.columns[METRIC_COLUMNS.startTimeUnixNano]
    if (time?.kind !== 'i64') return
    const need = this.length + m
    this.group = growTo(this.group, need)
    this.series = growTo(this.series, need)
    this.time = growTo(this.time, need)
    this.start = growTo(this.start, need)
    // i64 values are copied as 32-bit halves: reading a BigInt64Array makes a BigInt per row.
    const srcTime = words32(time.values)
    const dstTime = words32(this.time)
    const dstStart = words32(this.start)
    const { group: dstGroup, series: dstSeries } = this
    const at = this.length
    for (let j = 0; j < m; j++) {
      const i = rows[j]
      const k = at + j
      dstGroup[k] = groups[i]
      dstSeries[k] = series[i]
      dstTime[2 * k] = srcTime[2 * i]
      dstTime[2 * k + 1] = srcTime[2 * i + 1]
    }
    // A point has a start time when the column has a nonzero value for it (0 = none).
    if (start?.kind === 'i64') {
      const srcStart = words32(start.values)
      const p = start.present
      for (let j = 0; j < m; j++) {
        const i = rows[j]
        const has = p === undefined || p[i] === 1
        dstStart[2 * (at + j)] = has ? srcStart[2 * i] : 0
        dstStart[2 * (at + j) + 1] = has ? srcStart[2 * i + 1] : 0
      }
    } else {
      dstStart.fill(0, 2 * at, 2 * need)
    }
    if (this.inOrder) this.inOrder = this.ordered(at, need)
    this.length = need
  }

  /** True when points [from, to) follow their predecessors in (series, time) order. */
  private ordered(from: number, to: number): boolean {
    const { series } = this
    const lo = words32(this.time)
    const hi = new Int32Array(lo.buffer, lo.byteOffset, lo.length)
    for (let k = Math.max(1, from); k < to; k++) {
      if (series[k] < series[k - 1]) return false
      if (series[k] === series[k - 1] && (hi[2 * k + 1] < hi[2 * k - 1] || (hi[2 * k + 1] === hi[2 * k - 1] && lo[2 * k] < lo[2 * k - 2]))) return false
    }
    return true
  }

  /**
   * Every point in (series, time) order (`order`) with `prev[j]` for point `order[j]`: the
   * previous point of the same series, -1 when the point counts from zero (first point of a
   * series that started inside the window, or a counter reset the caller detects itself),
   * -2 when it only sets the baseline (first point of a series that started long before the
   * window).
   */
  links(rangeStart: bigint | undefined): { order: Uint32Array; prev: Int32Array } {
    const order = this.timeOrder()
    const { series } = this
    const start = words32(this.start)
    const earliest = rangeStart === undefined ? undefined : rangeStart - COUNTER_START_LOOKBACK_NS
    const prev = new Int32Array(order.length)
    for (let j = 0; j < order.length; j++) {
      const point = order[j]
      const before = j > 0 ? order[j - 1] : -1
      const lo = start[2 * point]
      const hi = start[2 * point + 1]
      const has = lo !== 0 || hi !== 0
      if (before >= 0 && series[before] === series[point]) {
        // A new start time means the source restarted the series: count from zero.
        const restarted = has && (lo !== start[2 * before] || hi !== start[2 * before + 1])
        prev[j] = restarted ? -1 : before
      } else {
        const fresh = has && (earliest === undefined || this.start[point] >= earliest)
        prev[j] = fresh ? -1 : -2
      }
    }
    return { order, prev }
  }

  /** Visits every point in (series, time) order with `prev` as `links` gives it. */
  walk(rangeStart: bigint | undefined, visit: (point: number, prev: number) => void): void {
    const { order, prev } = this.links(rangeStart)
    for (let j = 0; j < order.length; j++) visit(order[j], prev[j])
  }

  /**
   * Point indices grouped by series (counting sort: series numbers are dense), each series'
   * points by time; points mostly arrive in time order, so a series is sorted only if needed.
   */
  private timeOrder(): Uint32Array {
    const { series, time, length } = this
    if (this.inOrder) {
      const order = new Uint32Array(length)
      for (let k = 0; k < length; k++) order[k] = k
      return order
    }
    const lo = words32(time)
    const hi = new Int32Array(time.buffer, time.byteOffset, time.length * 2)
    let seriesCount = 0
    for (let k = 0; k < length; k++) if (series[k] >= seriesCount) seriesCount = series[k] + 1
    const starts = new Uint32Array(seriesCount + 1)
    for (let k = 0; k < length; k++) starts[series[k] + 1]++
    for (let s = 0; s < seriesCount; s++) starts[s + 1] += starts[s]
    const fill = starts.slice(0, seriesCount)
    const order = new Uint32Array(length)
    for (let k = 0; k < length; k++) order[fill[series[k]]++] = k
    let scratch = new Uint32Array(0)
    for (let s = 0; s < seriesCount; s++) {
      const from = starts[s]
      const to = starts[s + 1]
      // Boundaries of the ascending runs (one when the series is in order; a few when parts
      // hold it in pieces), merged pairwise until one is left.
      let bounds = [from]
      for (let j = from + 1; j < to; j++) if (earlier(hi, lo, order[j], order[j - 1])) bounds.push(j)
      if (bounds.length === 1) continue
      bounds.push(to)
      if (scratch.length < to - from) scratch = new Uint32Array(to - from)
      while (bounds.length > 2) {
        const next = [from]
        for (let r = 0; r + 1 < bounds.length; r += 2) {
          if (r + 2 < bounds.length) mergeRuns(order, bounds[r], bounds[r + 1], bounds[r + 2], hi, lo, scratch)
          next.push(bounds[Math.min(r + 2, bounds.length - 1)])
        }
        bounds = next
      }
    }
    return order
  }

  bytes(): number {
    return this.length * 32
  }
}

/** True when point a's time (32-bit halves hi, lo of a BigInt64Array) is before point b's. */
function earlier(hi: Int32Array, lo: Uint32Array, a: number, b: number): boolean {
  return hi[2 * a + 1] < hi[2 * b + 1] || (hi[2 * a + 1] === hi[2 * b + 1] && lo[2 * a] < lo[2 * b])
}

/**
 * Merges the time-ordered runs order[from, mid) and order[mid, to) in place (through
 * `scratch`). Ties take the first run, whose points were added earlier: stable, as a sort by
 * (time, point) is.
 */
function mergeRuns(order: Uint32Array, from: number, mid: number, to: number, hi: Int32Array, lo: Uint32Array, scratch: Uint32Array): void {
  let i = from
  let j = mid
  let k = 0
  while (i < mid && j < to) scratch[k++] = earlier(hi, lo, order[j], order[i]) ? order[j++] : order[i++]
  while (i < mid) scratch[k++] = order[i++]
  while (j < to) scratch[k++] = order[j++]
  order.set(scratch.subarray(0, k), from)
}
