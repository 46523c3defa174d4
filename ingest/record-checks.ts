/**
 * @module ingest/record-checks
 * The rules of the OTLP data model that a record must follow to be stored, checked on a built
 * batch, whatever produced it: a record that breaks one is rejected alone (partial success),
 * never the whole request. Only what the data model forbids is refused.
 * Spec: opentelemetry-proto opentelemetry/proto/metrics/v1/metrics.proto (HistogramDataPoint,
 * ExponentialHistogramDataPoint, SummaryDataPoint) and trace/v1/trace.proto (Span.end_time_unix_nano).
 */
import { METRIC_COLUMNS, METRIC_TYPE, SPAN_COLUMNS, type Batch, type Column } from '../storage/index.ts'

/** Receives each rejected row once, rows in increasing order, with why. */
export type RejectRow = (row: number, reason: string) => void

/** Counts past 2^53 are compared only when exact as doubles (no real count gets there). */
const EXACT = 2 ** 53

type I64 = Extract<Column, { kind: 'i64' }>
type F64 = Extract<Column, { kind: 'f64' }>
type U32 = Extract<Column, { kind: 'u32' }>
type I64List = Extract<Column, { kind: 'i64list' }>
type F64List = Extract<Column, { kind: 'f64list' }>

function col<K extends Column['kind']>(batch: Batch, name: string, kind: K): Extract<Column, { kind: K }> | undefined {
  const c = batch.columns[name]
  return c !== undefined && c.kind === kind ? (c as Extract<Column, { kind: K }>) : undefined
}

const has = (c: Column | undefined, row: number): boolean => c !== undefined && (c.present === undefined || c.present[row] === 1)

/**
 * Reads 64-bit integers as 32-bit words (little-endian, as every platform Node runs on), without
 * making a BigInt per value. A count is unsigned in
 * OTLP; storage keeps it signed, so one of 2^63 or more (or a negative one from JSON) reads
 * negative and is refused: it cannot be stored as the count it claims.
 */
class Words {
  private readonly w: Int32Array
  constructor(values: BigInt64Array) {
    this.w = new Int32Array(values.buffer, values.byteOffset, values.length * 2)
  }
  negative(i: number): boolean {
    return this.w[2 * i + 1] < 0
  }
  isZero(i: number): boolean {
    return this.w[2 * i] === 0 && this.w[2 * i + 1] === 0
  }
  /** Whether value `i`, unsigned (as OTLP times are), is greater than value `j` of `other`. */
  after(i: number, other: Words, j: number): boolean {
    const a = this.w[2 * i + 1] >>> 0
    const b = other.w[2 * j + 1] >>> 0
    return a !== b ? a > b : this.w[2 * i] >>> 0 > other.w[2 * j] >>> 0
  }
  /** The value as a double (exact below 2^53). */
  number(i: number): number {
    return this.w[2 * i + 1] * 4294967296 + (this.w[2 * i] >>> 0)
  }
}

/** The sum of a row's list of counts as a double, -1 when one is negative. */
function sumCounts(list: I64List | undefined, words: Words | undefined, row: number): number {
  if (list === undefined || words === undefined || !has(list, row)) return 0
  let sum = 0
  for (let i = list.offsets[row]; i < list.offsets[row + 1]; i++) {
    if (words.negative(i)) return -1
    sum += words.number(i)
  }
  return sum
}

function listLength(list: I64List | F64List | undefined, row: number): number {
  return list === undefined || !has(list, row) ? 0 : list.offsets[row + 1] - list.offsets[row]
}

/**
 * Calls `reject` for every record of `batch` the data model forbids (see the module comment).
 * @example checkRecords(batch, (row, reason) => rejected.push(row))
 */
export function checkRecords(batch: Batch, reject: RejectRow): void {
  if (batch.signal === 'spans') checkSpans(batch, reject)
  else if (batch.signal === 'metrics') checkMetricPoints(batch, reject)
}

/** trace.proto: "it is expected that end_time >= start_time"; an end of 0 (unknown) passes. */
function checkSpans(batch: Batch, reject: RejectRow): void {
  const start = col(batch, SPAN_COLUMNS.startTimeUnixNano, 'i64')
  const end = col(batch, SPAN_COLUMNS.endTimeUnixNano, 'i64')
  if (start === undefined || end === undefined) return
  const s = new Words(start.values)
  const e = new Words(end.values)
  for (let row = 0; row < batch.length; row++) {
    if (!has(end, row) || !has(start, row)) continue
    if (!e.isZero(row) && s.after(row, e, row)) reject(row, 'end_time_unix_nano is before start_time_unix_nano')
  }
}

interface MetricColumns {
  type: U32 | undefined
  start: I64 | undefined
  startWords: Words | undefined
  time: I64 | undefined
  timeWords: Words | undefined
  count: I64 | undefined
  countWords: Words | undefined
  buckets: I64List | undefined
  bucketWords: Words | undefined
  bounds: F64List | undefined
  zeroCount: I64 | undefined
  zeroWords: Words | undefined
  positive: I64List | undefined
  positiveWords: Words | undefined
  negative: I64List | undefined
  negativeWords: Words | undefined
  quantiles: F64List | undefined
  quantileValues: F64List | undefined
}

function wordsOf(c: I64 | I64List | undefined): Words | undefined {
  return c === undefined ? undefined : new Words(c.values)
}

function metricColumns(batch: Batch): MetricColumns {
  const count = col(batch, METRIC_COLUMNS.count, 'i64')
  const start = col(batch, METRIC_COLUMNS.startTimeUnixNano, 'i64')
  const time = col(batch, METRIC_COLUMNS.timeUnixNano, 'i64')
  const buckets = col(batch, METRIC_COLUMNS.bucketCounts, 'i64list')
  const zeroCount = col(batch, METRIC_COLUMNS.zeroCount, 'i64')
  const positive = col(batch, METRIC_COLUMNS.positiveBucketCounts, 'i64list')
  const negative = col(batch, METRIC_COLUMNS.negativeBucketCounts, 'i64list')
  return {
    type: col(batch, METRIC_COLUMNS.type, 'u32'),
    start,
    startWords: wordsOf(start),
    time,
    timeWords: wordsOf(time),
    count,
    countWords: wordsOf(count),
    buckets,
    bucketWords: wordsOf(buckets),
    bounds: col(batch, METRIC_COLUMNS.explicitBounds, 'f64list'),
    zeroCount,
    zeroWords: wordsOf(zeroCount),
    positive,
    positiveWords: wordsOf(positive),
    negative,
    negativeWords: wordsOf(negative),
    quantiles: col(batch, METRIC_COLUMNS.quantiles, 'f64list'),
    quantileValues: col(batch, METRIC_COLUMNS.quantileValues, 'f64list'),
  }
}

/**
 * One pass over the points, on the decoding threads' hot path: gauges and sums (most points)
 * cost a compare of two words; only histograms and summaries are looked at further.
 */
function checkMetricPoints(batch: Batch, reject: RejectRow): void {
  const c = metricColumns(batch)
  const type = c.type
  for (let row = 0; row < batch.length; row++) {
    // start_time_unix_nano opens the interval time_unix_nano closes (a start of 0, unknown, is never after).
    if (c.startWords !== undefined && c.timeWords !== undefined && has(c.start, row) && has(c.time, row) && c.startWords.after(row, c.timeWords, row)) {
      reject(row, 'start_time_unix_nano is after time_unix_nano')
      continue
    }
    const t = type === undefined || (type.present !== undefined && type.present[row] !== 1) ? 0 : type.values[row]
    if (t < METRIC_TYPE.histogram) continue
    const problem = t === METRIC_TYPE.histogram ? histogramProblem(c, row) : t === METRIC_TYPE.exponentialHistogram ? exponentialProblem(c, row) : t === METRIC_TYPE.summary ? summaryProblem(c, row) : undefined
    if (problem !== undefined) reject(row, problem)
  }
}

/** The point's count as a double, -1 when negative, undefined when absent. */
function countOf(c: MetricColumns, row: number): number | undefined {
  if (!has(c.count, row)) return undefined
  return c.countWords!.negative(row) ? -1 : c.countWords!.number(row)
}

function countBelow(count: number | undefined, sum: number, what: string): string | undefined {
  if (count === undefined || count >= EXACT || sum >= EXACT || sum <= count) return undefined
  return `count ${count} is smaller than the sum of ${what}, ${sum}`
}

/**
 * HistogramDataPoint: "The number of elements in bucket_counts array must be by one greater than
 * the number of elements in explicit_bounds array. The exception to this rule is when the length
 * of bucket_counts is 0, then the length of explicit_bounds must also be 0"; "The values in the
 * explicit_bounds array must be strictly increasing" (so none is NaN); the bucket counts must sum
 * to count. A count above the buckets' sum is let through: observations no bucket can hold (NaN)
 * are counted, not bucketed, by some SDKs.
 */
function histogramProblem(c: MetricColumns, row: number): string | undefined {
  const count = countOf(c, row)
  if (count === -1) return 'count is negative (or past 2^63 - 1)'
  const buckets = listLength(c.buckets, row)
  const bounds = listLength(c.bounds, row)
  if (buckets !== 0 || bounds !== 0) {
    if (buckets !== bounds + 1) return `bucket_counts has ${buckets} entries for ${bounds} explicit_bounds (expected ${bounds + 1}, or none with no bounds)`
  }
  if (bounds > 0) {
    const b = c.bounds!
    const from = b.offsets[row]
    if (Number.isNaN(b.values[from])) return 'explicit_bounds are not strictly increasing: one is NaN'
    for (let i = from + 1; i < from + bounds; i++) {
      if (!(b.values[i - 1] < b.values[i])) return `explicit_bounds are not strictly increasing: ${b.values[i]} follows ${b.values[i - 1]}`
    }
  }
  const sum = sumCounts(c.buckets, c.bucketWords, row)
  if (sum === -1) return 'bucket_counts hold a negative count (or one past 2^63 - 1)'
  return countBelow(count, sum, 'bucket_counts')
}

/**
 * ExponentialHistogramDataPoint: counts are unsigned, and count "must be equal to the sum of the
 * bucket_counts values in the positive and negative Buckets plus the count field in the zero
 * bucket" (a larger count is let through, as for histograms).
 */
function exponentialProblem(c: MetricColumns, row: number): string | undefined {
  const count = countOf(c, row)
  if (count === -1) return 'count is negative (or past 2^63 - 1)'
  let zero = 0
  if (has(c.zeroCount, row)) {
    if (c.zeroWords!.negative(row)) return 'zero_count is negative (or past 2^63 - 1)'
    zero = c.zeroWords!.number(row)
  }
  const positive = sumCounts(c.positive, c.positiveWords, row)
  if (positive === -1) return 'positive bucket_counts hold a negative count (or one past 2^63 - 1)'
  const negative = sumCounts(c.negative, c.negativeWords, row)
  if (negative === -1) return 'negative bucket_counts hold a negative count (or one past 2^63 - 1)'
  return countBelow(count, zero + positive + negative, 'zero_count and the bucket counts')
}

/**
 * SummaryDataPoint: count non-negative; a quantile "Must be in the interval [0.0, 1.0]" (not
 * NaN), quantiles strictly increasing, and "Quantile values must NOT be negative".
 */
function summaryProblem(c: MetricColumns, row: number): string | undefined {
  if (countOf(c, row) === -1) return 'count is negative (or past 2^63 - 1)'
  const n = listLength(c.quantiles, row)
  if (n === 0) return undefined
  const q = c.quantiles!
  const from = q.offsets[row]
  for (let i = from; i < from + n; i++) {
    const quantile = q.values[i]
    if (!(quantile >= 0 && quantile <= 1)) return `quantile ${quantile} is outside [0, 1]`
    if (i > from && !(q.values[i - 1] < quantile)) return `quantiles are not strictly increasing: ${quantile} follows ${q.values[i - 1]}`
  }
  const v = c.quantileValues
  if (v !== undefined && has(v, row)) {
    for (let i = v.offsets[row]; i < v.offsets[row + 1]; i++) {
      if (v.values[i] < 0) return `the value at quantile ${q.values[from + i - v.offsets[row]]} is negative (${v.values[i]})`
    }
  }
  return undefined
}
