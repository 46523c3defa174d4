/**
 * @module test/support/otlp-fixtures
 * OTLP/JSON export requests that use every field and every AnyValue type, written in canonical
 * form (default values omitted) so that what comes back from storage can be compared as is.
 */

const T = '1793491200000000000'
const T2 = '1793491200500000000'
const TRACE = '5b8efff798038103d269b633813fc60c'
const SPAN = 'eee19b7ec3c1b174'
const PARENT = 'eee19b7ec3c1b173'

/** Attributes of every AnyValue type, nested arrays and key-value lists included. */
export const ALL_VALUES = [
  { key: 'str', value: { stringValue: 'héllo ☃' } },
  { key: 'bool', value: { boolValue: true } },
  { key: 'int', value: { intValue: '-9223372036854775808' } },
  { key: 'double', value: { doubleValue: 2.5 } },
  { key: 'bytes', value: { bytesValue: 'AAEC/w==' } },
  { key: 'empty', value: {} },
  {
    key: 'array',
    value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '7' }, { arrayValue: { values: [{ boolValue: false }] } }] } },
  },
  {
    key: 'kvlist',
    value: { kvlistValue: { values: [{ key: 'inner', value: { doubleValue: -0.5 } }, { key: 'deep', value: { kvlistValue: { values: [{ key: 'x', value: { stringValue: 'y' } }] } } }] } },
  },
]

function origin(service: string) {
  return {
    resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }, ...ALL_VALUES], droppedAttributesCount: 2 },
    schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
  }
}

const scope = {
  scope: { name: 'lib', version: '1.2.3', attributes: [{ key: 'scope.attr', value: { intValue: '5' } }], droppedAttributesCount: 1 },
  schemaUrl: 'https://opentelemetry.io/schemas/1.25.0',
}

export const FULL_TRACES = {
  resourceSpans: [
    {
      ...origin('checkout'),
      scopeSpans: [
        {
          ...scope,
          spans: [
            {
              traceId: TRACE,
              spanId: SPAN,
              traceState: 'vendor=value',
              parentSpanId: PARENT,
              flags: 257,
              name: 'GET /cart',
              kind: 2,
              startTimeUnixNano: T,
              endTimeUnixNano: T2,
              attributes: ALL_VALUES,
              droppedAttributesCount: 3,
              events: [
                { timeUnixNano: T, name: 'exception', attributes: [{ key: 'exception.type', value: { stringValue: 'Boom' } }], droppedAttributesCount: 1 },
                { timeUnixNano: T2, name: 'bare' },
              ],
              droppedEventsCount: 4,
              links: [{ traceId: TRACE, spanId: PARENT, traceState: 'a=b', attributes: [{ key: 'l', value: { boolValue: true } }], droppedAttributesCount: 5, flags: 1 }],
              droppedLinksCount: 6,
              status: { message: 'card declined', code: 2 },
            },
            { traceId: TRACE, spanId: PARENT, name: 'root', startTimeUnixNano: T, endTimeUnixNano: T2, status: { code: 1 } },
          ],
        },
      ],
    },
    { ...origin('cart'), scopeSpans: [{ scope: { name: 'other' }, spans: [{ traceId: TRACE, spanId: 'eee19b7ec3c1b175', parentSpanId: PARENT, name: 'SELECT', kind: 3, startTimeUnixNano: T, endTimeUnixNano: T2 }] }] },
  ],
}

export const FULL_LOGS = {
  resourceLogs: [
    {
      ...origin('checkout'),
      scopeLogs: [
        {
          ...scope,
          logRecords: [
            {
              timeUnixNano: T,
              observedTimeUnixNano: T2,
              severityNumber: 17,
              severityText: 'ERROR',
              body: { stringValue: 'payment failed' },
              attributes: ALL_VALUES,
              droppedAttributesCount: 2,
              flags: 1,
              traceId: TRACE,
              spanId: SPAN,
              eventName: 'payment.failed',
            },
            { timeUnixNano: T2, body: { kvlistValue: { values: [{ key: 'structured', value: { arrayValue: { values: [{ intValue: '1' }, { doubleValue: 1.5 }] } } }] } } },
            { timeUnixNano: T2, body: { bytesValue: 'AQID' } },
            { timeUnixNano: T2, body: { intValue: '42' } },
            { timeUnixNano: T2, severityNumber: 9 },
          ],
        },
      ],
    },
  ],
}

const exemplars = [
  { filteredAttributes: [{ key: 'user', value: { stringValue: 'u1' } }], timeUnixNano: T, asDouble: 0.25, spanId: SPAN, traceId: TRACE },
  { timeUnixNano: T2, asInt: '-3' },
]

const point = { attributes: [{ key: 'route', value: { stringValue: '/cart' } }], startTimeUnixNano: T, timeUnixNano: T2 }

export const FULL_METRICS = {
  resourceMetrics: [
    {
      ...origin('checkout'),
      scopeMetrics: [
        {
          ...scope,
          metrics: [
            { name: 'cpu', description: 'CPU use', unit: '1', gauge: { dataPoints: [{ ...point, asDouble: 0.75, flags: 1, exemplars }, { timeUnixNano: T2, asInt: '9007199254740993' }] } },
            {
              name: 'requests',
              unit: '{request}',
              metadata: [{ key: 'source', value: { stringValue: 'sdk' } }],
              sum: { dataPoints: [{ ...point, asInt: '12' }], aggregationTemporality: 2, isMonotonic: true },
            },
            { name: 'delta', sum: { dataPoints: [{ ...point, asDouble: -1.5 }], aggregationTemporality: 1 } },
            {
              name: 'latency',
              unit: 's',
              histogram: {
                dataPoints: [{ ...point, count: '6', sum: 3.5, bucketCounts: ['1', '2', '3'], explicitBounds: [0.1, 1], exemplars, min: 0.01, max: 2 }, { timeUnixNano: T2, bucketCounts: ['0'] }],
                aggregationTemporality: 2,
              },
            },
            {
              name: 'latency.exp',
              exponentialHistogram: {
                dataPoints: [
                  { ...point, count: '10', sum: 12.5, scale: -2, zeroCount: '1', positive: { offset: -3, bucketCounts: ['4', '5'] }, negative: { offset: 2, bucketCounts: ['0'] }, min: -1, max: 9, zeroThreshold: 0.001, exemplars },
                  { timeUnixNano: T2, scale: 3 },
                ],
                aggregationTemporality: 1,
              },
            },
            { name: 'summary', summary: { dataPoints: [{ ...point, count: '4', sum: 10, quantileValues: [{ quantile: 0.5, value: 2 }, { quantile: 0.99, value: 4 }], flags: 1 }] } },
          ],
        },
      ],
    },
  ],
}

/** Number of records (spans, log records, data points) in each full request. */
export const FULL_COUNTS = { traces: 3, logs: 5, metrics: 9 }
