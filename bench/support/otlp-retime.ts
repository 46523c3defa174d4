/**
 * @module bench/support/otlp-retime
 * Replays the reference workload's OTLP protobuf requests as live traffic: finds, once per
 * request, the offset of every timestamp (fixed64 fields at known paths of the OTLP schema)
 * and the records it carries; then each send is a copy with every timestamp moved by the same
 * amount, so that the request's latest record is stamped now. Bytes are patched in place of
 * being decoded and encoded again: a load generator sends tens of thousands of records a second.
 */
import type { OtlpSignal } from '../../ingest/index.ts'

/** Fields of one message that matter: a nested message, or a timestamp (fixed64, epoch ns). */
interface Shape {
  fields: Record<number, Shape | 'time'>
  /** Each occurrence of this message is one stored record (span, log record, metric point). */
  record?: boolean
}

const point: Shape = { fields: { 2: 'time', 3: 'time' }, record: true }
const points: Shape = { fields: { 1: point } }
const SHAPES: Record<OtlpSignal, Shape> = {
  // ExportTraceServiceRequest.resource_spans.scope_spans.spans: start, end, events' time.
  traces: { fields: { 1: { fields: { 2: { fields: { 2: { fields: { 7: 'time', 8: 'time', 11: { fields: { 1: 'time' } } }, record: true } } } } } } },
  // ...resource_logs.scope_logs.log_records: time, observed time.
  logs: { fields: { 1: { fields: { 2: { fields: { 2: { fields: { 1: 'time', 11: 'time' }, record: true } } } } } } },
  // ...resource_metrics.scope_metrics.metrics: gauge, sum, histogram, exponential histogram and
  // summary, each a list of data points with start time and time.
  metrics: { fields: { 1: { fields: { 2: { fields: { 2: { fields: { 5: points, 7: points, 9: points, 10: points, 11: points } } } } } } } },
}

export interface RetimeTemplate {
  body: Buffer
  /** Offsets of the timestamps, each 8 bytes little-endian. */
  offsets: number[]
  /** The latest timestamp of the request, epoch ns. */
  latest: bigint
  /** Records (spans, log records, points) the request carries. */
  records: number
}

function readVarint(buf: Buffer, at: number): [number, number] {
  let value = 0
  let scale = 1
  for (;;) {
    const b = buf[at++]
    value += (b & 0x7f) * scale
    if (b < 0x80) return [value, at]
    scale *= 128
  }
}

function walk(buf: Buffer, start: number, end: number, shape: Shape, out: RetimeTemplate): void {
  if (shape.record === true) out.records++
  let at = start
  while (at < end) {
    const [tag, next] = readVarint(buf, at)
    at = next
    const field = Math.floor(tag / 8)
    const wire = tag & 7
    const inner = shape.fields[field]
    if (wire === 0) at = readVarint(buf, at)[1]
    else if (wire === 1) {
      if (inner === 'time') {
        out.offsets.push(at)
        const t = buf.readBigUInt64LE(at)
        if (t > out.latest) out.latest = t
      }
      at += 8
    } else if (wire === 2) {
      const [length, from] = readVarint(buf, at)
      if (inner !== undefined && inner !== 'time') walk(buf, from, from + length, inner, out)
      at = from + length
    } else if (wire === 5) at += 4
    else throw new Error(`cannot retime an OTLP ${field} field: unexpected wire type ${wire}`)
  }
}

/** The timestamps and records of one OTLP protobuf request of `signal`. */
export function retimeTemplate(signal: OtlpSignal, body: Buffer): RetimeTemplate {
  const out: RetimeTemplate = { body, offsets: [], latest: 0n, records: 0 }
  walk(body, 0, body.length, SHAPES[signal], out)
  return out
}

/** A copy of the template's request with its latest record at `nowNs` and the others as far before it as they were. */
export function retimed(template: RetimeTemplate, nowNs: bigint): Buffer {
  const body = Buffer.from(template.body)
  const shift = nowNs - template.latest
  for (const at of template.offsets) {
    const t = body.readBigUInt64LE(at)
    // An unset start time (0) stays unset.
    if (t !== 0n) body.writeBigUInt64LE(t + shift, at)
  }
  return body
}
