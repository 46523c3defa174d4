/**
 * @module storage/scan-snapshot
 * A scan's snapshot as data another thread can be sent: the part files it reads (by the
 * descriptors their owner keeps open) and the head batches it sees, so that a query thread
 * reads and decodes blocks itself (engine/snapshot-scanner.ts) while the thread that takes
 * appends only takes the snapshot.
 *
 * Contract: a snapshot stays readable until `release()`; the owner calls it only once every
 * thread reading the snapshot has stopped (answered or exited), since the descriptors close
 * then. Head batches are immutable; their arrays live in shared memory (`toSharedBatch`), so
 * posting a snapshot to a thread copies only strings and general values, not typed arrays.
 */
import type { Batch, Column, Signal } from './model.ts'

/** One part file of a snapshot: read with positional reads through `fd`, checked by `fileId`. */
export interface SnapshotPart {
  readonly fd: number
  readonly path: string
  /** The part's random file id (its index names it; chunks are bound to it). */
  readonly fileId: Uint8Array
}

/** Everything one scan of one tenant's signal over a range reads; structured-cloneable. */
export interface ScanSnapshot {
  readonly signal: Signal
  /** Rows still in memory, projected to the scan's columns. */
  readonly head: readonly Batch[]
  readonly parts: readonly SnapshotPart[]
  /** The data key the parts are sealed with; absent when there are no parts. */
  readonly key?: Uint8Array
}

/** A snapshot and the hold on its files: call `release` once, when no thread reads it any more. */
export interface HeldSnapshot {
  readonly snapshot: ScanSnapshot
  release(): void
}

type Typed = Uint8Array | Uint32Array | Int32Array | Float64Array | BigInt64Array

function shared<T extends Typed>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer || a.byteLength === 0) return a
  const copy = new (a.constructor as new (buffer: SharedArrayBuffer) => T)(new SharedArrayBuffer(a.byteLength))
  copy.set(a as never)
  return copy
}

/**
 * `batch` with every typed array in shared memory: the same batch when it is already (batches
 * from the gateway's decoding threads are), else one copy, made once by whoever keeps the result.
 */
export function toSharedBatch(batch: Batch): Batch {
  let changed = false
  const columns: Record<string, Column> = {}
  for (const name in batch.columns) {
    const c = batch.columns[name]
    const present = c.present === undefined ? undefined : shared(c.present)
    let out: Column
    switch (c.kind) {
      case 'str':
        out = { kind: 'str', dict: c.dict, codes: shared(c.codes), present }
        break
      case 'i64list':
      case 'f64list':
        out = { ...c, offsets: shared(c.offsets), values: shared(c.values as Typed), present } as Column
        break
      case 'any':
        out = present === c.present ? c : { ...c, present }
        break
      default:
        out = { ...c, values: shared(c.values as Typed), present } as Column
    }
    changed ||= Object.entries(out).some(([k, v]) => (c as Record<string, unknown>)[k] !== v)
    columns[name] = out
  }
  return changed ? { signal: batch.signal, length: batch.length, columns } : batch
}
