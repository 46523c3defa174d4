/**
 * @module workload/otlp-json
 * The flat records as OTLP/JSON export requests (the OTLP/HTTP JSON mapping: lowerCamelCase
 * names, hex ids, 64-bit integers as decimal strings, enums as integers, defaults omitted),
 * `batchSize` records a request, grouped by resource in first-appearance order, one scope
 * (`workload` 1.0.0) per resource. See https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding
 */
import type { Attributes, AttrValue, FlatLog, FlatPoint, FlatSpan, Workload } from './records.ts'

export const SCOPE = { name: 'workload', version: '1.0.0' } as const

type Json = Record<string, unknown>

function anyValue(v: AttrValue): Json {
  if (typeof v === 'string') return { stringValue: v }
  if (typeof v === 'bigint') return { intValue: v.toString() }
  if (typeof v === 'boolean') return { boolValue: v }
  return { doubleValue: v }
}

export function keyValues(attrs: Attributes): Json[] {
  return Object.entries(attrs).map(([key, value]) => ({ key, value: anyValue(value) }))
}

/** Records grouped by resource (first appearance order), then split into requests. */
function groups<T extends { resource: Attributes }>(records: readonly T[]): T[][] {
  const by = new Map<string, T[]>()
  for (const r of records) {
    const key = JSON.stringify(r.resource)
    let list = by.get(key)
    if (list === undefined) by.set(key, (list = []))
    list.push(r)
  }
  return [...by.values()]
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

const str = (t: bigint): string => t.toString()

function span(s: FlatSpan): Json {
  const out: Json = { traceId: s.traceId, spanId: s.spanId }
  if (s.parentSpanId !== '') out.parentSpanId = s.parentSpanId
  Object.assign(out, { name: s.name, kind: s.kind, startTimeUnixNano: str(s.start), endTimeUnixNano: str(s.end), attributes: keyValues(s.attributes) })
  if (s.events.length > 0) out.events = s.events.map((e) => ({ timeUnixNano: str(e.time), name: e.name, attributes: keyValues(e.attributes) }))
  const status: Json = {}
  if (s.statusMessage !== '') status.message = s.statusMessage
  if (s.statusCode !== 0) status.code = s.statusCode
  out.status = status
  return out
}

function log(l: FlatLog): Json {
  const out: Json = { timeUnixNano: str(l.time) }
  if (l.observedTime !== 0n) out.observedTimeUnixNano = str(l.observedTime)
  Object.assign(out, { severityNumber: l.severityNumber, severityText: l.severityText, body: { stringValue: l.body }, attributes: keyValues(l.attributes) })
  if (l.traceId !== '') Object.assign(out, { traceId: l.traceId, spanId: l.spanId })
  return out
}

function dataPoint(p: FlatPoint): Json {
  const out: Json = { attributes: keyValues(p.attributes) }
  if (p.start !== 0n) out.startTimeUnixNano = str(p.start)
  out.timeUnixNano = str(p.time)
  if (p.histogram !== undefined) {
    const h = p.histogram
    Object.assign(out, { count: h.count.toString(), sum: h.sum, bucketCounts: h.bucketCounts.map(String), explicitBounds: h.explicitBounds })
  } else if (p.type === 'sum') out.asInt = String(p.value)
  else out.asDouble = p.value
  return out
}

function metric(name: string, points: readonly FlatPoint[]): Json {
  const p = points[0]
  const dataPoints = points.map(dataPoint)
  const body: Json = { name, unit: p.unit }
  if (p.type === 'gauge') body.gauge = { dataPoints }
  else if (p.type === 'sum') body.sum = { dataPoints, aggregationTemporality: 2, isMonotonic: p.monotonic }
  else body.histogram = { dataPoints, aggregationTemporality: 2 }
  return body
}

/** Export requests for /v1/traces, /v1/logs and /v1/metrics. */
export interface OtlpJsonRequests {
  readonly traces: Json[]
  readonly logs: Json[]
  readonly metrics: Json[]
}

/**
 * The workload as OTLP/JSON request bodies: 1,000 spans, 1,000 log records, 5,000 points each.
 * @example for (const body of otlpJson(w).traces) await fetch(url, { method: 'POST', body: JSON.stringify(body) })
 */
export function otlpJson(w: Workload, sizes = { spans: 1_000, logs: 1_000, points: 5_000 }): OtlpJsonRequests {
  const scoped = <T extends { resource: Attributes }>(list: T[], key: string, make: (items: T[]) => unknown) => ({ resource: { attributes: keyValues(list[0].resource) }, [key]: [{ scope: SCOPE, ...(make(list) as Json) }] })
  return {
    traces: chunks(w.spans, sizes.spans).map((c) => ({ resourceSpans: groups(c).map((g) => scoped(g, 'scopeSpans', (s) => ({ spans: s.map(span) }))) })),
    logs: chunks(w.logs, sizes.logs).map((c) => ({ resourceLogs: groups(c).map((g) => scoped(g, 'scopeLogs', (l) => ({ logRecords: l.map(log) }))) })),
    metrics: chunks(w.points, sizes.points).map((c) => ({
      resourceMetrics: groups(c).map((g) =>
        scoped(g, 'scopeMetrics', (ps) => {
          const byName = new Map<string, FlatPoint[]>()
          for (const p of ps) {
            const list = byName.get(p.name)
            if (list === undefined) byName.set(p.name, [p])
            else list.push(p)
          }
          return { metrics: [...byName].map(([name, list]) => metric(name, list)) }
        }),
      ),
    })),
  }
}
