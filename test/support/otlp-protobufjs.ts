/**
 * @module test/support/otlp-protobufjs
 * The OTLP v1 messages as a protobufjs schema: an encoder and decoder independent of ours, for
 * round-trip tests (encode a request we then decode) and as the benchmark baseline.
 * Field numbers from opentelemetry-proto opentelemetry/proto/{common,resource,trace,logs,metrics}/v1.
 */
import Long from 'long'
import protobuf from 'protobufjs'

protobuf.util.Long = Long
protobuf.configure()

type Fields = Record<string, { type: string; id: number; rule?: 'repeated'; options?: { packed?: boolean } }>

const f = (type: string, id: number, repeated = false): Fields[string] => (repeated ? { type, id, rule: 'repeated' } : { type, id })

const messages: Record<string, { fields: Fields; oneofs?: Record<string, { oneof: string[] }> }> = {
  AnyValue: {
    oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] } },
    fields: {
      stringValue: f('string', 1),
      boolValue: f('bool', 2),
      intValue: f('int64', 3),
      doubleValue: f('double', 4),
      arrayValue: f('ArrayValue', 5),
      kvlistValue: f('KeyValueList', 6),
      bytesValue: f('bytes', 7),
    },
  },
  ArrayValue: { fields: { values: f('AnyValue', 1, true) } },
  KeyValueList: { fields: { values: f('KeyValue', 1, true) } },
  KeyValue: { fields: { key: f('string', 1), value: f('AnyValue', 2) } },
  InstrumentationScope: {
    fields: { name: f('string', 1), version: f('string', 2), attributes: f('KeyValue', 3, true), droppedAttributesCount: f('uint32', 4) },
  },
  Resource: { fields: { attributes: f('KeyValue', 1, true), droppedAttributesCount: f('uint32', 2) } },
  ExportTraceServiceRequest: { fields: { resourceSpans: f('ResourceSpans', 1, true) } },
  ResourceSpans: { fields: { resource: f('Resource', 1), scopeSpans: f('ScopeSpans', 2, true), schemaUrl: f('string', 3) } },
  ScopeSpans: { fields: { scope: f('InstrumentationScope', 1), spans: f('Span', 2, true), schemaUrl: f('string', 3) } },
  Span: {
    fields: {
      traceId: f('bytes', 1),
      spanId: f('bytes', 2),
      traceState: f('string', 3),
      parentSpanId: f('bytes', 4),
      flags: f('fixed32', 16),
      name: f('string', 5),
      kind: f('int32', 6),
      startTimeUnixNano: f('fixed64', 7),
      endTimeUnixNano: f('fixed64', 8),
      attributes: f('KeyValue', 9, true),
      droppedAttributesCount: f('uint32', 10),
      events: f('Event', 11, true),
      droppedEventsCount: f('uint32', 12),
      links: f('Link', 13, true),
      droppedLinksCount: f('uint32', 14),
      status: f('Status', 15),
    },
  },
  Event: { fields: { timeUnixNano: f('fixed64', 1), name: f('string', 2), attributes: f('KeyValue', 3, true), droppedAttributesCount: f('uint32', 4) } },
  Link: {
    fields: {
      traceId: f('bytes', 1),
      spanId: f('bytes', 2),
      traceState: f('string', 3),
      attributes: f('KeyValue', 4, true),
      droppedAttributesCount: f('uint32', 5),
      flags: f('fixed32', 6),
    },
  },
  Status: { fields: { message: f('string', 2), code: f('int32', 3) } },
  ExportLogsServiceRequest: { fields: { resourceLogs: f('ResourceLogs', 1, true) } },
  ResourceLogs: { fields: { resource: f('Resource', 1), scopeLogs: f('ScopeLogs', 2, true), schemaUrl: f('string', 3) } },
  ScopeLogs: { fields: { scope: f('InstrumentationScope', 1), logRecords: f('LogRecord', 2, true), schemaUrl: f('string', 3) } },
  LogRecord: {
    fields: {
      timeUnixNano: f('fixed64', 1),
      observedTimeUnixNano: f('fixed64', 11),
      severityNumber: f('int32', 2),
      severityText: f('string', 3),
      body: f('AnyValue', 5),
      attributes: f('KeyValue', 6, true),
      droppedAttributesCount: f('uint32', 7),
      flags: f('fixed32', 8),
      traceId: f('bytes', 9),
      spanId: f('bytes', 10),
      eventName: f('string', 12),
    },
  },
  ExportMetricsServiceRequest: { fields: { resourceMetrics: f('ResourceMetrics', 1, true) } },
  ResourceMetrics: { fields: { resource: f('Resource', 1), scopeMetrics: f('ScopeMetrics', 2, true), schemaUrl: f('string', 3) } },
  ScopeMetrics: { fields: { scope: f('InstrumentationScope', 1), metrics: f('Metric', 2, true), schemaUrl: f('string', 3) } },
  Metric: {
    oneofs: { data: { oneof: ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] } },
    fields: {
      name: f('string', 1),
      description: f('string', 2),
      unit: f('string', 3),
      gauge: f('Gauge', 5),
      sum: f('Sum', 7),
      histogram: f('Histogram', 9),
      exponentialHistogram: f('ExponentialHistogram', 10),
      summary: f('Summary', 11),
      metadata: f('KeyValue', 12, true),
    },
  },
  Gauge: { fields: { dataPoints: f('NumberDataPoint', 1, true) } },
  Sum: { fields: { dataPoints: f('NumberDataPoint', 1, true), aggregationTemporality: f('int32', 2), isMonotonic: f('bool', 3) } },
  Histogram: { fields: { dataPoints: f('HistogramDataPoint', 1, true), aggregationTemporality: f('int32', 2) } },
  ExponentialHistogram: { fields: { dataPoints: f('ExponentialHistogramDataPoint', 1, true), aggregationTemporality: f('int32', 2) } },
  Summary: { fields: { dataPoints: f('SummaryDataPoint', 1, true) } },
  NumberDataPoint: {
    oneofs: { value: { oneof: ['asDouble', 'asInt'] } },
    fields: {
      attributes: f('KeyValue', 7, true),
      startTimeUnixNano: f('fixed64', 2),
      timeUnixNano: f('fixed64', 3),
      asDouble: f('double', 4),
      asInt: f('sfixed64', 6),
      exemplars: f('Exemplar', 5, true),
      flags: f('uint32', 8),
    },
  },
  HistogramDataPoint: {
    oneofs: { _sum: { oneof: ['sum'] }, _min: { oneof: ['min'] }, _max: { oneof: ['max'] } },
    fields: {
      attributes: f('KeyValue', 9, true),
      startTimeUnixNano: f('fixed64', 2),
      timeUnixNano: f('fixed64', 3),
      count: f('fixed64', 4),
      sum: f('double', 5),
      bucketCounts: f('fixed64', 6, true),
      explicitBounds: f('double', 7, true),
      exemplars: f('Exemplar', 8, true),
      flags: f('uint32', 10),
      min: f('double', 11),
      max: f('double', 12),
    },
  },
  ExponentialHistogramDataPoint: {
    oneofs: { _sum: { oneof: ['sum'] }, _min: { oneof: ['min'] }, _max: { oneof: ['max'] } },
    fields: {
      attributes: f('KeyValue', 1, true),
      startTimeUnixNano: f('fixed64', 2),
      timeUnixNano: f('fixed64', 3),
      count: f('fixed64', 4),
      sum: f('double', 5),
      scale: f('sint32', 6),
      zeroCount: f('fixed64', 7),
      positive: f('Buckets', 8),
      negative: f('Buckets', 9),
      flags: f('uint32', 10),
      exemplars: f('Exemplar', 11, true),
      min: f('double', 12),
      max: f('double', 13),
      zeroThreshold: f('double', 14),
    },
  },
  Buckets: { fields: { offset: f('sint32', 1), bucketCounts: f('uint64', 2, true) } },
  SummaryDataPoint: {
    fields: {
      attributes: f('KeyValue', 7, true),
      startTimeUnixNano: f('fixed64', 2),
      timeUnixNano: f('fixed64', 3),
      count: f('fixed64', 4),
      sum: f('double', 5),
      quantileValues: f('ValueAtQuantile', 6, true),
      flags: f('uint32', 8),
    },
  },
  ValueAtQuantile: { fields: { quantile: f('double', 1), value: f('double', 2) } },
  Exemplar: {
    oneofs: { value: { oneof: ['asDouble', 'asInt'] } },
    fields: {
      filteredAttributes: f('KeyValue', 7, true),
      timeUnixNano: f('fixed64', 2),
      asDouble: f('double', 3),
      asInt: f('sfixed64', 6),
      spanId: f('bytes', 4),
      traceId: f('bytes', 5),
    },
  },
}

const root = protobuf.Root.fromJSON({ nested: { otlp: { nested: messages } } })

/** The protobufjs type of each export request, by OTLP signal. */
export const REQUEST_TYPES = {
  traces: root.lookupType('otlp.ExportTraceServiceRequest'),
  metrics: root.lookupType('otlp.ExportMetricsServiceRequest'),
  logs: root.lookupType('otlp.ExportLogsServiceRequest'),
}

const ID_KEYS = new Set(['traceId', 'spanId', 'parentSpanId'])

/**
 * Protobuf bytes of an OTLP/JSON request object: hex ids become bytes (OTLP/JSON's deviation
 * from proto3 JSON), base64 bytesValue is read by protobufjs itself.
 */
export function encodeOtlpJsonAsProtobuf(signal: keyof typeof REQUEST_TYPES, request: unknown): Uint8Array {
  const withBytes = JSON.parse(JSON.stringify(request), (key, value: unknown) =>
    ID_KEYS.has(key) && typeof value === 'string' ? Buffer.from(value, 'hex').toString('base64') : value,
  )
  const type = REQUEST_TYPES[signal]
  return type.encode(type.fromObject(withBytes)).finish()
}
