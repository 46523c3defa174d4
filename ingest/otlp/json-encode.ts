/**
 * @module ingest/otlp/json-encode
 * Spans, log records and metric points of a batch back to an OTLP/JSON export request, the
 * inverse of the decoders (see json-encode-common.ts).
 */
import {
  ATTR_PREFIX,
  COMMON_COLUMNS,
  LOG_COLUMNS,
  METRIC_COLUMNS,
  METRIC_TYPE,
  SPAN_COLUMNS,
  type AnyValue,
  type Batch,
  type ExemplarValue,
  type SpanEventValue,
  type SpanLinkValue,
} from '../../storage/index.ts'
import { cell, groupRows, hexId, jsonAnyValue, jsonAttributes, jsonDouble, keyOf, put, rowAttributes, type Json } from './json-encode-common.ts'

/**
 * An OTLP/JSON export request holding every row of `batch`.
 * @example JSON.stringify(batchToOtlpJson(batch)) // POST it to /v1/traces (or metrics, logs)
 */
export function batchToOtlpJson(batch: Batch): Json {
  switch (batch.signal) {
    case 'spans':
      return groupRows(batch, { resources: 'resourceSpans', scopes: 'scopeSpans', records: 'spans' }, (rows) => rows.map((row) => span(batch, row)))
    case 'logs':
      return groupRows(batch, { resources: 'resourceLogs', scopes: 'scopeLogs', records: 'logRecords' }, (rows) => rows.map((row) => log(batch, row)))
    case 'metrics':
      return groupRows(batch, { resources: 'resourceMetrics', scopes: 'scopeMetrics', records: 'metrics' }, (rows) => metrics(batch, rows))
  }
}

function common(batch: Batch, row: number, out: Json): void {
  put(out, 'attributes', rowAttributes(batch, ATTR_PREFIX, row))
  put(out, 'droppedAttributesCount', cell(batch, COMMON_COLUMNS.droppedAttributesCount, row))
  put(out, 'flags', cell(batch, COMMON_COLUMNS.flags, row))
}

function span(batch: Batch, row: number): Json {
  const c = (name: string) => cell(batch, name, row)
  const out: Json = {}
  put(out, 'traceId', hexId(c(SPAN_COLUMNS.traceId)))
  put(out, 'spanId', hexId(c(SPAN_COLUMNS.spanId)))
  put(out, 'traceState', c(SPAN_COLUMNS.traceState))
  put(out, 'parentSpanId', hexId(c(SPAN_COLUMNS.parentSpanId)))
  put(out, 'name', c(SPAN_COLUMNS.name))
  put(out, 'kind', c(SPAN_COLUMNS.kind))
  put(out, 'startTimeUnixNano', c(SPAN_COLUMNS.startTimeUnixNano))
  put(out, 'endTimeUnixNano', c(SPAN_COLUMNS.endTimeUnixNano))
  common(batch, row, out)
  put(out, 'events', ((c(SPAN_COLUMNS.events) ?? []) as SpanEventValue[]).map(event))
  put(out, 'droppedEventsCount', c(SPAN_COLUMNS.droppedEventsCount))
  put(out, 'links', ((c(SPAN_COLUMNS.links) ?? []) as SpanLinkValue[]).map(link))
  put(out, 'droppedLinksCount', c(SPAN_COLUMNS.droppedLinksCount))
  const status: Json = {}
  put(status, 'message', c(SPAN_COLUMNS.statusMessage))
  put(status, 'code', c(SPAN_COLUMNS.statusCode))
  if (Object.keys(status).length > 0) out.status = status
  return out
}

function event(e: SpanEventValue): Json {
  const out: Json = {}
  put(out, 'timeUnixNano', e.timeUnixNano)
  put(out, 'name', e.name)
  put(out, 'attributes', jsonAttributes(e.attributes))
  put(out, 'droppedAttributesCount', Number(e.droppedAttributesCount))
  return out
}

function link(l: SpanLinkValue): Json {
  const out: Json = {}
  put(out, 'traceId', hexId(l.traceId))
  put(out, 'spanId', hexId(l.spanId))
  put(out, 'traceState', l.traceState)
  put(out, 'attributes', jsonAttributes(l.attributes))
  put(out, 'droppedAttributesCount', Number(l.droppedAttributesCount))
  put(out, 'flags', Number(l.flags))
  return out
}

function log(batch: Batch, row: number): Json {
  const c = (name: string) => cell(batch, name, row)
  const out: Json = {}
  put(out, 'timeUnixNano', c(LOG_COLUMNS.timeUnixNano))
  put(out, 'observedTimeUnixNano', c(LOG_COLUMNS.observedTimeUnixNano))
  put(out, 'severityNumber', c(LOG_COLUMNS.severityNumber))
  put(out, 'severityText', c(LOG_COLUMNS.severityText))
  const body = c(LOG_COLUMNS.body) ?? c(LOG_COLUMNS.bodyValue)
  if (body !== undefined) out.body = jsonAnyValue(body)
  common(batch, row, out)
  put(out, 'traceId', hexId(c(LOG_COLUMNS.traceId)))
  put(out, 'spanId', hexId(c(LOG_COLUMNS.spanId)))
  put(out, 'eventName', c(LOG_COLUMNS.eventName))
  return out
}

const DATA_KEY: Record<number, string> = {
  [METRIC_TYPE.gauge]: 'gauge',
  [METRIC_TYPE.sum]: 'sum',
  [METRIC_TYPE.histogram]: 'histogram',
  [METRIC_TYPE.exponentialHistogram]: 'exponentialHistogram',
  [METRIC_TYPE.summary]: 'summary',
}

/** Points of one scope grouped back into metrics (same name, type and metric fields). */
function metrics(batch: Batch, rows: number[]): Json[] {
  const byMetric = new Map<string, { json: Json; data: Json; points: Json[] }>()
  for (const row of rows) {
    const c = (name: string) => cell(batch, name, row)
    const json: Json = {}
    put(json, 'name', c(METRIC_COLUMNS.name))
    put(json, 'description', c(METRIC_COLUMNS.description))
    put(json, 'unit', c(METRIC_COLUMNS.unit))
    const metadata = c(METRIC_COLUMNS.metadata) as { [key: string]: AnyValue } | undefined
    if (metadata !== undefined) put(json, 'metadata', jsonAttributes(metadata))
    const data: Json = {}
    put(data, 'aggregationTemporality', c(METRIC_COLUMNS.temporality))
    put(data, 'isMonotonic', c(METRIC_COLUMNS.monotonic))
    const type = c(METRIC_COLUMNS.type) as number
    const key = keyOf([json, data, type])
    let m = byMetric.get(key)
    if (m === undefined) {
      m = { json, data, points: [] }
      json[DATA_KEY[type]] = data
      byMetric.set(key, m)
    }
    m.points.push(point(batch, row, type))
  }
  return [...byMetric.values()].map((m) => {
    m.data.dataPoints = m.points
    return m.json
  })
}

function point(batch: Batch, row: number, type: number): Json {
  const c = (name: string) => cell(batch, name, row)
  const out: Json = {}
  put(out, 'attributes', rowAttributes(batch, ATTR_PREFIX, row))
  put(out, 'startTimeUnixNano', c(METRIC_COLUMNS.startTimeUnixNano))
  put(out, 'timeUnixNano', c(METRIC_COLUMNS.timeUnixNano))
  put(out, 'flags', c(COMMON_COLUMNS.flags))
  const valueInt = c(METRIC_COLUMNS.valueInt)
  const value = c(METRIC_COLUMNS.value)
  if (valueInt !== undefined) out.asInt = String(valueInt)
  else if (value !== undefined) out.asDouble = jsonDouble(value as number)
  put(out, 'count', c(METRIC_COLUMNS.count) === undefined ? undefined : BigInt.asUintN(64, c(METRIC_COLUMNS.count) as bigint))
  const sum = c(METRIC_COLUMNS.sum)
  if (sum !== undefined) out.sum = jsonDouble(sum as number)
  if (type === METRIC_TYPE.histogram) {
    put(out, 'bucketCounts', ((c(METRIC_COLUMNS.bucketCounts) ?? []) as bigint[]).map((n) => String(BigInt.asUintN(64, n))))
    put(out, 'explicitBounds', ((c(METRIC_COLUMNS.explicitBounds) ?? []) as number[]).map(jsonDouble))
  }
  if (type === METRIC_TYPE.exponentialHistogram) exponential(c, out)
  if (type === METRIC_TYPE.summary) {
    const q = (c(METRIC_COLUMNS.quantiles) ?? []) as number[]
    const v = (c(METRIC_COLUMNS.quantileValues) ?? []) as number[]
    put(out, 'quantileValues', q.map((quantile, i) => ({ quantile: jsonDouble(quantile), value: jsonDouble(v[i]) })))
  }
  for (const key of ['min', 'max'] as const) {
    const v = c(METRIC_COLUMNS[key])
    if (v !== undefined) out[key] = jsonDouble(v as number)
  }
  put(out, 'exemplars', ((c(METRIC_COLUMNS.exemplars) ?? []) as ExemplarValue[]).map(exemplar))
  return out
}

function exponential(c: (name: string) => AnyValue | undefined, out: Json): void {
  put(out, 'scale', c(METRIC_COLUMNS.scale))
  put(out, 'zeroCount', c(METRIC_COLUMNS.zeroCount))
  const threshold = c(METRIC_COLUMNS.zeroThreshold)
  if (threshold !== undefined && threshold !== 0) out.zeroThreshold = jsonDouble(threshold as number)
  for (const [key, offset, counts] of [
    ['positive', METRIC_COLUMNS.positiveOffset, METRIC_COLUMNS.positiveBucketCounts],
    ['negative', METRIC_COLUMNS.negativeOffset, METRIC_COLUMNS.negativeBucketCounts],
  ] as const) {
    const list = c(counts) as bigint[] | undefined
    if (list === undefined) continue
    const b: Json = {}
    put(b, 'offset', c(offset))
    put(b, 'bucketCounts', list.map((n) => String(BigInt.asUintN(64, n))))
    out[key] = b
  }
}

function exemplar(e: ExemplarValue): Json {
  const out: Json = {}
  put(out, 'filteredAttributes', jsonAttributes(e.filteredAttributes))
  put(out, 'timeUnixNano', e.timeUnixNano)
  if (typeof e.value === 'bigint') out.asInt = String(e.value)
  else out.asDouble = jsonDouble(e.value)
  put(out, 'spanId', hexId(e.spanId))
  put(out, 'traceId', hexId(e.traceId))
  return out
}
