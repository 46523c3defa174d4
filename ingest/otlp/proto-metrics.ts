/**
 * @module ingest/otlp/proto-metrics
 * Decodes an ExportMetricsServiceRequest (opentelemetry/proto/collector/metrics/v1,
 * metrics/v1) from protobuf straight into a batch of metric points.
 */
import { METRIC_TYPE } from '../../storage/index.ts'
import { malformed } from '../errors.ts'
import { emptyMetricInfo, MetricRows, type MetricInfo } from './metric-rows.ts'
import { readAttributeInto, type KeyValue } from './proto-common.ts'
import { readPoint } from './proto-metric-points.ts'
import { fieldMask, tag, WIRE_LEN, WIRE_VARINT, type ProtoReader } from './proto-reader.ts'
import { countRecords, readRequest, RECORD_PATHS } from './proto-request.ts'
import { checkAttributeCount, type DecodedBatch } from './signal-rows.ts'

const METRIC_FIELDS = fieldMask(1, 2, 3, 5, 7, 9, 10, 11, 12)
const DATA_FIELDS = fieldMask(1)

/**
 * Decodes a protobuf ExportMetricsServiceRequest into one row per data point. Throws
 * IngestError (MALFORMED, LIMIT_EXCEEDED) for a payload that cannot be decoded; points that
 * decode but cannot be stored are rejected.
 * @example const { batch, rejected } = decodeMetricsProto(reader, body)
 */
export function decodeMetricsProto(r: ProtoReader, body: Uint8Array): DecodedBatch {
  return readRequest(r, body, new MetricRows(countRecords(body, RECORD_PATHS.metrics)), ['ExportMetricsServiceRequest', 'ResourceMetrics', 'ScopeMetrics'], readMetric)
}

/** The Metric.data field number of each type. */
const DATA_TYPES: Record<number, number> = {
  [tag(5, WIRE_LEN)]: METRIC_TYPE.gauge,
  [tag(7, WIRE_LEN)]: METRIC_TYPE.sum,
  [tag(9, WIRE_LEN)]: METRIC_TYPE.histogram,
  [tag(10, WIRE_LEN)]: METRIC_TYPE.exponentialHistogram,
  [tag(11, WIRE_LEN)]: METRIC_TYPE.summary,
}

function readMetric(r: ProtoReader, rows: MetricRows, kv: KeyValue): void {
  const outer = r.enter()
  const from = rows.row
  const m = emptyMetricInfo()
  let metadata = 0
  while (r.pos < r.limit) {
    const t = r.varint32()
    if (t === tag(1, WIRE_LEN)) m.name = r.string()
    else if (t === tag(2, WIRE_LEN)) m.description = r.string()
    else if (t === tag(3, WIRE_LEN)) m.unit = r.string()
    else if (t === tag(12, WIRE_LEN)) {
      checkAttributeCount(++metadata, 'a metric metadata')
      readAttributeInto(r, kv, (m.metadata ??= {}))
    } else if (DATA_TYPES[t] !== undefined) {
      if (m.type !== 0) throw malformed(`cannot decode metric ${JSON.stringify(m.name)}: it has more than one data field`)
      m.type = DATA_TYPES[t]
      readData(r, rows, kv, m)
    } else r.skip(t, METRIC_FIELDS, 'Metric')
  }
  rows.fillMetric(from, m)
  r.leave(outer)
}

/** Reads a Gauge, Sum, Histogram, ExponentialHistogram or Summary message. */
function readData(r: ProtoReader, rows: MetricRows, kv: KeyValue, m: MetricInfo): void {
  const outer = r.enter()
  const type = m.type
  while (r.pos < r.limit) {
    const t = r.varint32()
    if (t === tag(1, WIRE_LEN)) {
      readPoint(r, rows, kv, type)
    } else if (t === tag(2, WIRE_VARINT) && m.type !== METRIC_TYPE.gauge && m.type !== METRIC_TYPE.summary) {
      m.temporality = r.varint32()
    } else if (t === tag(3, WIRE_VARINT) && m.type === METRIC_TYPE.sum) {
      m.monotonic = r.bool()
    } else r.skip(t, DATA_FIELDS, 'metric data')
  }
  r.leave(outer)
}
