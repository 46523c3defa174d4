/**
 * @module ingest/self-metrics
 * The gateway's own counters, kept in memory (no logging per item): records accepted and
 * rejected per signal, requests per transport, failures by reason.
 */
import type { IngestErrorCode } from './errors.ts'
import type { OtlpSignal } from './otlp/decoder.ts'

export interface IngestStats {
  /** Records stored, per signal (spans, data points, log records). */
  accepted: Record<OtlpSignal, number>
  /** Records refused: partial-success rejections and whole requests that failed. */
  rejected: Record<OtlpSignal, number>
  /** Of the rejected records, those whose time lay outside the ingest time window (time-window.ts). */
  outsideWindow: Record<OtlpSignal, number>
  /** Records of requests whose Idempotency-Key was stored already: answered, not stored again. */
  duplicate: Record<OtlpSignal, number>
  /** Requests answered, per transport. */
  requests: { http: number; grpc: number }
  /** Failed requests by error code. */
  errors: Partial<Record<IngestErrorCode, number>>
}

/**
 * Counters shared by the HTTP and gRPC listeners of one gateway.
 * @example const metrics = new IngestMetrics(); metrics.snapshot().accepted.traces
 */
export class IngestMetrics {
  private readonly stats: IngestStats = {
    accepted: { traces: 0, metrics: 0, logs: 0 },
    rejected: { traces: 0, metrics: 0, logs: 0 },
    outsideWindow: { traces: 0, metrics: 0, logs: 0 },
    duplicate: { traces: 0, metrics: 0, logs: 0 },
    requests: { http: 0, grpc: 0 },
    errors: {},
  }

  request(transport: 'http' | 'grpc'): void {
    this.stats.requests[transport]++
  }

  records(signal: OtlpSignal, accepted: number, rejected: number): void {
    this.stats.accepted[signal] += accepted
    this.stats.rejected[signal] += rejected
  }

  /** Counts records rejected by the time window (also counted as rejected by `records`). */
  outsideWindow(signal: OtlpSignal, count: number): void {
    this.stats.outsideWindow[signal] += count
  }

  /** Counts the records of a retried request that were stored already (idempotency-key.ts). */
  duplicate(signal: OtlpSignal, count: number): void {
    this.stats.duplicate[signal] += count
  }

  error(code: IngestErrorCode): void {
    this.stats.errors[code] = (this.stats.errors[code] ?? 0) + 1
  }

  /** A copy of the counters. */
  snapshot(): IngestStats {
    return structuredClone(this.stats)
  }
}
