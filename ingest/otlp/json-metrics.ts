/**
 * @module ingest/otlp/json-metrics
 * Decodes an OTLP/JSON ExportMetricsServiceRequest (already parsed) into metric point rows.
 */
import { METRIC_TYPE, SPAN_ID_BYTES, TRACE_ID_BYTES, type ExemplarValue, type ListWriter } from '../../storage/index.ts'
import { malformed } from '../errors.ts'
import { attributeObject, bool, double, i32, idOrEmpty, int64, list, obj, str, u32, words64, writeAttributes, type JsonObject } from './json-common.ts'
import { walkJsonRequest } from './json-request.ts'
import { setCount } from './json-traces.ts'
import { emptyMetricInfo, MetricRows, type MetricInfo } from './metric-rows.ts'
import type { DecodedBatch } from './signal-rows.ts'

/** JSON key of each data field, by METRIC_TYPE code. */
const DATA_KEYS: [string, number][] = [
  ['gauge', METRIC_TYPE.gauge],
  ['sum', METRIC_TYPE.sum],
  ['histogram', METRIC_TYPE.histogram],
  ['exponentialHistogram', METRIC_TYPE.exponentialHistogram],
  ['summary', METRIC_TYPE.summary],
]

/**
 * Decodes a parsed OTLP/JSON metrics request into one row per data point. Throws IngestError
 * for a payload that does not follow the mapping; points that cannot be stored are rejected.
 * @example decodeMetricsJson(JSON.parse(text))
 */
export function decodeMetricsJson(body: unknown): DecodedBatch {
  const rows = new MetricRows()
  walkJsonRequest(body, { resources: 'resourceMetrics', scopes: 'scopeMetrics', records: 'metrics' }, rows, (m) => writeMetric(m, rows))
  return rows.finish()
}

function writeMetric(m: JsonObject, rows: MetricRows): void {
  const from = rows.row
  const info: MetricInfo = emptyMetricInfo()
  info.name = str(m.name, 'metric name')
  info.description = str(m.description, 'metric description')
  info.unit = str(m.unit, 'metric unit')
  if (m.metadata !== undefined) info.metadata = attributeObject(m.metadata, 'a metric metadata')
  const present = DATA_KEYS.filter(([key]) => m[key] !== undefined && m[key] !== null)
  if (present.length > 1) throw malformed(`cannot decode metric ${JSON.stringify(info.name)}: it has more than one data field`)
  if (present.length === 1) {
    const [key, type] = present[0]
    const data = obj(m[key], `metric ${key}`)
    info.type = type
    info.temporality = u32(data.aggregationTemporality, `metric ${key}.aggregationTemporality`)
    info.monotonic = bool(data.isMonotonic, `metric ${key}.isMonotonic`)
    for (const p of list(data.dataPoints, `metric ${key}.dataPoints`)) writePoint(obj(p, 'data point'), type, rows)
  }
  rows.fillMetric(from, info)
}

function writePoint(p: JsonObject, type: number, rows: MetricRows): void {
  const row = rows.row++
  writeAttributes(p.attributes, 'a data point', rows.recordAttrs, row)
  if (p.startTimeUnixNano !== undefined) rows.start.setWords(row, ...words64(p.startTimeUnixNano, 'data point startTimeUnixNano'))
  setCount(rows.flags, row, p.flags, 'data point flags')
  const exemplars = list(p.exemplars, 'data point exemplars')
  if (exemplars.length > 0) rows.exemplars.set(row, exemplars.map((e) => exemplar(obj(e, 'exemplar'))))
  if (type === METRIC_TYPE.gauge || type === METRIC_TYPE.sum) {
    if (p.asInt !== undefined) {
      const v = int64(p.asInt, 'data point asInt')
      rows.valueInt.set(row, v)
      rows.value.set(row, Number(v))
    } else if (p.asDouble !== undefined) rows.value.set(row, double(p.asDouble, 'data point asDouble'))
  } else {
    if (p.count !== undefined) rows.count.set(row, int64(p.count, 'data point count'))
    if (p.sum !== undefined) rows.sum.set(row, double(p.sum, 'data point sum'))
    if (type === METRIC_TYPE.summary) writeQuantiles(p, rows, row)
    else {
      if (p.min !== undefined) rows.min.set(row, double(p.min, 'data point min'))
      if (p.max !== undefined) rows.max.set(row, double(p.max, 'data point max'))
      if (type === METRIC_TYPE.histogram) {
        pushList(rows.bucketCounts, row, p.bucketCounts, 'data point bucketCounts', true)
        pushList(rows.explicitBounds, row, p.explicitBounds, 'data point explicitBounds', false)
      } else writeExponential(p, rows, row)
    }
  }
  rows.endPoint(row, ...words64(p.timeUnixNano, 'data point timeUnixNano'))
}

function writeExponential(p: JsonObject, rows: MetricRows, row: number): void {
  rows.scale.set(row, i32(p.scale, 'data point scale'))
  if (p.zeroCount !== undefined) rows.zeroCount.set(row, int64(p.zeroCount, 'data point zeroCount'))
  if (p.zeroThreshold !== undefined) rows.zeroThreshold.set(row, double(p.zeroThreshold, 'data point zeroThreshold'))
  for (const [key, offset, counts] of [
    ['positive', rows.positiveOffset, rows.positiveBucketCounts],
    ['negative', rows.negativeOffset, rows.negativeBucketCounts],
  ] as const) {
    if (p[key] === undefined || p[key] === null) continue
    const b = obj(p[key], `data point ${key}`)
    offset.set(row, i32(b.offset, `data point ${key}.offset`))
    counts.open(row)
    pushList(counts, row, b.bucketCounts, `data point ${key}.bucketCounts`, true)
  }
}

function writeQuantiles(p: JsonObject, rows: MetricRows, row: number): void {
  const values = list(p.quantileValues, 'data point quantileValues')
  if (values.length === 0) return
  rows.quantiles.open(row)
  rows.quantileValues.open(row)
  for (const v of values) {
    const q = obj(v, 'quantile value')
    rows.quantiles.pushF64(double(q.quantile, 'quantile'))
    rows.quantileValues.pushF64(double(q.value, 'quantile value'))
  }
}

function pushList(writer: ListWriter, row: number, value: unknown, field: string, integers: boolean): void {
  const items = list(value, field)
  if (items.length === 0) return
  writer.open(row)
  for (const item of items) {
    if (integers) writer.pushI64(int64(item, field))
    else writer.pushF64(double(item, field))
  }
}

function exemplar(e: JsonObject): ExemplarValue {
  return {
    timeUnixNano: int64(e.timeUnixNano, 'exemplar timeUnixNano'),
    value: e.asInt !== undefined ? int64(e.asInt, 'exemplar asInt') : double(e.asDouble, 'exemplar asDouble'),
    spanId: idOrEmpty(e.spanId, SPAN_ID_BYTES, 'exemplar spanId'),
    traceId: idOrEmpty(e.traceId, TRACE_ID_BYTES, 'exemplar traceId'),
    filteredAttributes: attributeObject(e.filteredAttributes, 'an exemplar'),
  }
}
