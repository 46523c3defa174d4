/**
 * storage's INTRINSIC_COLUMN_KINDS (what the query planner's pushdown relies on) against the
 * columns ingest really builds: the repository workload and a request with every kind of
 * point, decoded by the OTLP decoder. Every intrinsic column found has its declared kind.
 */
import { describe, expect, it } from 'vitest'
import { OtlpDecoder } from '../ingest/index.ts'
import { ATTR_PREFIX, INTRINSIC_COLUMN_KINDS, RESOURCE_ATTR_PREFIX, SCOPE_ATTR_PREFIX, type Batch } from '../storage/index.ts'
import { generateWorkload, otlpJson } from '../workload/index.ts'

const T = '1793491200000000000'
const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }], droppedAttributesCount: 1 }
const scope = { name: 'lib', version: '1', droppedAttributesCount: 2 }

/** One request per signal with the fields the workload leaves out. */
const extra = {
  traces: {
    resourceSpans: [{ resource, schemaUrl: 'https://s', scopeSpans: [{ scope, schemaUrl: 'https://s', spans: [{
      traceId: '5913df3e0fffc6345e1725c4d1c997d7', spanId: '5913df3e0fffc634', parentSpanId: '1725c4d1c997d7aa', traceState: 'k=v', name: 'op', kind: 2,
      startTimeUnixNano: T, endTimeUnixNano: T, droppedAttributesCount: 3, droppedEventsCount: 4, droppedLinksCount: 5, flags: 1,
      events: [{ timeUnixNano: T, name: 'e', attributes: [] }], links: [{ traceId: '5913df3e0fffc6345e1725c4d1c997d7', spanId: '5913df3e0fffc634', attributes: [] }],
      status: { code: 2, message: 'bad' },
    }] }] }],
  },
  logs: {
    resourceLogs: [{ resource, schemaUrl: 'https://s', scopeLogs: [{ scope, schemaUrl: 'https://s', logRecords: [
      { timeUnixNano: T, observedTimeUnixNano: T, severityNumber: 9, severityText: 'INFO', body: { stringValue: 'hi' }, traceId: '5913df3e0fffc6345e1725c4d1c997d7', spanId: '5913df3e0fffc634', eventName: 'ev', flags: 1, droppedAttributesCount: 1 },
      { timeUnixNano: T, body: { kvlistValue: { values: [{ key: 'a', value: { intValue: '1' } }] } } },
    ] }] }],
  },
  metrics: {
    resourceMetrics: [{ resource, schemaUrl: 'https://s', scopeMetrics: [{ scope, schemaUrl: 'https://s', metrics: [
      { name: 'g', description: 'd', unit: 'u', metadata: [{ key: 'm', value: { stringValue: 'x' } }], gauge: { dataPoints: [{ timeUnixNano: T, asInt: '3', exemplars: [{ timeUnixNano: T, asDouble: 1 }] }] } },
      { name: 's', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ startTimeUnixNano: T, timeUnixNano: T, asDouble: 1.5, flags: 1 }] } },
      { name: 'h', histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: T, count: '2', sum: 3, min: 1, max: 2, bucketCounts: ['1', '1'], explicitBounds: [1.5] }] } },
      { name: 'e', exponentialHistogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: T, count: '2', sum: 3, scale: 1, zeroCount: '0', zeroThreshold: 0.1, positive: { offset: 1, bucketCounts: ['1', '1'] }, negative: { offset: -1, bucketCounts: ['0'] } }] } },
      { name: 'q', summary: { dataPoints: [{ timeUnixNano: T, count: '2', sum: 3, quantileValues: [{ quantile: 0.5, value: 1 }] }] } },
    ] }] }],
  },
}

function batches(): Batch[] {
  const decoder = new OtlpDecoder()
  const requests = otlpJson(generateWorkload({ spans: 500, logs: 500, minutes: 5, intervalSeconds: 60 }))
  const out: Batch[] = []
  for (const signal of ['traces', 'logs', 'metrics'] as const) {
    for (const body of [...requests[signal], extra[signal]]) out.push(decoder.decode(signal, 'json', Buffer.from(JSON.stringify(body))).batch)
  }
  return out
}

describe('INTRINSIC_COLUMN_KINDS', () => {
  it('gives the kind of every intrinsic column ingest builds, and ingest builds nearly all of them', () => {
    const wrong: string[] = []
    const seen = new Set<string>()
    for (const batch of batches()) {
      const kinds = INTRINSIC_COLUMN_KINDS[batch.signal] as Readonly<Record<string, string>>
      for (const [name, column] of Object.entries(batch.columns)) {
        if ([ATTR_PREFIX, RESOURCE_ATTR_PREFIX, SCOPE_ATTR_PREFIX].some((p) => name.startsWith(p))) continue
        seen.add(`${batch.signal}.${name}`)
        if (kinds[name] !== column.kind) wrong.push(`${batch.signal} ${name}: built as ${column.kind}, declared ${kinds[name]}`)
      }
    }
    expect(wrong).toEqual([])
    const declared = Object.entries(INTRINSIC_COLUMN_KINDS).flatMap(([signal, kinds]) => Object.keys(kinds).map((name) => `${signal}.${name}`))
    // Every declared column was checked, but one: OTLP data points carry no dropped-attribute count.
    expect(declared.filter((name) => !seen.has(name))).toEqual(['metrics.droppedAttributesCount'])
  })
})
