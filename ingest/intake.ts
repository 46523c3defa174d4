/**
 * @module ingest/intake
 * The one door for data, whatever the protocol: OTLP/HTTP and OTLP/gRPC decode into batches and
 * hand them here; collectors and any other producer build batches (storage's BatchBuilder or
 * ColumnSet) and call `accept`. The intake owns what every producer shares: the bound on bytes
 * in flight, the data model's rules (record-checks.ts), the ingest time window, the durable
 * append, the counters, and the mapping of every failure to an IngestError that status-table.ts
 * answers. Success is reported only once `Store.append` has resolved.
 */
import { takeRows, type Batch, type Signal, type Store } from '../storage/index.ts'
import { IngestError } from './errors.ts'
import { InflightLimiter, type InflightLease } from './inflight.ts'
import { DEFAULT_MAX_INFLIGHT_BYTES } from './limits.ts'
import type { OtlpSignal } from './otlp/decoder.ts'
import { rejectionMessage, type DecodedBatch } from './otlp/signal-rows.ts'
import { checkRecords } from './record-checks.ts'
import { IngestMetrics } from './self-metrics.ts'
import { asIngestError, STATUS_TABLE, type FailureAnswer } from './status-table.ts'
import { TimeWindow, type TimeWindowOptions } from './time-window.ts'

/** The outcome of an accepted batch: partial success when `rejected` > 0. */
export interface AcceptResult {
  /** Records stored. */
  accepted: number
  /** Records refused one by one (the data model's rules, the time window, the producer's own). */
  rejected: number
  /** `N of M records rejected; the first because its <reason>`, '' when none was. */
  message: string
}

export interface IntakeOptions {
  /** Where accepted batches are appended. */
  store: Store
  /** Counters to add to (a new set when absent). */
  metrics?: IngestMetrics
  /** Bound on bytes in flight before answering OVERLOADED (DEFAULT_MAX_INFLIGHT_BYTES). */
  maxInflightBytes?: number
  /** The ingest time window (time-window.ts); no lower bound when absent. */
  timeWindow?: TimeWindowOptions
  /** Why the server's memory is short now (a message), undefined when it is not: new requests
   * are then refused with OVERLOADED (inflight.ts). */
  memoryPressure?: () => string | undefined
}

/** The counters' name of each storage signal (OTLP's: traces, metrics, logs). */
const COUNTED_AS: Readonly<Record<Signal, OtlpSignal>> = { spans: 'traces', logs: 'logs', metrics: 'metrics' }

/**
 * @example
 * const intake = new Intake({ store })
 * const b = new BatchBuilder('logs')
 * b.setI64('timeUnixNano', 0, BigInt(Date.now()) * 1_000_000n)
 * b.setStr('body', 0, 'hello')
 * const { accepted, rejected, message } = await intake.accept('default', b.finish(1))
 */
export class Intake {
  readonly metrics: IngestMetrics
  readonly inflight: InflightLimiter
  private readonly store: Store
  private readonly window: TimeWindow

  constructor(options: IntakeOptions) {
    const limit = options.maxInflightBytes ?? DEFAULT_MAX_INFLIGHT_BYTES
    if (!Number.isSafeInteger(limit) || limit <= 0) throw new RangeError(`invalid ingest option maxInflightBytes: expected a positive integer, got ${limit}`)
    this.store = options.store
    this.metrics = options.metrics ?? new IngestMetrics()
    this.inflight = new InflightLimiter(limit, options.memoryPressure)
    this.window = new TimeWindow(options.timeWindow)
  }

  /**
   * Stores the records of `batch` that the data model and the time window allow, for `tenant`.
   * Throws IngestError: OVERLOADED (retry), INVALID_DATA when every record is refused,
   * STORAGE_UNAVAILABLE (retry) or STORAGE_REJECTED; nothing is stored when it throws.
   * The caller must not write to the batch's arrays afterwards (storage/model.ts).
   */
  async accept(tenant: string, batch: Batch): Promise<AcceptResult> {
    const lease = this.inflight.lease()
    try {
      lease.grow(batchBytes(batch))
      lease.work(true)
      let reason = ''
      const refused: number[] = []
      checkRecords(batch, (row, why) => {
        if (refused.length === 0) reason = why
        refused.push(row)
      })
      const kept = refused.length === 0 ? batch : takeRows(batch, keptRows(batch.length, refused))
      return await this.admit(tenant, { batch: kept, accepted: kept.length, rejected: refused.length, message: '', reason }, undefined, lease)
    } catch (error) {
      throw this.failed(error)
    } finally {
      lease.release()
    }
  }

  /**
   * `accept` for a batch an OTLP decoder made: the data model's rules already ran on the
   * decoding thread, and the records it rejected count in the answer. The caller holds the
   * in-flight lease of the request's bytes (`lease`: it stops working once the append waits for
   * the disk). Throws like `accept`, without counting the failure (the listener does, with `failed`).
   */
  acceptDecoded(tenant: string, decoded: DecodedBatch, idempotencyKey?: string, lease?: InflightLease): Promise<AcceptResult> {
    return this.admit(tenant, decoded, idempotencyKey, lease)
  }

  /** The time window, then the append, then the counters. */
  private async admit(tenant: string, decoded: DecodedBatch, idempotencyKey: string | undefined, lease: InflightLease | undefined): Promise<AcceptResult> {
    let { batch, accepted, rejected, reason } = decoded
    const signal = COUNTED_AS[batch.signal]
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
    let duplicate = false
    if (accepted > 0) {
      try {
        // Once the log record is written out, the request waits for the disk: queries may run.
        await this.store.append(tenant, batch, { idempotencyKey, onDuplicate: () => (duplicate = true), onWrite: () => lease?.work(false) })
      } catch (error) {
        throw asIngestError(error)
      }
    }
    // A retry of a stored request is answered as the first attempt was, counted apart.
    if (duplicate) this.metrics.duplicate(signal, accepted)
    else this.metrics.records(signal, accepted, rejected)
    return { accepted, rejected, message }
  }

  /** Counts a failure and returns it as an IngestError (status-table.ts decides its answer). */
  failed(error: unknown): IngestError {
    const e = asIngestError(error)
    this.metrics.error(e.code)
    return e
  }

  /**
   * How a failure is answered (status-table.ts): the IngestError and its HTTP status, gRPC code
   * and retry. Counts nothing: `accept` counted its own failures; a protocol counts the failures
   * of its requests with `failed`.
   */
  answer(error: unknown): { error: IngestError; answer: FailureAnswer } {
    const e = asIngestError(error)
    return { error: e, answer: STATUS_TABLE[e.code] }
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

/** Bytes a batch holds in its arrays (strings and general values counted roughly), for the in-flight bound. */
export function batchBytes(batch: Batch): number {
  let bytes = 0
  for (const c of Object.values(batch.columns)) {
    bytes += c.present?.byteLength ?? 0
    switch (c.kind) {
      case 'str':
        bytes += c.codes.byteLength
        for (const s of c.dict) bytes += s.length
        break
      case 'i64list':
      case 'f64list':
        bytes += c.offsets.byteLength + c.values.byteLength
        break
      case 'any':
        bytes += 64 * c.values.length
        break
      default:
        bytes += c.values.byteLength
    }
  }
  return bytes
}
