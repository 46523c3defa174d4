/**
 * @module ingest/otlp/span-rows
 * The span columns both span decoders (protobuf and JSON) write, and the checks that decide
 * whether a span is stored or rejected.
 */
import { isZeroId, SPAN_COLUMNS, SPAN_ID_BYTES, TRACE_ID_BYTES } from '../../storage/index.ts'
import { SignalRows, timeProblem } from './signal-rows.ts'

export class SpanRows extends SignalRows {
  readonly traceId = this.cols.bytes(SPAN_COLUMNS.traceId, TRACE_ID_BYTES)
  readonly spanId = this.cols.bytes(SPAN_COLUMNS.spanId, SPAN_ID_BYTES)
  readonly parentSpanId = this.cols.bytes(SPAN_COLUMNS.parentSpanId, SPAN_ID_BYTES)
  readonly traceState = this.cols.str(SPAN_COLUMNS.traceState)
  readonly name = this.cols.str(SPAN_COLUMNS.name)
  readonly kind = this.cols.u32(SPAN_COLUMNS.kind)
  readonly start = this.cols.i64(SPAN_COLUMNS.startTimeUnixNano)
  readonly end = this.cols.i64(SPAN_COLUMNS.endTimeUnixNano)
  readonly statusCode = this.cols.u32(SPAN_COLUMNS.statusCode)
  readonly statusMessage = this.cols.str(SPAN_COLUMNS.statusMessage)
  readonly droppedEvents = this.cols.u32(SPAN_COLUMNS.droppedEventsCount)
  readonly droppedLinks = this.cols.u32(SPAN_COLUMNS.droppedLinksCount)
  readonly events = this.cols.any(SPAN_COLUMNS.events)
  readonly links = this.cols.any(SPAN_COLUMNS.links)

  constructor(capacity = 0) {
    super('spans', capacity)
  }

  /**
   * Completes row `row` after its fields were written: the dense defaults (root parent, kind,
   * status) and the checks. The start time is given as words (see `timeProblem`).
   */
  endSpan(row: number, ids: { trace: boolean; span: boolean; parent: boolean }, startLo: number, startHi: number): void {
    if (!ids.parent) this.parentSpanId.zero(row)
    if (!this.kind.has(row)) this.kind.set(row, 0)
    if (!this.statusCode.has(row)) this.statusCode.set(row, 0)
    if (!ids.trace || isZeroId(this.traceId.values, row * TRACE_ID_BYTES, TRACE_ID_BYTES)) this.reject(row, 'trace_id is missing or all zero')
    else if (!ids.span || isZeroId(this.spanId.values, row * SPAN_ID_BYTES, SPAN_ID_BYTES)) this.reject(row, 'span_id is missing or all zero')
    else {
      const problem = timeProblem('start_time_unix_nano', startLo, startHi)
      if (problem !== undefined) this.reject(row, problem)
    }
  }
}
