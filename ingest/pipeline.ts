/**
 * @module ingest/pipeline
 * The OTLP decoders in front of the intake: an export request is decoded (on the decoding
 * threads) into a batch, which the intake checks, appends and counts (intake.ts).
 */
import type { DecodePool } from './decode-pool.ts'
import type { IngestError } from './errors.ts'
import type { InflightLease } from './inflight.ts'
import { batchBytes, type AcceptResult, type Intake } from './intake.ts'
import type { OtlpEncoding, OtlpSignal } from './otlp/decoder.ts'
import type { IngestMetrics } from './self-metrics.ts'

export class IngestPipeline {
  private readonly decoder: DecodePool
  private readonly ownsDecoder: boolean
  readonly intake: Intake

  /** `decoder`: the threads that decode (decode-pool.ts); closed with the pipeline when `ownsDecoder`. */
  constructor(intake: Intake, decoder: DecodePool, ownsDecoder: boolean) {
    this.intake = intake
    this.decoder = decoder
    this.ownsDecoder = ownsDecoder
  }

  get metrics(): IngestMetrics {
    return this.intake.metrics
  }

  /**
   * Decodes and stores one export request for `tenant`. Throws IngestError; nothing is stored
   * when it throws (one request is one append, and a rejected append stores nothing).
   * `handOver`: the caller is done with `body` (it may be detached, see DecodePool.decode).
   * `idempotencyKey`: the request's Idempotency-Key (idempotency-key.ts); a request whose key
   * was stored already is answered as it was, without storing its records again.
   * `lease`: the request's in-flight lease, which works from here until the append waits for the disk.
   */
  async export(tenant: string, signal: OtlpSignal, encoding: OtlpEncoding, body: Uint8Array, handOver = false, idempotencyKey?: string, lease?: InflightLease): Promise<AcceptResult> {
    lease?.work(true)
    const decoded = await this.decoder.decode(signal, encoding, body, handOver)
    // The batch waits for the store (appends wait while the head is full) beside its body,
    // which its decoding thread frees only at its next collection: both count until the answer.
    lease?.hold(batchBytes(decoded.batch))
    return this.intake.acceptDecoded(tenant, decoded, idempotencyKey, lease)
  }

  /** Stops the decoding threads, unless they are shared (their owner stops them). */
  async close(): Promise<void> {
    if (this.ownsDecoder) await this.decoder.close()
  }

  /** Counts a failed request and returns it as an IngestError. */
  failed(error: unknown): IngestError {
    return this.intake.failed(error)
  }
}
