/**
 * @module ingest/otlp/json-logs
 * Decodes an OTLP/JSON ExportLogsServiceRequest (already parsed) into a log batch.
 */
import { SPAN_ID_BYTES, TRACE_ID_BYTES } from '../../storage/index.ts'
import { anyValue, id, str, u32, words64, writeAttributes, type JsonObject } from './json-common.ts'
import { walkJsonRequest } from './json-request.ts'
import { setCount } from './json-traces.ts'
import { LogRows } from './log-rows.ts'
import type { DecodedBatch } from './signal-rows.ts'

/**
 * Decodes a parsed OTLP/JSON logs request. Throws IngestError for a payload that does not
 * follow the mapping; records that cannot be stored are rejected.
 * @example decodeLogsJson(JSON.parse(text))
 */
export function decodeLogsJson(body: unknown): DecodedBatch {
  const rows = new LogRows()
  walkJsonRequest(body, { resources: 'resourceLogs', scopes: 'scopeLogs', records: 'logRecords' }, rows, (l) => writeLog(l, rows))
  return rows.finish()
}

function writeLog(l: JsonObject, rows: LogRows): void {
  const row = rows.row++
  rows.startRecord(row)
  const traceId = id(l.traceId, TRACE_ID_BYTES, 'log record traceId')
  const spanId = id(l.spanId, SPAN_ID_BYTES, 'log record spanId')
  if (traceId !== undefined) rows.traceId.set(row, traceId)
  if (spanId !== undefined) rows.spanId.set(row, spanId)
  rows.severityNumber.set(row, u32(l.severityNumber, 'log record severityNumber'))
  const severityText = str(l.severityText, 'log record severityText')
  if (severityText !== '') rows.severityText.set(row, severityText)
  if (l.body !== undefined && l.body !== null) rows.setBody(row, anyValue(l.body, 'log record body'))
  writeAttributes(l.attributes, 'a log record', rows.recordAttrs, row)
  setCount(rows.droppedAttributes, row, l.droppedAttributesCount, 'log record droppedAttributesCount')
  setCount(rows.flags, row, l.flags, 'log record flags')
  const eventName = str(l.eventName, 'log record eventName')
  if (eventName !== '') rows.eventName.set(row, eventName)
  const [timeLo, timeHi] = words64(l.timeUnixNano, 'log record timeUnixNano')
  const [observedLo, observedHi] = words64(l.observedTimeUnixNano, 'log record observedTimeUnixNano')
  rows.endRecord(row, timeLo, timeHi, observedLo, observedHi)
}
