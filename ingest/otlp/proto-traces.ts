/**
 * @module ingest/otlp/proto-traces
 * Decodes an ExportTraceServiceRequest (opentelemetry/proto/collector/trace/v1, trace/v1)
 * from protobuf straight into a span batch.
 */
import type { AnyValue, SpanEventValue, SpanLinkValue } from '../../storage/index.ts'
import { SPAN_ID_BYTES, TRACE_ID_BYTES } from '../../storage/index.ts'
import { readAttribute, readAttributeInto, readId, readIdBytes, type KeyValue } from './proto-common.ts'
import { fieldMask, tag, WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT, type ProtoReader } from './proto-reader.ts'
import { countRecords, readRequest, RECORD_PATHS } from './proto-request.ts'
import { checkAttributeCount, type DecodedBatch } from './signal-rows.ts'
import { SpanRows } from './span-rows.ts'

const SPAN_FIELDS = fieldMask(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16)
const EVENT_FIELDS = fieldMask(1, 2, 3, 4)
const LINK_FIELDS = fieldMask(1, 2, 3, 4, 5, 6)
const STATUS_FIELDS = fieldMask(2, 3)

/**
 * Decodes a protobuf ExportTraceServiceRequest. Throws IngestError (MALFORMED, LIMIT_EXCEEDED)
 * for a payload that cannot be decoded; spans that decode but cannot be stored are rejected.
 * @example const { batch, rejected } = decodeTracesProto(reader, body)
 */
export function decodeTracesProto(r: ProtoReader, body: Uint8Array): DecodedBatch {
  return readRequest(r, body, new SpanRows(countRecords(body, RECORD_PATHS.traces)), ['ExportTraceServiceRequest', 'ResourceSpans', 'ScopeSpans'], readSpan)
}

function readSpan(r: ProtoReader, rows: SpanRows, kv: KeyValue): void {
  const outer = r.enter()
  const row = rows.row++
  const ids = { trace: false, span: false, parent: false }
  let startLo = 0
  let startHi = 0
  let attributes = 0
  let events: SpanEventValue[] | undefined
  let links: SpanLinkValue[] | undefined
  while (r.pos < r.limit) {
    const t = r.varint32()
    switch (t) {
      case tag(1, WIRE_LEN):
        ids.trace = readId(r, rows.traceId, row, 'a span trace_id')
        break
      case tag(2, WIRE_LEN):
        ids.span = readId(r, rows.spanId, row, 'a span span_id')
        break
      case tag(3, WIRE_LEN):
        rows.traceState.set(row, r.string())
        break
      case tag(4, WIRE_LEN):
        ids.parent = readId(r, rows.parentSpanId, row, 'a span parent_span_id')
        break
      case tag(5, WIRE_LEN):
        rows.name.set(row, r.string())
        break
      case tag(6, WIRE_VARINT):
        rows.kind.set(row, r.varint32())
        break
      case tag(7, WIRE_I64):
        r.fixed64()
        startLo = r.lo
        startHi = r.hi
        rows.start.setWords(row, r.lo, r.hi)
        break
      case tag(8, WIRE_I64):
        r.fixed64()
        rows.end.setWords(row, r.lo, r.hi)
        break
      case tag(9, WIRE_LEN):
        checkAttributeCount(++attributes, 'a span')
        readAttribute(r, kv, rows.recordAttrs, row)
        break
      case tag(10, WIRE_VARINT):
        rows.droppedAttributes.set(row, r.varint32())
        break
      case tag(11, WIRE_LEN):
        ;(events ??= []).push(readEvent(r, kv))
        break
      case tag(12, WIRE_VARINT):
        rows.droppedEvents.set(row, r.varint32())
        break
      case tag(13, WIRE_LEN):
        ;(links ??= []).push(readLink(r, kv))
        break
      case tag(14, WIRE_VARINT):
        rows.droppedLinks.set(row, r.varint32())
        break
      case tag(15, WIRE_LEN):
        readStatus(r, rows, row)
        break
      case tag(16, WIRE_I32):
        rows.flags.set(row, r.fixed32())
        break
      default:
        r.skip(t, SPAN_FIELDS, 'Span')
    }
  }
  if (events !== undefined) rows.events.set(row, events)
  if (links !== undefined) rows.links.set(row, links)
  rows.endSpan(row, ids, startLo, startHi)
  r.leave(outer)
}

function readStatus(r: ProtoReader, rows: SpanRows, row: number): void {
  const outer = r.enter()
  while (r.pos < r.limit) {
    const t = r.varint32()
    if (t === tag(2, WIRE_LEN)) rows.statusMessage.set(row, r.string())
    else if (t === tag(3, WIRE_VARINT)) rows.statusCode.set(row, r.varint32())
    else r.skip(t, STATUS_FIELDS, 'Status')
  }
  r.leave(outer)
}

function readEvent(r: ProtoReader, kv: KeyValue): SpanEventValue {
  const outer = r.enter()
  const event: SpanEventValue = { timeUnixNano: 0n, name: '', attributes: {}, droppedAttributesCount: 0n }
  let attributes = 0
  while (r.pos < r.limit) {
    const t = r.varint32()
    if (t === tag(1, WIRE_I64)) {
      r.fixed64()
      event.timeUnixNano = r.int64()
    } else if (t === tag(2, WIRE_LEN)) event.name = r.string()
    else if (t === tag(3, WIRE_LEN)) {
      checkAttributeCount(++attributes, 'a span event')
      readAttributeInto(r, kv, event.attributes)
    } else if (t === tag(4, WIRE_VARINT)) event.droppedAttributesCount = BigInt(r.varint32())
    else r.skip(t, EVENT_FIELDS, 'Span.Event')
  }
  r.leave(outer)
  return event
}

function readLink(r: ProtoReader, kv: KeyValue): SpanLinkValue {
  const outer = r.enter()
  const attributes: { [key: string]: AnyValue } = {}
  const link: SpanLinkValue = { traceId: new Uint8Array(0), spanId: new Uint8Array(0), traceState: '', attributes, droppedAttributesCount: 0n, flags: 0n }
  let count = 0
  while (r.pos < r.limit) {
    const t = r.varint32()
    if (t === tag(1, WIRE_LEN)) link.traceId = readIdBytes(r, TRACE_ID_BYTES, 'a span link trace_id')
    else if (t === tag(2, WIRE_LEN)) link.spanId = readIdBytes(r, SPAN_ID_BYTES, 'a span link span_id')
    else if (t === tag(3, WIRE_LEN)) link.traceState = r.string()
    else if (t === tag(4, WIRE_LEN)) {
      checkAttributeCount(++count, 'a span link')
      readAttributeInto(r, kv, attributes)
    } else if (t === tag(5, WIRE_VARINT)) link.droppedAttributesCount = BigInt(r.varint32())
    else if (t === tag(6, WIRE_I32)) link.flags = BigInt(r.fixed32())
    else r.skip(t, LINK_FIELDS, 'Span.Link')
  }
  r.leave(outer)
  return link
}

