/**
 * @module ingest/otlp/json-traces
 * Decodes an OTLP/JSON ExportTraceServiceRequest (already parsed) into a span batch.
 */
import { SPAN_ID_BYTES, TRACE_ID_BYTES, type SpanEventValue, type SpanLinkValue } from '../../storage/index.ts'
import { attributeObject, id, idOrEmpty, int64, list, obj, str, u32, words64, writeAttributes, type JsonObject } from './json-common.ts'
import { walkJsonRequest } from './json-request.ts'
import type { DecodedBatch } from './signal-rows.ts'
import { SpanRows } from './span-rows.ts'

/**
 * Decodes a parsed OTLP/JSON trace request. Throws IngestError for a payload that does not
 * follow the mapping; spans that cannot be stored are rejected.
 * @example decodeTracesJson(JSON.parse(text))
 */
export function decodeTracesJson(body: unknown): DecodedBatch {
  const rows = new SpanRows()
  walkJsonRequest(body, { resources: 'resourceSpans', scopes: 'scopeSpans', records: 'spans' }, rows, (s) => writeSpan(s, rows))
  return rows.finish()
}

function writeSpan(s: JsonObject, rows: SpanRows): void {
  const row = rows.row++
  const traceId = id(s.traceId, TRACE_ID_BYTES, 'span traceId')
  const spanId = id(s.spanId, SPAN_ID_BYTES, 'span spanId')
  const parent = id(s.parentSpanId, SPAN_ID_BYTES, 'span parentSpanId')
  if (traceId !== undefined) rows.traceId.set(row, traceId)
  if (spanId !== undefined) rows.spanId.set(row, spanId)
  if (parent !== undefined) rows.parentSpanId.set(row, parent)
  const traceState = str(s.traceState, 'span traceState')
  if (traceState !== '') rows.traceState.set(row, traceState)
  rows.name.set(row, str(s.name, 'span name'))
  rows.kind.set(row, u32(s.kind, 'span kind'))
  const [startLo, startHi] = words64(s.startTimeUnixNano, 'span startTimeUnixNano')
  rows.start.setWords(row, startLo, startHi)
  rows.end.setWords(row, ...words64(s.endTimeUnixNano, 'span endTimeUnixNano'))
  writeAttributes(s.attributes, 'a span', rows.recordAttrs, row)
  setCount(rows.droppedAttributes, row, s.droppedAttributesCount, 'span droppedAttributesCount')
  setCount(rows.droppedEvents, row, s.droppedEventsCount, 'span droppedEventsCount')
  setCount(rows.droppedLinks, row, s.droppedLinksCount, 'span droppedLinksCount')
  setCount(rows.flags, row, s.flags, 'span flags')
  const status = obj(s.status, 'span status')
  rows.statusCode.set(row, u32(status.code, 'span status.code'))
  const message = str(status.message, 'span status.message')
  if (message !== '') rows.statusMessage.set(row, message)
  const events = list(s.events, 'span events')
  if (events.length > 0) rows.events.set(row, events.map((e) => event(obj(e, 'span event'))))
  const links = list(s.links, 'span links')
  if (links.length > 0) rows.links.set(row, links.map((l) => link(obj(l, 'span link'))))
  rows.endSpan(row, { trace: traceId !== undefined, span: spanId !== undefined, parent: parent !== undefined }, startLo, startHi)
}

/** Sets a count or flags column when the value is not the default 0. */
export function setCount(column: { set(row: number, value: number): void }, row: number, value: unknown, field: string): void {
  const n = u32(value, field)
  if (n !== 0) column.set(row, n)
}

function event(e: JsonObject): SpanEventValue {
  return {
    timeUnixNano: int64(e.timeUnixNano, 'span event timeUnixNano'),
    name: str(e.name, 'span event name'),
    attributes: attributeObject(e.attributes, 'a span event'),
    droppedAttributesCount: BigInt(u32(e.droppedAttributesCount, 'span event droppedAttributesCount')),
  }
}

function link(l: JsonObject): SpanLinkValue {
  return {
    traceId: idOrEmpty(l.traceId, TRACE_ID_BYTES, 'span link traceId'),
    spanId: idOrEmpty(l.spanId, SPAN_ID_BYTES, 'span link spanId'),
    traceState: str(l.traceState, 'span link traceState'),
    attributes: attributeObject(l.attributes, 'a span link'),
    droppedAttributesCount: BigInt(u32(l.droppedAttributesCount, 'span link droppedAttributesCount')),
    flags: BigInt(u32(l.flags, 'span link flags')),
  }
}
