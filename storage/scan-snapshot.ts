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
import { ByteWriter } from './codec/byte-writer.ts'
import { decodeColumn, encodeColumn } from './codec/column-codec.ts'
import { SNAPSHOT_SLAB_BYTES } from './limits.ts'
import type { Batch, Column, Signal } from './model.ts'

/** One part file of a snapshot: read with positional reads through `fd`, checked by `fileId`. */
export interface SnapshotPart {
  readonly fd: number
  readonly path: string
  /** The part's random file id (its index names it; chunks are bound to it). */
  readonly fileId: Uint8Array
}

/**
 * A head batch as a snapshot carries it: columns of typed arrays as they are (in shared memory),
 * and columns of strings and general values packed with the column codec into shared memory:
 * posting JavaScript strings and objects copies each of them on the sending thread (for a
 * head's events and links, hundreds of milliseconds), posting bytes in shared memory nothing.
 */
export interface SnapshotBatch {
  readonly batch: Batch
  /** Encoded columns (storage/codec/column-codec.ts) of `batch.length` rows, by name. */
  readonly packed: Readonly<Record<string, Uint8Array>>
}

/** Everything one scan of one tenant's signal over a range reads; structured-cloneable. */
export interface ScanSnapshot {
  readonly signal: Signal
  /** Rows still in memory, projected to the scan's columns. */
  readonly head: readonly SnapshotBatch[]
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

// Arrays are carved from shared slabs: posting a message costs about as much per distinct
// SharedArrayBuffer in it as copying kilobytes (bench/snapshot-post.ts), so one buffer per
// array would make a snapshot of a full head slow to post. The slab being filled belongs to
// the thread that takes snapshots; a slab is freed once no array in it is referenced.
let slab = new SharedArrayBuffer(0)
let slabUsed = 0

/** `bytes` of shared memory (8-byte aligned), from the current slab unless large. */
function carve(bytes: number): { buffer: SharedArrayBuffer; offset: number } {
  if (bytes > SNAPSHOT_SLAB_BYTES / 4) return { buffer: new SharedArrayBuffer(bytes), offset: 0 }
  slabUsed = (slabUsed + 7) & ~7
  if (slabUsed + bytes > slab.byteLength) {
    slab = new SharedArrayBuffer(SNAPSHOT_SLAB_BYTES)
    slabUsed = 0
  }
  const offset = slabUsed
  slabUsed += bytes
  return { buffer: slab, offset }
}

function shared<T extends Typed>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer || a.byteLength === 0) return a
  const { buffer, offset } = carve(a.byteLength)
  const copy = new (a.constructor as new (buffer: SharedArrayBuffer, offset: number, length: number) => T)(buffer, offset, a.length)
  copy.set(a as never)
  return copy
}

/**
 * `batch` with every typed array in shared memory: the same batch when it is already (batches
 * from the gateway's decoding threads are), else one copy, made once by whoever keeps the result.
 */
export function toSharedBatch(batch: Batch): Batch {
  if (isShared(batch)) return batch
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

const inShared = (a: Typed | undefined): boolean => a === undefined || a.byteLength === 0 || a.buffer instanceof SharedArrayBuffer

/** True when every typed array of `batch` is in shared memory already (no allocation). */
function isShared(batch: Batch): boolean {
  for (const name in batch.columns) {
    const c = batch.columns[name]
    if (!inShared(c.present)) return false
    if (c.kind === 'str' ? !inShared(c.codes) : c.kind === 'i64list' || c.kind === 'f64list' ? !inShared(c.offsets) || !inShared(c.values) : c.kind !== 'any' && !inShared(c.values)) return false
  }
  return true
}

/**
 * `batch` split for a snapshot: string and general-value columns packed (`memo` keeps each
 * column's bytes, so a column of the head is encoded once however many snapshots take it).
 */
export function packBatch(batch: Batch, memo: WeakMap<Column, Uint8Array>): SnapshotBatch {
  const columns: Record<string, Column> = {}
  const packed: Record<string, Uint8Array> = {}
  for (const name in batch.columns) {
    const c = batch.columns[name]
    if (c.kind !== 'str' && c.kind !== 'any') {
      columns[name] = c
      continue
    }
    let bytes = memo.get(c)
    if (bytes === undefined) {
      const plain = encodeColumn(c, batch.length, new ByteWriter(batch.length * 2 + 64), { compact: false })
      const { buffer, offset } = carve(plain.length)
      bytes = new Uint8Array(buffer, offset, plain.length)
      bytes.set(plain)
      memo.set(c, bytes)
    }
    packed[name] = bytes
  }
  return { batch: { signal: batch.signal, length: batch.length, columns }, packed }
}

/** The batch of a SnapshotBatch with only `columns` (all when undefined), packed ones decoded. */
export function unpackBatch(sb: SnapshotBatch, columns: readonly string[] | undefined): Batch {
  const out: Record<string, Column> = {}
  const rows = sb.batch.length
  for (const name of columns ?? [...Object.keys(sb.batch.columns), ...Object.keys(sb.packed)]) {
    const plain = sb.batch.columns[name]
    if (plain !== undefined) out[name] = plain
    else if (sb.packed[name] !== undefined) out[name] = decodeColumn(sb.packed[name], rows, `column ${name} of a head batch`)
  }
  return { signal: sb.batch.signal, length: rows, columns: out }
}
