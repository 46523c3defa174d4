/**
 * @module ingest/errors
 * The one error type of the ingest component. `code` is stable; messages may change.
 * How each code is answered over HTTP and gRPC is decided in one table, status-table.ts.
 */

export type IngestErrorCode =
  /** The payload cannot be decoded: truncated, wrong wire type, bad JSON, invalid UTF-8, bad id. */
  | 'MALFORMED'
  /** The payload decodes but passes a limit of limits.ts (nesting, attributes, string size). */
  | 'LIMIT_EXCEEDED'
  /** Every record of the request was rejected (e.g. no trace id, timestamp out of range). */
  | 'INVALID_DATA'
  /** The body (or its decompressed form) is larger than the configured limit. */
  | 'TOO_LARGE'
  /** Content-Type or Content-Encoding is not one the gateway reads. */
  | 'UNSUPPORTED_MEDIA_TYPE'
  /** No such endpoint. */
  | 'NOT_FOUND'
  /** The endpoint exists but not for this HTTP method. */
  | 'METHOD_NOT_ALLOWED'
  /** No token, or one that is not configured. */
  | 'UNAUTHENTICATED'
  /** A known token without the `ingest` scope. */
  | 'FORBIDDEN'
  /** Too many request bytes in flight: retry later. */
  | 'OVERLOADED'
  /** The store failed in a way that may pass (closed, I/O): retry later. */
  | 'STORAGE_UNAVAILABLE'
  /** The store refused the batch for good. */
  | 'STORAGE_REJECTED'
  /** A request header has a value the gateway cannot use (Idempotency-Key). */
  | 'INVALID_HEADER'

export class IngestError extends Error {
  readonly code: IngestErrorCode

  constructor(code: IngestErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'IngestError'
    this.code = code
  }
}

/** Shorthand for the decoders: a MALFORMED error. */
export function malformed(message: string, cause?: unknown): IngestError {
  return new IngestError('MALFORMED', message, cause === undefined ? undefined : { cause })
}
