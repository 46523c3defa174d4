/**
 * @module ingest/status-table
 * The one table that decides how every failure is answered: HTTP status, gRPC code, and
 * whether the client should retry. Retryable failures get Retry-After (HTTP) or RetryInfo (gRPC).
 * Spec: opentelemetry-proto docs/specification.md, "Failures" and "OTLP/HTTP Throttling";
 * model: opentelemetry-collector receiver/otlpreceiver/internal/errors/errors.go.
 */
import { StorageError } from '../storage/index.ts'
import { IngestError, type IngestErrorCode } from './errors.ts'

/** gRPC status codes used here (google.rpc.Code). */
export const GRPC_CODE = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const

export interface FailureAnswer {
  http: number
  grpc: number
  retryable: boolean
}

export const STATUS_TABLE: Readonly<Record<IngestErrorCode, FailureAnswer>> = {
  MALFORMED: { http: 400, grpc: GRPC_CODE.INVALID_ARGUMENT, retryable: false },
  LIMIT_EXCEEDED: { http: 400, grpc: GRPC_CODE.INVALID_ARGUMENT, retryable: false },
  INVALID_DATA: { http: 400, grpc: GRPC_CODE.INVALID_ARGUMENT, retryable: false },
  TOO_LARGE: { http: 413, grpc: GRPC_CODE.RESOURCE_EXHAUSTED, retryable: false },
  UNSUPPORTED_MEDIA_TYPE: { http: 415, grpc: GRPC_CODE.INVALID_ARGUMENT, retryable: false },
  NOT_FOUND: { http: 404, grpc: GRPC_CODE.UNIMPLEMENTED, retryable: false },
  METHOD_NOT_ALLOWED: { http: 405, grpc: GRPC_CODE.UNIMPLEMENTED, retryable: false },
  UNAUTHENTICATED: { http: 401, grpc: GRPC_CODE.UNAUTHENTICATED, retryable: false },
  FORBIDDEN: { http: 403, grpc: GRPC_CODE.PERMISSION_DENIED, retryable: false },
  // gRPC: UNAVAILABLE (not RESOURCE_EXHAUSTED) so that every OTLP client retries it.
  OVERLOADED: { http: 429, grpc: GRPC_CODE.UNAVAILABLE, retryable: true },
  STORAGE_UNAVAILABLE: { http: 503, grpc: GRPC_CODE.UNAVAILABLE, retryable: true },
  STORAGE_REJECTED: { http: 400, grpc: GRPC_CODE.INVALID_ARGUMENT, retryable: false },
  INVALID_HEADER: { http: 400, grpc: GRPC_CODE.INVALID_ARGUMENT, retryable: false },
}

/**
 * Any failure as an IngestError. A StorageError is permanent only when the store refused the
 * batch itself (INVALID_ARGUMENT); closed stores, I/O and anything unknown may pass, so they
 * are retryable: the data is not at fault.
 */
export function asIngestError(error: unknown): IngestError {
  if (error instanceof IngestError) return error
  if (error instanceof StorageError && error.code === 'INVALID_ARGUMENT') {
    return new IngestError('STORAGE_REJECTED', `cannot store the batch: ${error.message}`, { cause: error })
  }
  const message = error instanceof Error ? error.message : String(error)
  return new IngestError('STORAGE_UNAVAILABLE', `cannot store the batch now: ${message}`, { cause: error })
}
