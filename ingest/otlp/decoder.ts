/**
 * @module ingest/otlp/decoder
 * One entry point for the six decoders: a signal (traces, metrics, logs) in an encoding
 * (protobuf, JSON) into a storage batch.
 */
import type { Signal } from '../../storage/index.ts'
import { IngestError, malformed } from '../errors.ts'
import { decodeLogsJson } from './json-logs.ts'
import { decodeMetricsJson } from './json-metrics.ts'
import { decodeTracesJson } from './json-traces.ts'
import { decodeLogsProto } from './proto-logs.ts'
import { decodeMetricsProto } from './proto-metrics.ts'
import { ProtoReader } from './proto-reader.ts'
import { decodeTracesProto } from './proto-traces.ts'
import type { DecodedBatch } from './signal-rows.ts'

/** The three OTLP signals, as named in the endpoint paths (/v1/traces ...). */
export type OtlpSignal = 'traces' | 'metrics' | 'logs'
export type OtlpEncoding = 'protobuf' | 'json'

/** The storage signal each OTLP signal is stored as. */
export const STORAGE_SIGNAL: Readonly<Record<OtlpSignal, Signal>> = { traces: 'spans', metrics: 'metrics', logs: 'logs' }

const PROTO = { traces: decodeTracesProto, metrics: decodeMetricsProto, logs: decodeLogsProto }
const JSON_DECODERS = { traces: decodeTracesJson, metrics: decodeMetricsJson, logs: decodeLogsJson }

/**
 * Decodes OTLP export requests. Keeps string and attribute caches across requests: use one per
 * thread, one request at a time (decoding is synchronous, so one per server is right).
 *
 * @example
 * const decoder = new OtlpDecoder()
 * const { batch, rejected, message } = decoder.decode('traces', 'protobuf', body)
 */
export class OtlpDecoder {
  private readonly reader = new ProtoReader()
  private readonly text = new TextDecoder('utf-8', { fatal: true })

  /** Throws IngestError (MALFORMED, LIMIT_EXCEEDED) when the body cannot be decoded. */
  decode(signal: OtlpSignal, encoding: OtlpEncoding, body: Uint8Array): DecodedBatch {
    try {
      if (encoding === 'protobuf') return PROTO[signal](this.reader, body)
      return JSON_DECODERS[signal](this.parseJson(body))
    } catch (error) {
      if (error instanceof IngestError) throw error
      throw malformed(`cannot decode the ${signal} request: ${(error as Error).message}`, error)
    }
  }

  private parseJson(body: Uint8Array): unknown {
    let text: string
    try {
      text = this.text.decode(body)
    } catch (error) {
      throw malformed('cannot decode the JSON request: invalid UTF-8', error)
    }
    try {
      return JSON.parse(text)
    } catch (error) {
      throw malformed(`cannot parse the JSON request: ${(error as Error).message}`, error)
    }
  }
}
