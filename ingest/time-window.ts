/**
 * @module ingest/time-window
 * The ingest time window: a record is stored only when its time lies in
 * [now - retention(signal), now + maxFutureSkew]. Older records would be deleted by the next
 * retention pass, so accepting them would tell the sender they were kept when they were not;
 * records far in the future are clock or encoding errors that would stay on top of every
 * "latest" query. A retention of 0 keeps a signal forever: no lower bound.
 */
import { TIME_COLUMN, type Batch, type Signal } from '../storage/index.ts'
import { DEFAULT_MAX_FUTURE_SKEW_NS } from './limits.ts'
import type { RejectRow } from './record-checks.ts'

export interface TimeWindowOptions {
  /** How long each signal is kept, in nanoseconds; 0 or absent: forever (no lower bound). */
  retentionNs?: Partial<Record<Signal, bigint>>
  /** How far past now a record's time may lie, in nanoseconds (DEFAULT_MAX_FUTURE_SKEW_NS). */
  maxFutureSkewNs?: bigint
  /** The clock, epoch nanoseconds (tests pass a fixed one). */
  now?: () => bigint
}

/** The OTLP field each signal's time column holds, for messages. */
const TIME_FIELD: Readonly<Record<Signal, string>> = {
  spans: 'start_time_unix_nano',
  logs: 'time_unix_nano',
  metrics: 'time_unix_nano',
}

const DURATION_UNITS: [bigint, string][] = [
  [86_400_000_000_000n, 'd'],
  [3_600_000_000_000n, 'h'],
  [60_000_000_000n, 'm'],
  [1_000_000_000n, 's'],
  [1_000_000n, 'ms'],
]

/** A duration in the configuration's notation, in days at most (as retention is usually written): 14d, 90m, 1500ms. */
export function formatDurationNs(ns: bigint): string {
  for (const [unit, name] of DURATION_UNITS) if (ns % unit === 0n) return `${ns / unit}${name}`
  return `${ns}ns`
}

function isoOf(ns: bigint): string {
  return new Date(Number(ns / 1_000_000n)).toISOString()
}

export class TimeWindow {
  private readonly retention: Partial<Record<Signal, bigint>>
  private readonly future: bigint
  private readonly now: () => bigint

  constructor(options: TimeWindowOptions = {}) {
    for (const [signal, ns] of Object.entries(options.retentionNs ?? {})) {
      if (ns < 0n) throw new RangeError(`invalid ingest option retention.${signal}: expected 0 or more nanoseconds, got ${ns}`)
    }
    const future = options.maxFutureSkewNs ?? DEFAULT_MAX_FUTURE_SKEW_NS
    if (future < 0n) throw new RangeError(`invalid ingest option maxFutureSkew: expected 0 or more nanoseconds, got ${future}`)
    this.retention = { ...options.retentionNs }
    this.future = future
    this.now = options.now ?? (() => BigInt(Date.now()) * 1_000_000n)
  }

  /**
   * Calls `reject` for every row of `batch` whose time lies outside the window, in increasing
   * order. A batch without its time column is left to the store to refuse.
   */
  check(batch: Batch, reject: RejectRow): void {
    const column = batch.columns[TIME_COLUMN[batch.signal]]
    if (column === undefined || column.kind !== 'i64') return
    const now = this.now()
    const keep = this.retention[batch.signal] ?? 0n
    const low = keep > 0n ? now - keep : undefined
    const high = now + this.future
    // Two 32-bit words a value: comparing the high word decides nearly every row without a BigInt.
    const words = new Int32Array(column.values.buffer, column.values.byteOffset, batch.length * 2)
    const lowHi = low === undefined ? -0x80000000 : Number(BigInt.asIntN(32, low >> 32n))
    const highHi = Number(BigInt.asIntN(32, high >> 32n))
    const field = TIME_FIELD[batch.signal]
    for (let row = 0; row < batch.length; row++) {
      if (column.present !== undefined && column.present[row] !== 1) continue
      const hi = words[2 * row + 1]
      if (hi > lowHi && hi < highHi) continue
      const t = column.values[row]
      if (low !== undefined && t < low) {
        reject(row, `${field} ${isoOf(t)} is older than the ${batch.signal} retention of ${formatDurationNs(keep)} (the earliest accepted now is ${isoOf(low)})`)
      } else if (t > high) {
        reject(row, `${field} ${isoOf(t)} is more than ${formatDurationNs(this.future)} in the future (maxFutureSkew)`)
      }
    }
  }
}
