/**
 * @module collectors/collector-stats
 * Each collector's own counters and recent errors, shown by the admin API
 * (`GET /api/v1/admin/collectors`). Counting never logs: a bad source cannot flood the log.
 */
import type { Batch } from '../storage/index.ts'
import { RECENT_ERRORS } from './limits.ts'

/** What a collector tells the sink about one batch. */
export interface SinkOptions {
  /**
   * The same for every attempt to send the same rows, so that the receiver stores them once
   * (storage's `AppendOptions.idempotencyKey`; the Idempotency-Key header over OTLP/HTTP).
   */
  idempotencyKey?: string
}

/** Where collectors hand their batches: `Store.append` today, the ingest intake tomorrow. Resolves once durable. */
export type BatchSink = (tenant: string, batch: Batch, options?: SinkOptions) => Promise<void>

export interface CollectorErrorEntry {
  time: string
  code: string
  message: string
}

export interface CollectorSnapshot {
  name: string
  kind: string
  counters: Record<string, number>
  errorsByCode: Record<string, number>
  recentErrors: CollectorErrorEntry[]
  /** Collector-specific state (targets and their health, files and offsets). */
  detail?: unknown
}

export class CollectorStats {
  readonly name: string
  readonly kind: string
  private readonly counters: Record<string, number> = {}
  private readonly errorsByCode: Record<string, number> = {}
  private readonly recent: CollectorErrorEntry[] = []

  constructor(kind: string, name: string = kind) {
    this.kind = kind
    this.name = name
  }

  add(counter: string, n = 1): void {
    this.counters[counter] = (this.counters[counter] ?? 0) + n
  }

  get(counter: string): number {
    return this.counters[counter] ?? 0
  }

  /** Counts an error by code and keeps it among the recent ones. */
  error(code: string, message: string): void {
    this.errorsByCode[code] = (this.errorsByCode[code] ?? 0) + 1
    this.recent.push({ time: new Date().toISOString(), code, message })
    if (this.recent.length > RECENT_ERRORS) this.recent.shift()
  }

  snapshot(detail?: unknown): CollectorSnapshot {
    const out: CollectorSnapshot = {
      name: this.name,
      kind: this.kind,
      counters: { ...this.counters },
      errorsByCode: { ...this.errorsByCode },
      recentErrors: [...this.recent],
    }
    if (detail !== undefined) out.detail = detail
    return out
  }
}
