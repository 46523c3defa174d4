/**
 * @module ingest/otlp/proto-request
 * The resource / scope / record nesting every Export*ServiceRequest shares (fields 1, 2, 3 at
 * each level: resource or scope, the repeated children, schema_url), read once for all
 * signals, filling the resource and scope columns over the rows each covers.
 */
import { readResource, readScope, type KeyValue } from './proto-common.ts'
import { fieldMask, tag, WIRE_LEN, type ProtoReader } from './proto-reader.ts'
import { emptyOrigin, type DecodedBatch, type SignalRows } from './signal-rows.ts'

const REQUEST_FIELDS = fieldMask(1)
const LEVEL_FIELDS = fieldMask(1, 2, 3)

/** Reads one record (a span, log record or metric) into `rows`. */
export type RecordReader<R extends SignalRows> = (r: ProtoReader, rows: R, kv: KeyValue) => void

/**
 * Decodes a whole request body into `rows` with `readRecord` for the innermost messages.
 * `names` are the message names for errors, e.g. ['ExportTraceServiceRequest', 'ResourceSpans', 'ScopeSpans'].
 */
export function readRequest<R extends SignalRows>(r: ProtoReader, body: Uint8Array, rows: R, names: readonly [string, string, string], readRecord: RecordReader<R>): DecodedBatch {
  r.reset(body)
  const kv: KeyValue = { key: '', value: null }
  while (r.pos < r.limit) {
    const t = r.varint32()
    if (t === tag(1, WIRE_LEN)) readLevel(r, rows, kv, names, 1, readRecord)
    else r.skip(t, REQUEST_FIELDS, names[0])
  }
  return rows.finish()
}

/** Reads a Resource* (level 1) or Scope* (level 2) message. */
function readLevel<R extends SignalRows>(r: ProtoReader, rows: R, kv: KeyValue, names: readonly [string, string, string], level: 1 | 2, readRecord: RecordReader<R>): void {
  const outer = r.enter()
  const from = rows.row
  const origin = emptyOrigin()
  let schemaUrl = ''
  while (r.pos < r.limit) {
    const t = r.varint32()
    if (t === tag(1, WIRE_LEN)) {
      if (level === 1) readResource(r, kv, origin)
      else readScope(r, kv, origin)
    } else if (t === tag(2, WIRE_LEN)) {
      if (level === 1) readLevel(r, rows, kv, names, 2, readRecord)
      else readRecord(r, rows, kv)
    } else if (t === tag(3, WIRE_LEN)) schemaUrl = r.string()
    else r.skip(t, LEVEL_FIELDS, names[level])
  }
  if (level === 1) rows.fillResource(from, origin, schemaUrl)
  else rows.fillScope(from, origin, schemaUrl)
  r.leave(outer)
}
