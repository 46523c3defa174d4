/**
 * @module collectors/errors
 * The one error class of the collectors, with a stable `code`.
 */

export type CollectorErrorCode =
  /** The request or the data read is not what the protocol says (bad snappy, bad protobuf, bad line). */
  | 'MALFORMED'
  /** Content-Type or Content-Encoding not supported. */
  | 'UNSUPPORTED_MEDIA_TYPE'
  /** Over a size limit in limits.ts. */
  | 'TOO_LARGE'
  /** The sink (storage) failed in a way worth retrying. */
  | 'SINK_UNAVAILABLE'
  /** The sink refused the data for good. */
  | 'SINK_REJECTED'
  /** A source (scrape target, file, socket) could not be read. */
  | 'SOURCE_FAILED'
  /** The collectors' configuration is invalid. */
  | 'INVALID_CONFIG'

export class CollectorError extends Error {
  readonly code: CollectorErrorCode
  constructor(code: CollectorErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'CollectorError'
    this.code = code
  }
}

/**
 * Classifies a failure of the sink: permanent when the store or the intake says the data is
 * invalid (`INVALID_ARGUMENT` from storage, 4xx-kind codes from ingest), retryable otherwise.
 * A sink's own CollectorError (otlpHttpSink's) is kept as it is.
 */
export function sinkFailure(error: unknown): CollectorError {
  if (error instanceof CollectorError) return error
  const code = (error as { code?: unknown } | null)?.code
  const permanent = code === 'INVALID_ARGUMENT' || code === 'INVALID_DATA' || code === 'STORAGE_REJECTED' || code === 'LIMIT_EXCEEDED'
  const message = `cannot store the batch: ${(error as Error)?.message ?? String(error)}`
  return new CollectorError(permanent ? 'SINK_REJECTED' : 'SINK_UNAVAILABLE', message, { cause: error })
}
