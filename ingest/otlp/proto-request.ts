/**
 * @module ingest/otlp/proto-request
 * The resource / scope / record nesting every Export*ServiceRequest shares (fields 1, 2, 3 at
 * each level: resource or scope, the repeated children, schema_url), read once for all
 * signals, filling the resource and scope columns over the rows each covers.
 */
import { readResource, readScope, type KeyValue } from './proto-common.ts'
import { fieldMask, tag, WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT, type ProtoReader } from './proto-reader.ts'
import { emptyOrigin, type DecodedBatch, type SignalRows } from './signal-rows.ts'

const REQUEST_FIELDS = fieldMask(1)
const LEVEL_FIELDS = fieldMask(1, 2, 3)

/**
 * Where the records of each request sit: at each level of nesting, a bit mask of the field
 * numbers leading down (request.resource_*, resource.scope_*, scope.spans/log_records/metrics;
 * for metrics also Metric.gauge/sum/histogram/exponential_histogram/summary and data_points).
 */
export const RECORD_PATHS = {
  traces: [fieldMask(1), fieldMask(2), fieldMask(2)],
  logs: [fieldMask(1), fieldMask(2), fieldMask(2)],
  metrics: [fieldMask(1), fieldMask(2), fieldMask(2), fieldMask(5, 7, 9, 10, 11), fieldMask(1)],
} as const

/**
 * How many records `body` holds, found by reading only the tags and lengths along `path`, so
 * that the columns are allocated once at their final size. Only a size hint: it stops quietly
 * at anything malformed (the decoder then reports it), and a record costs at least two bytes,
 * so the count never exceeds half the body's length.
 */
export function countRecords(body: Uint8Array, path: readonly number[]): number {
  return countIn(body, 0, body.length, path, 0)
}

function countIn(buf: Uint8Array, start: number, end: number, path: readonly number[], level: number): number {
  const mask = path[level]
  const last = level === path.length - 1
  let n = 0
  let pos = start
  while (pos < end) {
    // Tags of the fields on the path take one byte; longer ones (field 16 and up) two or more.
    let tag = buf[pos++]
    if (tag >= 128) {
      tag &= 127
      for (let shift = 7; ; shift += 7) {
        if (pos >= end || shift > 28) return n
        const b = buf[pos++]
        tag |= (b & 127) << shift
        if (b < 128) break
      }
      tag >>>= 0
    }
    const wire = tag & 7
    if (wire === WIRE_LEN) {
      let length = 0
      for (let scale = 1; ; scale *= 128) {
        if (pos >= end || scale > 2 ** 28) return n
        const b = buf[pos++]
        length += (b & 127) * scale
        if (b < 128) break
      }
      const next = pos + length
      if (next > end) return n
      const field = tag >>> 3
      if (field < 32 && ((mask >>> field) & 1) === 1) n += last ? 1 : countIn(buf, pos, next, path, level + 1)
      pos = next
    } else if (wire === WIRE_VARINT) {
      while (pos < end && buf[pos] >= 128) pos++
      pos++
    } else if (wire === WIRE_I64) pos += 8
    else if (wire === WIRE_I32) pos += 4
    else return n
  }
  return n
}

/** Reads one record (a span, log record or metric) into `rows`. */
export type RecordReader<R extends SignalRows> = (r: ProtoReader, rows: R, kv: KeyValue) => void

/**
 * Decodes a whole request body into `rows` with `readRecord` for the innermost messages.
 * `names` are the message names for errors, e.g. ['ExportTraceServiceRequest', 'ResourceSpans', 'ScopeSpans'].
 */
export function readRequest<R extends SignalRows>(r: ProtoReader, body: Uint8Array, rows: R, names: readonly [string, string, string], readRecord: RecordReader<R>): DecodedBatch {
  r.reset(body)
  const kv: KeyValue = { key: '', value: null }
  try {
    while (r.pos < r.limit) {
      const t = r.varint32()
      if (t === tag(1, WIRE_LEN)) readLevel(r, rows, kv, names, 1, readRecord)
      else r.skip(t, REQUEST_FIELDS, names[0])
    }
    return rows.finish()
  } finally {
    rows.release()
  }
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
