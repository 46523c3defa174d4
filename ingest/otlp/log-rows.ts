/**
 * @module ingest/otlp/log-rows
 * The log record columns both log decoders (protobuf and JSON) write, and the checks that
 * decide whether a record is stored or rejected.
 */
import { LOG_COLUMNS, SPAN_ID_BYTES, TRACE_ID_BYTES, type AnyValue } from '../../storage/index.ts'
import { BytesDict } from './bytes-dict.ts'
import { SignalRows, timeProblem } from './signal-rows.ts'
import type { StringCache } from './string-cache.ts'

export class LogRows extends SignalRows {
  readonly time = this.cols.i64(LOG_COLUMNS.timeUnixNano)
  readonly observedTime = this.cols.i64(LOG_COLUMNS.observedTimeUnixNano)
  readonly severityNumber = this.cols.u32(LOG_COLUMNS.severityNumber)
  readonly severityText = this.cols.str(LOG_COLUMNS.severityText)
  readonly body = this.cols.str(LOG_COLUMNS.body)
  readonly bodyValue = this.cols.any(LOG_COLUMNS.bodyValue)
  readonly traceId = this.cols.bytes(LOG_COLUMNS.traceId, TRACE_ID_BYTES)
  readonly spanId = this.cols.bytes(LOG_COLUMNS.spanId, SPAN_ID_BYTES)
  readonly eventName = this.cols.str(LOG_COLUMNS.eventName)

  constructor(capacity = 0) {
    super('logs', capacity)
  }

  /** Zeroes the ids of `row` (absent until a decoder copies real ones over them). */
  startRecord(row: number): void {
    this.traceId.zero(row)
    this.spanId.zero(row)
  }

  /** Codes of the body column, by bytes (bytes-dict.ts): made with the first string body. */
  private bodyCodes: BytesDict | undefined

  private bodyDict(): BytesDict {
    return (this.bodyCodes ??= new BytesDict(this.body, this.cols.capacity))
  }

  setBody(row: number, value: AnyValue): void {
    if (typeof value === 'string') this.body.setCode(row, this.bodyDict().codeOfString(value))
    else this.bodyValue.set(row, value)
  }

  /** Sets a string body given as its UTF-8 bytes `buf[start..end)`; a new one is made by `strings`. */
  setBodyBytes(row: number, buf: Buffer, view: DataView, start: number, end: number, strings: StringCache): void {
    const dict = this.bodyDict()
    let code = dict.find(buf, view, start, end)
    if (code < 0) code = dict.add(view, start, end, strings.decodeNew(buf, view, start, end))
    this.body.setCode(row, code)
  }

  /**
   * Completes row `row`. A record without time_unix_nano is placed at its observed time, as the
   * logs data model recommends for stores that keep one timestamp; one with neither is rejected.
   */
  endRecord(row: number, timeLo: number, timeHi: number, observedLo: number, observedHi: number): void {
    this.observedTime.setWords(row, observedLo, observedHi)
    if (!this.severityNumber.has(row)) this.severityNumber.set(row, 0)
    const useObserved = timeLo === 0 && timeHi === 0
    const problem = useObserved
      ? timeProblem('time_unix_nano and observed_time_unix_nano', observedLo, observedHi)
      : timeProblem('time_unix_nano', timeLo, timeHi)
    if (problem !== undefined) this.reject(row, problem)
    if (useObserved) this.time.setWords(row, observedLo, observedHi)
    else this.time.setWords(row, timeLo, timeHi)
  }
}
