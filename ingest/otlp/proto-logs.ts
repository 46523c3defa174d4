/**
 * @module ingest/otlp/proto-logs
 * Decodes an ExportLogsServiceRequest (opentelemetry/proto/collector/logs/v1, logs/v1) from
 * protobuf straight into a log batch.
 */
import { LogRows } from './log-rows.ts'
import { readAnyValue, readAttribute, readId, type KeyValue } from './proto-common.ts'
import { fieldMask, tag, WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT, type ProtoReader } from './proto-reader.ts'
import { countRecords, readRequest, RECORD_PATHS } from './proto-request.ts'
import { checkAttributeCount, type DecodedBatch } from './signal-rows.ts'

const LOG_RECORD_FIELDS = fieldMask(1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12)

/**
 * Decodes a protobuf ExportLogsServiceRequest. Throws IngestError (MALFORMED, LIMIT_EXCEEDED)
 * for a payload that cannot be decoded; records that decode but cannot be stored are rejected.
 * @example const { batch, rejected } = decodeLogsProto(reader, body)
 */
export function decodeLogsProto(r: ProtoReader, body: Uint8Array): DecodedBatch {
  return readRequest(r, body, new LogRows(countRecords(body, RECORD_PATHS.logs)), ['ExportLogsServiceRequest', 'ResourceLogs', 'ScopeLogs'], readLogRecord)
}

function readLogRecord(r: ProtoReader, rows: LogRows, kv: KeyValue): void {
  const outer = r.enter()
  const row = rows.row++
  let traceId = false
  let spanId = false
  let timeLo = 0
  let timeHi = 0
  let observedLo = 0
  let observedHi = 0
  let attributes = 0
  while (r.pos < r.limit) {
    const t = r.varint32()
    switch (t) {
      case tag(1, WIRE_I64):
        r.fixed64()
        timeLo = r.lo
        timeHi = r.hi
        break
      case tag(11, WIRE_I64):
        r.fixed64()
        observedLo = r.lo
        observedHi = r.hi
        break
      case tag(2, WIRE_VARINT):
        rows.severityNumber.set(row, r.varint32())
        break
      case tag(3, WIRE_LEN):
        rows.severityText.set(row, r.string())
        break
      case tag(5, WIRE_LEN):
        readBody(r, rows, row)
        break
      case tag(6, WIRE_LEN):
        checkAttributeCount(++attributes, 'a log record')
        readAttribute(r, kv, rows.recordAttrs, row)
        break
      case tag(7, WIRE_VARINT):
        rows.droppedAttributes.set(row, r.varint32())
        break
      case tag(8, WIRE_I32):
        rows.flags.set(row, r.fixed32())
        break
      case tag(9, WIRE_LEN):
        readId(r, rows.traceId, row, 'a log record trace_id')
        traceId = true
        break
      case tag(10, WIRE_LEN):
        readId(r, rows.spanId, row, 'a log record span_id')
        spanId = true
        break
      case tag(12, WIRE_LEN):
        rows.eventName.set(row, r.string())
        break
      default:
        r.skip(t, LOG_RECORD_FIELDS, 'LogRecord')
    }
  }
  if (!traceId) rows.traceId.zero(row)
  if (!spanId) rows.spanId.zero(row)
  rows.endRecord(row, timeLo, timeHi, observedLo, observedHi)
  r.leave(outer)
}

/**
 * Reads a log body (an embedded AnyValue). The usual body, one string_value and nothing else,
 * is coded from its bytes without making a string for a repeat; any other goes the general way.
 */
function readBody(r: ProtoReader, rows: LogRows, row: number): void {
  const at = r.pos
  const outer = r.enter()
  if (r.pos < r.limit && r.buf[r.pos] === tag(1, WIRE_LEN)) {
    r.pos++
    const start = r.stringBytes()
    if (r.pos === r.limit) {
      rows.setBodyBytes(row, r.buf, r.view, start, r.pos, r.strings)
      r.leave(outer)
      return
    }
  }
  r.pos = at
  r.leave(outer)
  rows.setBody(row, readAnyValue(r, 0, false))
}
