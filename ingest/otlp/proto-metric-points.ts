/**
 * @module ingest/otlp/proto-metric-points
 * Protobuf decoding of the data points of each metric type, and of their exemplars: one
 * reader, with a layout per type saying where the shared fields sit in its message.
 * Packed repeated fields are read in both encodings a sender may use (packed and unpacked).
 */
import type { AnyValue, ExemplarValue } from '../../storage/index.ts'
import { METRIC_TYPE, SPAN_ID_BYTES, TRACE_ID_BYTES } from '../../storage/index.ts'
import { malformed } from '../errors.ts'
import type { ListWriter } from './columns.ts'
import type { MetricRows } from './metric-rows.ts'
import { readAttribute, readAttributeInto, readIdBytes, type KeyValue } from './proto-common.ts'
import { fieldMask, tag, WIRE_I64, WIRE_LEN, WIRE_VARINT, type ProtoReader } from './proto-reader.ts'
import { checkAttributeCount } from './signal-rows.ts'

const BUCKETS_FIELDS = fieldMask(1, 2)
const QUANTILE_FIELDS = fieldMask(1, 2)
const EXEMPLAR_FIELDS = fieldMask(2, 3, 4, 5, 6, 7)

/** Where the fields every point type may have sit in each type's message (-1: it has none). */
interface PointLayout {
  message: string
  known: number
  attributes: number
  exemplars: number
  flags: number
  count: number
  sum: number
  min: number
  max: number
  /** Reads a field only this type has; false when `t` is not one. */
  own(r: ProtoReader, rows: MetricRows, row: number, t: number): boolean
}

const NUMBER: PointLayout = {
  message: 'NumberDataPoint',
  known: fieldMask(2, 3, 4, 5, 6, 7, 8),
  attributes: tag(7, WIRE_LEN),
  exemplars: tag(5, WIRE_LEN),
  flags: tag(8, WIRE_VARINT),
  count: -1,
  sum: -1,
  min: -1,
  max: -1,
  own(r, rows, row, t) {
    if (t === tag(4, WIRE_I64)) rows.value.set(row, r.double())
    else if (t === tag(6, WIRE_I64)) {
      r.fixed64()
      rows.valueInt.setWords(row, r.lo, r.hi)
      rows.value.set(row, r.int64AsNumber())
    } else return false
    return true
  },
}

const HISTOGRAM: PointLayout = {
  message: 'HistogramDataPoint',
  known: fieldMask(2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
  attributes: tag(9, WIRE_LEN),
  exemplars: tag(8, WIRE_LEN),
  flags: tag(10, WIRE_VARINT),
  count: tag(4, WIRE_I64),
  sum: tag(5, WIRE_I64),
  min: tag(11, WIRE_I64),
  max: tag(12, WIRE_I64),
  own(r, rows, row, t) {
    if (t === tag(6, WIRE_LEN) || t === tag(6, WIRE_I64)) readFixedList(r, rows.bucketCounts, row, t)
    else if (t === tag(7, WIRE_LEN) || t === tag(7, WIRE_I64)) readFixedList(r, rows.explicitBounds, row, t)
    else return false
    return true
  },
}

const EXPONENTIAL: PointLayout = {
  message: 'ExponentialHistogramDataPoint',
  known: fieldMask(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14),
  attributes: tag(1, WIRE_LEN),
  exemplars: tag(11, WIRE_LEN),
  flags: tag(10, WIRE_VARINT),
  count: tag(4, WIRE_I64),
  sum: tag(5, WIRE_I64),
  min: tag(12, WIRE_I64),
  max: tag(13, WIRE_I64),
  own(r, rows, row, t) {
    if (t === tag(6, WIRE_VARINT)) rows.scale.set(row, r.sint32())
    else if (t === tag(7, WIRE_I64)) {
      r.fixed64()
      rows.zeroCount.setWords(row, r.lo, r.hi)
    } else if (t === tag(8, WIRE_LEN)) readBuckets(r, row, rows.positiveOffset, rows.positiveBucketCounts)
    else if (t === tag(9, WIRE_LEN)) readBuckets(r, row, rows.negativeOffset, rows.negativeBucketCounts)
    else if (t === tag(14, WIRE_I64)) rows.zeroThreshold.set(row, r.double())
    else return false
    return true
  },
}

const SUMMARY: PointLayout = {
  message: 'SummaryDataPoint',
  known: fieldMask(2, 3, 4, 5, 6, 7, 8),
  attributes: tag(7, WIRE_LEN),
  exemplars: -1,
  flags: tag(8, WIRE_VARINT),
  count: tag(4, WIRE_I64),
  sum: tag(5, WIRE_I64),
  min: -1,
  max: -1,
  own(r, rows, row, t) {
    if (t !== tag(6, WIRE_LEN)) return false
    readQuantile(r, rows, row)
    return true
  },
}

/** The layout of each METRIC_TYPE's points. */
export const POINT_LAYOUTS: Readonly<Record<number, PointLayout>> = {
  [METRIC_TYPE.gauge]: NUMBER,
  [METRIC_TYPE.sum]: NUMBER,
  [METRIC_TYPE.histogram]: HISTOGRAM,
  [METRIC_TYPE.exponentialHistogram]: EXPONENTIAL,
  [METRIC_TYPE.summary]: SUMMARY,
}

/** Reads one embedded data point of the type `p` describes into a new row. */
export function readPoint(r: ProtoReader, rows: MetricRows, kv: KeyValue, p: PointLayout): void {
  const outer = r.enter()
  const row = rows.row++
  let timeLo = 0
  let timeHi = 0
  let attributes = 0
  let exemplars: ExemplarValue[] | undefined
  while (r.pos < r.limit) {
    const t = r.varint32()
    if (t === p.attributes) {
      checkAttributeCount(++attributes, 'a data point')
      readAttribute(r, kv, rows.recordAttrs, row)
    } else if (t === tag(3, WIRE_I64)) {
      r.fixed64()
      timeLo = r.lo
      timeHi = r.hi
    } else if (t === tag(2, WIRE_I64)) {
      r.fixed64()
      rows.start.setWords(row, r.lo, r.hi)
    } else if (p.own(r, rows, row, t)) continue
    else if (t === p.count) {
      r.fixed64()
      rows.count.setWords(row, r.lo, r.hi)
    } else if (t === p.sum) rows.sum.set(row, r.double())
    else if (t === p.min) rows.min.set(row, r.double())
    else if (t === p.max) rows.max.set(row, r.double())
    else if (t === p.flags) rows.flags.set(row, r.varint32())
    else if (t === p.exemplars) (exemplars ??= []).push(readExemplar(r, kv))
    else r.skip(t, p.known, p.message)
  }
  if (p === EXPONENTIAL && rows.scale.present[row] !== 1) rows.scale.set(row, 0)
  if (exemplars !== undefined) rows.exemplars.set(row, exemplars)
  rows.endPoint(row, timeLo, timeHi)
  r.leave(outer)
}

function readBuckets(r: ProtoReader, row: number, offset: MetricRows['positiveOffset'], counts: ListWriter): void {
  const outer = r.enter()
  offset.set(row, 0)
  counts.open(row)
  while (r.pos < r.limit) {
    const t = r.varint32()
    if (t === tag(1, WIRE_VARINT)) offset.set(row, r.sint32())
    else if (t === tag(2, WIRE_VARINT)) {
      r.varint64()
      counts.pushWords(r.lo, r.hi)
    } else if (t === tag(2, WIRE_LEN)) {
      const end = r.lengthEnd()
      while (r.pos < end) {
        r.varint64()
        counts.pushWords(r.lo, r.hi)
      }
      if (r.pos !== end) throw r.truncated('a packed varint list')
    } else r.skip(t, BUCKETS_FIELDS, 'ExponentialHistogramDataPoint.Buckets')
  }
  r.leave(outer)
}

function readQuantile(r: ProtoReader, rows: MetricRows, row: number): void {
  const outer = r.enter()
  let quantile = 0
  let value = 0
  while (r.pos < r.limit) {
    const t = r.varint32()
    if (t === tag(1, WIRE_I64)) quantile = r.double()
    else if (t === tag(2, WIRE_I64)) value = r.double()
    else r.skip(t, QUANTILE_FIELDS, 'SummaryDataPoint.ValueAtQuantile')
  }
  rows.quantiles.open(row)
  rows.quantiles.pushF64(quantile)
  rows.quantileValues.open(row)
  rows.quantileValues.pushF64(value)
  r.leave(outer)
}

/** Reads a repeated fixed64 or double field, packed (one run of 8-byte values) or not (one). */
function readFixedList(r: ProtoReader, list: ListWriter, row: number, t: number): void {
  list.open(row)
  if ((t & 7) === WIRE_I64) {
    if (r.pos + 8 > r.limit) throw r.truncated('a fixed64')
    list.pushRaw(r.buf, r.pos, r.pos + 8)
    r.pos += 8
    return
  }
  const end = r.lengthEnd()
  if ((end - r.pos) % 8 !== 0) throw malformed(`cannot decode a packed 64-bit list of ${end - r.pos} bytes: not a multiple of 8`)
  list.pushRaw(r.buf, r.pos, end)
  r.pos = end
}

function readExemplar(r: ProtoReader, kv: KeyValue): ExemplarValue {
  const outer = r.enter()
  const filteredAttributes: { [key: string]: AnyValue } = {}
  const e: ExemplarValue = { timeUnixNano: 0n, value: 0, spanId: new Uint8Array(0), traceId: new Uint8Array(0), filteredAttributes }
  let attributes = 0
  while (r.pos < r.limit) {
    const t = r.varint32()
    if (t === tag(2, WIRE_I64)) {
      r.fixed64()
      e.timeUnixNano = r.int64()
    } else if (t === tag(3, WIRE_I64)) e.value = r.double()
    else if (t === tag(6, WIRE_I64)) {
      r.fixed64()
      e.value = r.int64()
    } else if (t === tag(4, WIRE_LEN)) e.spanId = readIdBytes(r, SPAN_ID_BYTES, 'an exemplar span_id')
    else if (t === tag(5, WIRE_LEN)) e.traceId = readIdBytes(r, TRACE_ID_BYTES, 'an exemplar trace_id')
    else if (t === tag(7, WIRE_LEN)) {
      checkAttributeCount(++attributes, 'an exemplar')
      readAttributeInto(r, kv, filteredAttributes)
    } else r.skip(t, EXEMPLAR_FIELDS, 'Exemplar')
  }
  r.leave(outer)
  return e
}
