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

/** Two hashes of each row's value: strings once per dictionary entry, numbers by their bits. */
function valueHashes(v: Vec, n: number): [Uint32Array, Uint32Array] {
  const v1 = new Uint32Array(n)
  const v2 = new Uint32Array(n)
  if (v.t === 'str') {
    const t1 = Uint32Array.from(v.dict, (x) => hashText(x, SEED_1))
    const t2 = Uint32Array.from(v.dict, (x) => hashText(x, SEED_2))
    for (let i = 0; i < n; i++) {
      v1[i] = t1[v.codes[i]]
      v2[i] = t2[v.codes[i]]
    }
  } else if (v.t === 'num' || v.t === 'bool') {
    for (let i = 0; i < n; i++) {
      scratch[0] = v.v[i]
      v1[i] = Math.imul(words[0] ^ SEED_1, FNV_PRIME) ^ words[1]
      v2[i] = Math.imul(words[1] ^ SEED_2, FNV_PRIME) ^ words[0]
    }
  } else {
    for (let i = 0; i < n; i++) {
      const text = JSON.stringify(cell(v, i), (_k, x) => (typeof x === 'bigint' ? x.toString() : x)) ?? ''
      v1[i] = hashText(text, SEED_1)
      v2[i] = hashText(text, SEED_2)
    }
  }
  return [v1, v2]
}

/**
 * Series numbers. Each row's label names and values are hashed twice (FNV-1a, two seeds)
 * into one 53-bit number, and that number is interned: one map lookup per row however many
 * labels. Two label sets collide only if both hashes do (about n^2 / 2^54 for n series).
 */
export class SeriesKeys {
  private readonly ids = new ValueInterner()

  /** The series of every row of `batch` (raw metric rows). */
  assign(batch: Batch): Uint32Array {
    const n = batch.length
    const h1 = new Uint32Array(n).fill(SEED_1)
    const h2 = new Uint32Array(n).fill(SEED_2)
    for (const name of Object.keys(batch.columns).filter(isLabelColumn).sort()) {
      const column = batch.columns[name]
      const n1 = hashText(name, SEED_1)
      const n2 = hashText(name, SEED_2)
      const [v1, v2] = valueHashes(columnVec(column, false), n)
      for (let i = 0; i < n; i++) {
        if (column.present !== undefined && column.present[i] !== 1) continue
        h1[i] = Math.imul(Math.imul(h1[i] ^ n1, FNV_PRIME) ^ v1[i], FNV_PRIME)
        h2[i] = Math.imul(Math.imul(h2[i] ^ n2, FNV_PRIME) ^ v2[i], FNV_PRIME)
      }
    }
    const key = new Float64Array(n)
    for (let i = 0; i < n; i++) key[i] = h1[i] * 2 ** 21 + (h2[i] & 0x1fffff)
    return this.ids.rowIds({ t: 'num', v: key }, n)
  }
}

/** The points of counter or histogram series: where each came from, and its payload index. */
export class SeriesPoints {
  private readonly keys = new SeriesKeys()
  group = new Uint32Array(0)
  series = new Uint32Array(0)
  time = new BigInt64Array(0)
  start = new BigInt64Array(0)
  hasStart = new Uint8Array(0)
  length = 0

  /** Adds the rows of `batch` selected by `take` (row -> payload written by the caller). */
  add(batch: Batch, groups: Uint32Array, take: (row: number, point: number) => boolean): void {
    const series = this.keys.assign(batch)
    const time = batch.columns[METRIC_COLUMNS.timeUnixNano]
    const start = batch.columns[METRIC_COLUMNS.startTimeUnixNano]
    if (time?.kind !== 'i64') return
    const startValues = start?.kind === 'i64' ? start.values : undefined
    const need = this.length + batch.length
    this.group = growTo(this.group, need)
    this.series = growTo(this.series, need)
    this.time = growTo(this.time, need)
    this.start = growTo(this.start, need)
    this.hasStart = growTo(this.hasStart, need)
    for (let i = 0; i < batch.length; i++) {
      if (time.present !== undefined && time.present[i] !== 1) continue
      if (!take(i, this.length)) continue
      const k = this.length++
      this.group[k] = groups[i]
      this.series[k] = series[i]
      this.time[k] = time.values[i]
      const has = startValues !== undefined && (start!.present === undefined || start!.present[i] === 1) && startValues[i] !== 0n
      this.hasStart[k] = has ? 1 : 0
      this.start[k] = has ? startValues![i] : 0n
    }
  }

  /**
   * Visits every point in (series, time) order with `prev`: the previous point of the same
   * series, -1 when the point counts from zero (first point of a series that started inside
   * the window, or a counter reset the caller detects via `reset`), -2 when it only sets the
   * baseline (first point of a series that started long before the window).
   */
  walk(rangeStart: bigint | undefined, visit: (point: number, prev: number) => void): void {
    const order = this.timeOrder()
    const { series } = this
    const earliest = rangeStart === undefined ? undefined : rangeStart - COUNTER_START_LOOKBACK_NS
    for (let k = 0; k < order.length; k++) {
      const point = order[k]
      const before = k > 0 ? order[k - 1] : -1
      if (before >= 0 && series[before] === series[point]) {
        // A new start time means the source restarted the series: count from zero.
        const restarted = this.hasStart[point] === 1 && this.start[point] !== this.start[before]
        visit(point, restarted ? -1 : before)
      } else {
        const fresh = this.hasStart[point] === 1 && (earliest === undefined || this.start[point] >= earliest)
        visit(point, fresh ? -1 : -2)
      }
    }
  }

  /**
   * Point indices grouped by series (counting sort: series numbers are dense), each series'
   * points by time; points mostly arrive in time order, so a series is sorted only if needed.
   */
  private timeOrder(): Uint32Array {
    const { series, time, length } = this
    let seriesCount = 0
    for (let k = 0; k < length; k++) if (series[k] >= seriesCount) seriesCount = series[k] + 1
    const starts = new Uint32Array(seriesCount + 1)
    for (let k = 0; k < length; k++) starts[series[k] + 1]++
    for (let s = 0; s < seriesCount; s++) starts[s + 1] += starts[s]
    const fill = starts.slice(0, seriesCount)
    const order = new Uint32Array(length)
    for (let k = 0; k < length; k++) order[fill[series[k]]++] = k
    for (let s = 0; s < seriesCount; s++) {
      const part = order.subarray(starts[s], starts[s + 1])
      let sorted = true
      for (let j = 1; j < part.length && sorted; j++) sorted = time[part[j - 1]] <= time[part[j]]
      if (!sorted) part.set(Array.from(part).sort((a, b) => (time[a] < time[b] ? -1 : time[a] > time[b] ? 1 : a - b)))
    }
    return order
  }

  bytes(): number {
    return this.length * 40
  }
}
