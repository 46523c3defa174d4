/**
 * @module bench/support/reference-batches
 * Converts the reference workload's flat NDJSON records (shared/workload/SPEC.md) into
 * storage batches the way ingest would: timestamps as bigint, ids as bytes, attributes
 * under `a:` / `r:` / `s:`, integer attribute values as OTLP ints (bigint).
 */
import {
  BatchBuilder,
  COMMON_COLUMNS,
  hexToBytes,
  LOG_COLUMNS,
  METRIC_COLUMNS,
  METRIC_TYPE,
  SPAN_COLUMNS,
  type AnyValue,
  type Batch,
  type Signal,
} from '../../storage/index.ts'

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
type Rec = Record<string, Json>

const ZERO_TRACE = new Uint8Array(16)
const ZERO_SPAN = new Uint8Array(8)

function id(hex: Json, zero: Uint8Array): Uint8Array {
  return typeof hex === 'string' && hex !== '' ? (hexToBytes(hex) ?? zero) : zero
}

/** JSON numbers that are whole become OTLP ints (bigint), others doubles. */
function anyValue(v: Json): AnyValue {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v
  if (Array.isArray(v)) return v.map(anyValue)
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, anyValue(x)]))
  return v
}

function attributes(b: BatchBuilder, row: number, prefix: string, attrs: Json): void {
  if (attrs === null || typeof attrs !== 'object' || Array.isArray(attrs)) return
  for (const [k, v] of Object.entries(attrs)) b.setAttribute(prefix + k, row, anyValue(v))
}

function common(b: BatchBuilder, row: number, r: Rec): void {
  attributes(b, row, 'r:', r.resource)
  attributes(b, row, 'a:', r.attributes)
  b.setStr(COMMON_COLUMNS.scopeName, row, 'workload-gen')
  b.setStr(COMMON_COLUMNS.scopeVersion, row, '1.0.0')
}

function addSpan(b: BatchBuilder, row: number, r: Rec): void {
  b.setBytes(SPAN_COLUMNS.traceId, row, 16, id(r.trace_id, ZERO_TRACE))
  b.setBytes(SPAN_COLUMNS.spanId, row, 8, id(r.span_id, ZERO_SPAN))
  b.setBytes(SPAN_COLUMNS.parentSpanId, row, 8, id(r.parent_span_id, ZERO_SPAN))
  b.setStr(SPAN_COLUMNS.name, row, r.name as string)
  b.setU32(SPAN_COLUMNS.kind, row, r.kind as number)
  b.setI64(SPAN_COLUMNS.startTimeUnixNano, row, BigInt(r.start_time_unix_nano as string))
  b.setI64(SPAN_COLUMNS.endTimeUnixNano, row, BigInt(r.end_time_unix_nano as string))
  b.setU32(SPAN_COLUMNS.statusCode, row, r.status_code as number)
  b.setStr(SPAN_COLUMNS.statusMessage, row, (r.status_message as string) ?? '')
  const events = r.events as Rec[] | undefined
  if (events !== undefined && events.length > 0) {
    b.setAny(
      SPAN_COLUMNS.events,
      row,
      events.map((e) => ({ timeUnixNano: BigInt(e.time_unix_nano as string), name: e.name as string, attributes: anyValue(e.attributes ?? {}) as never, droppedAttributesCount: 0n })),
    )
  }
  common(b, row, r)
}

function addLog(b: BatchBuilder, row: number, r: Rec): void {
  b.setI64(LOG_COLUMNS.timeUnixNano, row, BigInt(r.time_unix_nano as string))
  b.setI64(LOG_COLUMNS.observedTimeUnixNano, row, BigInt(r.observed_time_unix_nano as string))
  b.setU32(LOG_COLUMNS.severityNumber, row, r.severity_number as number)
  b.setStr(LOG_COLUMNS.severityText, row, r.severity_text as string)
  b.setStr(LOG_COLUMNS.body, row, r.body as string)
  b.setBytes(LOG_COLUMNS.traceId, row, 16, id(r.trace_id, ZERO_TRACE))
  b.setBytes(LOG_COLUMNS.spanId, row, 8, id(r.span_id, ZERO_SPAN))
  common(b, row, r)
}

const TYPES: Record<string, number> = { gauge: METRIC_TYPE.gauge, sum: METRIC_TYPE.sum, histogram: METRIC_TYPE.histogram }
const TEMPORALITY: Record<string, number> = { unspecified: 0, delta: 1, cumulative: 2 }

/** A metric point; cumulative points get the series start time the flat schema leaves out. */
function addPoint(b: BatchBuilder, row: number, r: Rec, cumulativeStart: bigint): void {
  b.setStr(METRIC_COLUMNS.name, row, r.name as string)
  b.setStr(METRIC_COLUMNS.unit, row, r.unit as string)
  b.setU32(METRIC_COLUMNS.type, row, TYPES[r.type as string])
  b.setU32(METRIC_COLUMNS.temporality, row, TEMPORALITY[r.temporality as string] ?? 0)
  b.setBool(METRIC_COLUMNS.monotonic, row, r.monotonic === true)
  b.setI64(METRIC_COLUMNS.timeUnixNano, row, BigInt(r.time_unix_nano as string))
  if (r.temporality === 'cumulative') b.setI64(METRIC_COLUMNS.startTimeUnixNano, row, cumulativeStart)
  const v = r.value
  if (typeof v === 'number') {
    b.setF64(METRIC_COLUMNS.value, row, v)
  } else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    b.setI64(METRIC_COLUMNS.count, row, BigInt(v.count as number))
    b.setF64(METRIC_COLUMNS.sum, row, v.sum as number)
    b.setI64List(METRIC_COLUMNS.bucketCounts, row, (v.bucket_counts as number[]).map(BigInt))
    b.setF64List(METRIC_COLUMNS.explicitBounds, row, v.explicit_bounds as number[])
  }
  common(b, row, r)
}

/** Builds batches of `rows` records of one signal from parsed lines. */
export class WorkloadBatcher {
  private builder: BatchBuilder
  private row = 0
  private readonly signal: Signal
  private readonly rows: number
  private readonly cumulativeStart: bigint

  constructor(signal: Signal, rows: number, cumulativeStart = 0n) {
    this.signal = signal
    this.rows = rows
    this.cumulativeStart = cumulativeStart
    this.builder = new BatchBuilder(signal)
  }

  /** Adds one record; returns a finished batch when one is full. */
  add(record: Rec): Batch | undefined {
    if (this.signal === 'spans') addSpan(this.builder, this.row, record)
    else if (this.signal === 'logs') addLog(this.builder, this.row, record)
    else addPoint(this.builder, this.row, record, this.cumulativeStart)
    this.row++
    return this.row >= this.rows ? this.flush() : undefined
  }

  /** The partial batch, if any rows are pending. */
  flush(): Batch | undefined {
    if (this.row === 0) return undefined
    const batch = this.builder.finish(this.row)
    this.builder = new BatchBuilder(this.signal)
    this.row = 0
    return batch
  }
}
