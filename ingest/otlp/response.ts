/**
 * @module ingest/otlp/response
 * What the gateway answers, in the encoding of the request: Export*ServiceResponse with
 * partial_success (OTLP "Partial Success"), google.rpc.Status for failures, and the
 * google.rpc.RetryInfo detail gRPC clients read for backpressure.
 * Spec: opentelemetry-proto docs/specification.md, "Full Success", "Partial Success", "Failures".
 */
import { MAX_ERROR_MESSAGE_CHARS } from '../limits.ts'
import type { OtlpEncoding, OtlpSignal } from './decoder.ts'
import { writeBytesField, writeStringField, writeVarintField } from './proto-writer.ts'

/** The JSON name of the rejected count of each signal's partial success. */
const REJECTED_FIELD: Readonly<Record<OtlpSignal, string>> = {
  traces: 'rejectedSpans',
  metrics: 'rejectedDataPoints',
  logs: 'rejectedLogRecords',
}

function clip(message: string): string {
  return message.length <= MAX_ERROR_MESSAGE_CHARS ? message : `${message.slice(0, MAX_ERROR_MESSAGE_CHARS - 3)}...`
}

/** An Export*ServiceResponse; empty (full success) when nothing was rejected. */
export function exportResponse(signal: OtlpSignal, encoding: OtlpEncoding, rejected: number, message: string): Buffer {
  if (encoding === 'json') {
    if (rejected === 0 && message === '') return Buffer.from('{}')
    return Buffer.from(JSON.stringify({ partialSuccess: { [REJECTED_FIELD[signal]]: String(rejected), errorMessage: clip(message) } }))
  }
  if (rejected === 0 && message === '') return Buffer.alloc(0)
  const partial: number[] = []
  writeVarintField(partial, 1, rejected)
  writeStringField(partial, 2, clip(message))
  const out: number[] = []
  writeBytesField(out, 1, partial)
  return Buffer.from(out)
}

/** A google.rpc.Status with gRPC code `code`, for HTTP error bodies and gRPC details. */
export function statusMessage(encoding: OtlpEncoding, code: number, message: string, details: Uint8Array[] = []): Buffer {
  if (encoding === 'json') return Buffer.from(JSON.stringify({ code, message: clip(message) }))
  const out: number[] = []
  writeVarintField(out, 1, code)
  writeStringField(out, 2, clip(message))
  for (const d of details) writeBytesField(out, 3, d)
  return Buffer.from(out)
}

/** A google.protobuf.Any holding google.rpc.RetryInfo{retry_delay: seconds}. */
export function retryInfoDetail(seconds: number): Uint8Array {
  const duration: number[] = []
  writeVarintField(duration, 1, seconds)
  const retryInfo: number[] = []
  writeBytesField(retryInfo, 1, duration)
  const any: number[] = []
  writeStringField(any, 1, 'type.googleapis.com/google.rpc.RetryInfo')
  writeBytesField(any, 2, retryInfo)
  return Uint8Array.from(any)
}
