/**
 * @module workload/batches
 * The flat records as storage batches, cell for cell what ingest stores for the same OTLP
 * request: ids as bytes (all zero when absent), attributes under `a:`/`r:`, integer
 * attributes as bigint, an unset observed time as 0, the scope of otlp-json.ts.
 */
import {
  BatchBuilder,
  COMMON_COLUMNS,
  hexToBytes,
  LOG_COLUMNS,
  METRIC_COLUMNS,
  METRIC_TYPE,
  SPAN_COLUMNS,
  type Batch,
  type Store,
} from '../storage/index.ts'
import { SCOPE } from './otlp-json.ts'
import type { Attributes, FlatLog, FlatPoint, FlatSpan, Workload } from './records.ts'

const id = (hex: string, width: number): Uint8Array => (hex === '' ? new Uint8Array(width) : (hexToBytes(hex) ?? new Uint8Array(width)))

function common(b: BatchBuilder, row: number, r: { resource: Attributes; attributes: Attributes }): void {
  for (const [k, v] of Object.entries(r.resource)) b.setAttribute(`r:${k}`, row, v)
  for (const [k, v] of Object.entries(r.attributes)) b.setAttribute(`a:${k}`, row, v)
  b.setStr(COMMON_COLUMNS.scopeName, row, SCOPE.name)
  b.setStr(COMMON_COLUMNS.scopeVersion, row, SCOPE.version)
}

function addSpan(b: BatchBuilder, row: number, s: FlatSpan): void {
  b.setBytes(SPAN_COLUMNS.traceId, row, 16, id(s.traceId, 16))
  b.setBytes(SPAN_COLUMNS.spanId, row, 8, id(s.spanId, 8))
  b.setBytes(SPAN_COLUMNS.parentSpanId, row, 8, id(s.parentSpanId, 8))
  b.setStr(SPAN_COLUMNS.name, row, s.name)
  b.setU32(SPAN_COLUMNS.kind, row, s.kind)
  b.setI64(SPAN_COLUMNS.startTimeUnixNano, row, s.start)
  b.setI64(SPAN_COLUMNS.endTimeUnixNano, row, s.end)
  b.setU32(SPAN_COLUMNS.statusCode, row, s.statusCode)
  b.setStr(SPAN_COLUMNS.statusMessage, row, s.statusMessage)
  if (s.events.length > 0) {
    b.setAny(SPAN_COLUMNS.events, row, s.events.map((e) => ({ timeUnixNano: e.time, name: e.name, attributes: e.attributes, droppedAttributesCount: 0n })))
  }
  common(b, row, s)
}

function addLog(b: BatchBuilder, row: number, l: FlatLog): void {
  b.setI64(LOG_COLUMNS.timeUnixNano, row, l.time)
  b.setI64(LOG_COLUMNS.observedTimeUnixNano, row, l.observedTime)
  b.setU32(LOG_COLUMNS.severityNumber, row, l.severityNumber)
  b.setStr(LOG_COLUMNS.severityText, row, l.severityText)
  b.setStr(LOG_COLUMNS.body, row, l.body)
  b.setBytes(LOG_COLUMNS.traceId, row, 16, id(l.traceId, 16))
  b.setBytes(LOG_COLUMNS.spanId, row, 8, id(l.spanId, 8))
  common(b, row, l)
}

function addPoint(b: BatchBuilder, row: number, p: FlatPoint): void {
  b.setStr(METRIC_COLUMNS.name, row, p.name)
  b.setStr(METRIC_COLUMNS.unit, row, p.unit)
  b.setU32(METRIC_COLUMNS.type, row, METRIC_TYPE[p.type])
  b.setU32(METRIC_COLUMNS.temporality, row, p.temporality === 'cumulative' ? 2 : 0)
  b.setBool(METRIC_COLUMNS.monotonic, row, p.monotonic)
  b.setI64(METRIC_COLUMNS.timeUnixNano, row, p.time)
  if (p.start !== 0n) b.setI64(METRIC_COLUMNS.startTimeUnixNano, row, p.start)
  if (p.histogram !== undefined) {
    b.setI64(METRIC_COLUMNS.count, row, p.histogram.count)
    b.setF64(METRIC_COLUMNS.sum, row, p.histogram.sum)
    b.setI64List(METRIC_COLUMNS.bucketCounts, row, p.histogram.bucketCounts)
    b.setF64List(METRIC_COLUMNS.explicitBounds, row, p.histogram.explicitBounds)
  } else if (p.value !== undefined) b.setF64(METRIC_COLUMNS.value, row, p.value)
  common(b, row, p)
}

function batches<T>(signal: 'spans' | 'logs' | 'metrics', records: readonly T[], size: number, add: (b: BatchBuilder, row: number, r: T) => void): Batch[] {
  const out: Batch[] = []
  for (let i = 0; i < records.length; i += size) {
    const b = new BatchBuilder(signal)
    const part = records.slice(i, i + size)
    part.forEach((r, row) => add(b, row, r))
    out.push(b.finish(part.length))
  }
  return out
}

/**
 * The workload as storage batches of `size` records.
 * @example for (const b of workloadBatches(w).spans) await store.append('default', b)
 */
export function workloadBatches(w: Workload, size = 2_000): { spans: Batch[]; logs: Batch[]; metrics: Batch[] } {
  return { spans: batches('spans', w.spans, size, addSpan), logs: batches('logs', w.logs, size, addLog), metrics: batches('metrics', w.points, size, addPoint) }
}

/**
 * Appends every record of `w` to `store` under `tenant`.
 * @example await appendWorkload(new MemoryStore(), generateWorkload())
 */
export async function appendWorkload(store: Store, w: Workload, tenant = 'default', size = 2_000): Promise<void> {
  const all = workloadBatches(w, size)
  for (const b of [...all.spans, ...all.logs, ...all.metrics]) await store.append(tenant, b)
}
