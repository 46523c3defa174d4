/**
 * @module storage/engine/head
 * The in-memory head: batches acknowledged (in the write-ahead log) but not yet in part files,
 * kept per tenant, signal and partition. A head is frozen when it is flushed; a new one takes
 * the appends meanwhile.
 */
import { i64Range, takeRows } from '../batch-ops.ts'
import { TIME_COLUMN, type Batch, type Signal } from '../model.ts'

export interface HeadBatch {
  batch: Batch
  minTime: bigint
  maxTime: bigint
}

export interface HeadPartition {
  tenant: string
  signal: Signal
  start: bigint
  batches: HeadBatch[]
  rows: number
}

/** Start of the partition of `time` for partitions of `duration` ns (floor, also below 0). */
export function partitionStart(time: bigint, duration: bigint): bigint {
  const q = time / duration
  return (time < 0n && q * duration !== time ? q - 1n : q) * duration
}

/** Approximate memory of a batch: its typed arrays, plus a guess for strings and general values. */
export function batchBytes(batch: Batch): number {
  let bytes = 0
  for (const name in batch.columns) {
    const c = batch.columns[name]
    bytes += c.present?.byteLength ?? 0
    switch (c.kind) {
      case 'str':
        bytes += c.codes.byteLength
        for (const s of c.dict) bytes += 16 + 2 * s.length
        break
      case 'any':
        bytes += 64 * c.values.length
        break
      case 'i64list':
      case 'f64list':
        bytes += c.offsets.byteLength + c.values.byteLength
        break
      default:
        bytes += c.values.byteLength
    }
  }
  return bytes
}

export class Head {
  readonly partitions = new Map<string, HeadPartition>()
  rows = 0
  /** Estimated bytes of the batches held. */
  bytes = 0

  /**
   * Adds `batch` (whose time column is dense i64) to the partitions its rows fall in.
   * The batch is split only when its rows span more than one partition. `keep` can exclude
   * partitions (replay skips those whose rows are already in parts).
   */
  add(tenant: string, batch: Batch, duration: bigint, keep: (start: bigint) => boolean = () => true): void {
    const times = batch.columns[TIME_COLUMN[batch.signal]]
    const range = i64Range(times)
    if (range === undefined || times.kind !== 'i64') return
    const first = partitionStart(range.min, duration)
    if (first === partitionStart(range.max, duration)) {
      if (keep(first)) this.put(tenant, batch.signal, first, { batch, minTime: range.min, maxTime: range.max })
      return
    }
    const rowsByStart = new Map<bigint, number[]>()
    for (let i = 0; i < batch.length; i++) {
      const start = partitionStart(times.values[i], duration)
      let rows = rowsByStart.get(start)
      if (rows === undefined) rowsByStart.set(start, (rows = []))
      rows.push(i)
    }
    for (const [start, rows] of rowsByStart) {
      if (!keep(start)) continue
      const part = takeRows(batch, rows)
      const r = i64Range(part.columns[TIME_COLUMN[batch.signal]]) ?? range
      this.put(tenant, batch.signal, start, { batch: part, minTime: r.min, maxTime: r.max })
    }
  }

  private put(tenant: string, signal: Signal, start: bigint, hb: HeadBatch): void {
    const key = `${tenant}\u0000${signal}\u0000${start}`
    let p = this.partitions.get(key)
    if (p === undefined) this.partitions.set(key, (p = { tenant, signal, start, batches: [], rows: 0 }))
    p.batches.push(hb)
    p.rows += hb.batch.length
    this.rows += hb.batch.length
    this.bytes += batchBytes(hb.batch)
  }

  /** Takes every batch of `other` (a frozen head whose flush failed) into this head. */
  absorb(other: Head): void {
    for (const p of other.partitions.values()) for (const hb of p.batches) this.put(p.tenant, p.signal, p.start, hb)
  }

  /** Head batches of one tenant and signal overlapping [start, end). */
  batchesFor(tenant: string, signal: Signal, start: bigint | undefined, end: bigint | undefined): HeadBatch[] {
    const out: HeadBatch[] = []
    for (const p of this.partitions.values()) {
      if (p.tenant !== tenant || p.signal !== signal) continue
      for (const hb of p.batches) {
        if ((start !== undefined && hb.maxTime < start) || (end !== undefined && hb.minTime >= end)) continue
        out.push(hb)
      }
    }
    return out
  }
}
