/**
 * @module ingest/pipeline
 * The path every export takes, whatever the transport: decode, refuse a request whose records
 * are all invalid, append durably, count. Success only after `store.append` resolved.
 */
import { takeRows, type Store } from '../storage/index.ts'
import type { DecodePool } from './decode-pool.ts'
import { IngestError } from './errors.ts'
import type { OtlpEncoding, OtlpSignal } from './otlp/decoder.ts'
import { rejectionMessage } from './otlp/signal-rows.ts'
import type { IngestMetrics } from './self-metrics.ts'
import { asIngestError } from './status-table.ts'
import type { TimeWindow } from './time-window.ts'

/** The outcome of an accepted export: partial success when `rejected` > 0. */
export interface ExportResult {
  accepted: number
  rejected: number
  message: string
}

export class IngestPipeline {
  private readonly decoder: DecodePool
  private readonly ownsDecoder: boolean
  private readonly store: Store
  private readonly window: TimeWindow
  readonly metrics: IngestMetrics

  /** `decoder`: the threads that decode (decode-pool.ts); closed with the pipeline when `ownsDecoder`. */
  constructor(store: Store, metrics: IngestMetrics, window: TimeWindow, decoder: DecodePool, ownsDecoder: boolean) {
    this.store = store
    this.metrics = metrics
    this.window = window
    this.decoder = decoder
    this.ownsDecoder = ownsDecoder
  }

  /**
   * Decodes and stores one export request for `tenant`. Throws IngestError; nothing is stored
   * when it throws (one request is one append, and a rejected append stores nothing).
   * `handOver`: the caller is done with `body` (it may be detached, see DecodePool.decode).
   */
  async export(tenant: string, signal: OtlpSignal, encoding: OtlpEncoding, body: Uint8Array, handOver = false): Promise<ExportResult> {
    const decoded = await this.decoder.decode(signal, encoding, body, handOver)
    let { batch, accepted, rejected, reason } = decoded
    const total = accepted + rejected
    const outside: number[] = []
    this.window.check(batch, (row, why) => {
      if (outside.length === 0 && reason === '') reason = why
      outside.push(row)
    })
    if (outside.length > 0) {
      batch = takeRows(batch, keptRows(batch.length, outside))
      accepted -= outside.length
      rejected += outside.length
      this.metrics.outsideWindow(signal, outside.length)
    }
    const message = rejectionMessage(rejected, total, reason)
    if (accepted === 0 && rejected > 0) {
      this.metrics.records(signal, 0, rejected)
      throw new IngestError('INVALID_DATA', `cannot store any record of the request: ${message}`)
    }
    if (accepted > 0) {
      try {
        await this.store.append(tenant, batch)
      } catch (error) {
        throw asIngestError(error)
      }
    }
    this.metrics.records(signal, accepted, rejected)
    return { accepted, rejected, message }
  }

  /** Stops the decoding threads, unless they are shared (their owner stops them). */
  async close(): Promise<void> {
    if (this.ownsDecoder) await this.decoder.close()
  }

  /** Counts a failed request and returns it as an IngestError. */
  failed(error: unknown): IngestError {
    const e = asIngestError(error)
    this.metrics.error(e.code)
    return e
  }
}

/** Rows [0, length) but the increasing list `dropped`. */
function keptRows(length: number, dropped: number[]): number[] {
  const keep: number[] = []
  for (let row = 0, next = 0; row < length; row++) {
    if (dropped[next] === row) next++
    else keep.push(row)
  }
  return keep
}
