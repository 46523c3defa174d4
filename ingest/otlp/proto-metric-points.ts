/**
 * @module ingest/otlp/proto-metric-points
 * Protobuf decoding of the data points of each metric type, and of their exemplars.
 * Each type has its own reader, a switch over its own field numbers, although the shared
 * fields (times, attributes, count, sum, flags) repeat between them: one generic reader
 * driven by a layout object measured slower, its calls through the layout staying
 * polymorphic on the hottest loop of metric ingest.
 * Packed repeated fields are read in both encodings a sender may use (packed and unpacked).
 */
import type { AnyValue, ExemplarValue, ListWriter } from '../../storage/index.ts'
import { METRIC_TYPE, SPAN_ID_BYTES, TRACE_ID_BYTES } from '../../storage/index.ts'
import { malformed } from '../errors.ts'
import type { MetricRows } from './metric-rows.ts'
import { readAttributeInto, readAttributeRun, readIdBytes, type KeyValue } from './proto-common.ts'
import { fieldMask, tag, WIRE_I64, WIRE_LEN, WIRE_VARINT, type ProtoReader } from './proto-reader.ts'
import { checkAttributeCount } from './signal-rows.ts'

const NUMBER_FIELDS = fieldMask(2, 3, 4, 5, 6, 7, 8)
const HISTOGRAM_FIELDS = fieldMask(2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)
const EXPONENTIAL_FIELDS = fieldMask(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14)
const SUMMARY_FIELDS = fieldMask(2, 3, 4, 5, 6, 7, 8)
const BUCKETS_FIELDS = fieldMask(1, 2)
const QUANTILE_FIELDS = fieldMask(1, 2)
const EXEMPLAR_FIELDS = fieldMask(2, 3, 4, 5, 6, 7)

const OWNER = 'a data point'

/*
 * One reader per point type, each a switch over its own field numbers: the types share most
 * fields (times, count, sum, attributes, flags) but not their numbers. Every reader takes a new
 * row; the metric's own fields are filled over its rows afterwards (metric-rows.ts).
 */

/** Reads one embedded data point of a metric of METRIC_TYPE `type` into a new row. */
export function readPoint(r: ProtoReader, rows: MetricRows, kv: KeyValue, type: number): void {
  if (type === METRIC_TYPE.gauge || type === METRIC_TYPE.sum) readNumberPoint(r, rows, kv)
  else if (type === METRIC_TYPE.histogram) readHistogramPoint(r, rows, kv)
  else if (type === METRIC_TYPE.exponentialHistogram) readExponentialPoint(r, rows, kv)
  else readSummaryPoint(r, rows, kv)
}

/** NumberDataPoint (gauge and sum). */
function readNumberPoint(r: ProtoReader, rows: MetricRows, kv: KeyValue): void {
  const outer = r.enter()
  const row = rows.row++
  let timeLo = 0
  let timeHi = 0
  let attributes = 0
  let exemplars: ExemplarValue[] | undefined
  while (r.pos < r.limit) {
    const t = r.varint32()
    switch (t) {
      case tag(7, WIRE_LEN):
        attributes = readAttributeRun(r, kv, rows.recordAttrs, row, tag(7, WIRE_LEN), attributes, OWNER)
        break
      case tag(2, WIRE_I64):
        r.fixed64()
        rows.start.setWords(row, r.lo, r.hi)
        break
      case tag(3, WIRE_I64):
        r.fixed64()
        timeLo = r.lo
        timeHi = r.hi
        break
      case tag(4, WIRE_I64):
        rows.value.set(row, r.double())
        break
      case tag(6, WIRE_I64):
        r.fixed64()
        rows.valueInt.setWords(row, r.lo, r.hi)
        rows.value.set(row, r.int64AsNumber())
        break
      case tag(5, WIRE_LEN):
        ;(exemplars ??= []).push(readExemplar(r, kv))
        break
      case tag(8, WIRE_VARINT):
        rows.flags.set(row, r.varint32())
        break
      default:
        r.skip(t, NUMBER_FIELDS, 'NumberDataPoint')
    }
  }
  if (exemplars !== undefined) rows.exemplars.set(row, exemplars)
  rows.endPoint(row, timeLo, timeHi)
  r.leave(outer)
}

/** HistogramDataPoint. */
function readHistogramPoint(r: ProtoReader, rows: MetricRows, kv: KeyValue): void {
  const outer = r.enter()
  const row = rows.row++
  let timeLo = 0
  let timeHi = 0
  let attributes = 0
  let exemplars: ExemplarValue[] | undefined
  while (r.pos < r.limit) {
    const t = r.varint32()
    switch (t) {
      case tag(9, WIRE_LEN):
        attributes = readAttributeRun(r, kv, rows.recordAttrs, row, tag(9, WIRE_LEN), attributes, OWNER)
        break
      case tag(2, WIRE_I64):
        r.fixed64()
        rows.start.setWords(row, r.lo, r.hi)
        break
      case tag(3, WIRE_I64):
        r.fixed64()
        timeLo = r.lo
        timeHi = r.hi
        break
      case tag(4, WIRE_I64):
        r.fixed64()
        rows.count.setWords(row, r.lo, r.hi)
        break
      case tag(5, WIRE_I64):
        rows.sum.set(row, r.double())
        break
      case tag(6, WIRE_LEN):
      case tag(6, WIRE_I64):
        readFixedList(r, rows.bucketCounts, row, t)
        break
      case tag(7, WIRE_LEN):
      case tag(7, WIRE_I64):
        readFixedList(r, rows.explicitBounds, row, t)
        break
      case tag(8, WIRE_LEN):
        ;(exemplars ??= []).push(readExemplar(r, kv))
        break
      case tag(10, WIRE_VARINT):
        rows.flags.set(row, r.varint32())
        break
      case tag(11, WIRE_I64):
        rows.min.set(row, r.double())
        break
      case tag(12, WIRE_I64):
        rows.max.set(row, r.double())
        break
      default:
        r.skip(t, HISTOGRAM_FIELDS, 'HistogramDataPoint')
    }
  }
  if (exemplars !== undefined) rows.exemplars.set(row, exemplars)
  rows.endPoint(row, timeLo, timeHi)
  r.leave(outer)
}

/** ExponentialHistogramDataPoint: scale is dense (0 when absent, as proto3 reads it). */
function readExponentialPoint(r: ProtoReader, rows: MetricRows, kv: KeyValue): void {
  const outer = r.enter()
  const row = rows.row++
  let timeLo = 0
  let timeHi = 0
  let attributes = 0
  let scale = 0
  let exemplars: ExemplarValue[] | undefined
  while (r.pos < r.limit) {
    const t = r.varint32()
    switch (t) {
      case tag(1, WIRE_LEN):
        attributes = readAttributeRun(r, kv, rows.recordAttrs, row, tag(1, WIRE_LEN), attributes, OWNER)
        break
      case tag(2, WIRE_I64):
        r.fixed64()
        rows.start.setWords(row, r.lo, r.hi)
        break
      case tag(3, WIRE_I64):
        r.fixed64()
        timeLo = r.lo
        timeHi = r.hi
        break
      case tag(4, WIRE_I64):
        r.fixed64()
        rows.count.setWords(row, r.lo, r.hi)
        break
      case tag(5, WIRE_I64):
        rows.sum.set(row, r.double())
        break
      case tag(6, WIRE_VARINT):
        scale = r.sint32()
        break
      case tag(7, WIRE_I64):
        r.fixed64()
        rows.zeroCount.setWords(row, r.lo, r.hi)
        break
      case tag(8, WIRE_LEN):
        readBuckets(r, row, rows.positiveOffset, rows.positiveBucketCounts)
        break
      case tag(9, WIRE_LEN):
        readBuckets(r, row, rows.negativeOffset, rows.negativeBucketCounts)
        break
      case tag(10, WIRE_VARINT):
        rows.flags.set(row, r.varint32())
        break
      case tag(11, WIRE_LEN):
        ;(exemplars ??= []).push(readExemplar(r, kv))
        break
      case tag(12, WIRE_I64):
        rows.min.set(row, r.double())
        break
      case tag(13, WIRE_I64):
        rows.max.set(row, r.double())
        break
      case tag(14, WIRE_I64):
        rows.zeroThreshold.set(row, r.double())
        break
      default:
        r.skip(t, EXPONENTIAL_FIELDS, 'ExponentialHistogramDataPoint')
    }
  }
  rows.scale.set(row, scale)
  if (exemplars !== undefined) rows.exemplars.set(row, exemplars)
  rows.endPoint(row, timeLo, timeHi)
  r.leave(outer)
}

/** SummaryDataPoint. */
function readSummaryPoint(r: ProtoReader, rows: MetricRows, kv: KeyValue): void {
  const outer = r.enter()
  const row = rows.row++
  let timeLo = 0
  let timeHi = 0
  let attributes = 0
  while (r.pos < r.limit) {
    const t = r.varint32()
    switch (t) {
      case tag(7, WIRE_LEN):
        attributes = readAttributeRun(r, kv, rows.recordAttrs, row, tag(7, WIRE_LEN), attributes, OWNER)
        break
      case tag(2, WIRE_I64):
        r.fixed64()
        rows.start.setWords(row, r.lo, r.hi)
        break
      case tag(3, WIRE_I64):
        r.fixed64()
        timeLo = r.lo
        timeHi = r.hi
        break
      case tag(4, WIRE_I64):
        r.fixed64()
        rows.count.setWords(row, r.lo, r.hi)
        break
      case tag(5, WIRE_I64):
        rows.sum.set(row, r.double())
        break
      case tag(6, WIRE_LEN):
        readQuantile(r, rows, row)
        break
      case tag(8, WIRE_VARINT):
        rows.flags.set(row, r.varint32())
        break
      default:
        r.skip(t, SUMMARY_FIELDS, 'SummaryDataPoint')
    }
  }
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
    list.pushRaw(r.view, r.pos, r.pos + 8)
    r.pos += 8
    return
  }
  const end = r.lengthEnd()
  if ((end - r.pos) % 8 !== 0) throw malformed(`cannot decode a packed 64-bit list of ${end - r.pos} bytes: not a multiple of 8`)
  list.pushRaw(r.view, r.pos, end)
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
