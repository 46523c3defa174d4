/**
 * @module storage/engine/engine-snapshot
 * The engine's scan snapshots for other threads (storage/scan-snapshot.ts): the same choice of
 * head batches and parts as Engine.scan makes, taken in one synchronous step, with each part
 * held (acquired) until the snapshot is released, so that neither a compaction nor a close
 * deletes or closes a file a query thread reads.
 */
import { projectBatch } from '../batch-ops.ts'
import type { Column } from '../model.ts'
import type { HeldSnapshot, ScanSnapshot, SnapshotBatch } from '../scan-snapshot.ts'
import { packBatch, toSharedBatch } from '../scan-snapshot.ts'
import type { ScanRequest } from '../store.ts'
import type { Head } from './head.ts'
import type { Partition, PartHandle } from './partition.ts'

/** Packed string and general-value columns of head batches, by column (immutable, so the bytes
 * never go stale; they go when the column does). */
const packedColumns = new WeakMap<Column, Uint8Array>()

/**
 * Takes the snapshot of `request` over `heads` (the live head and the one being flushed) and
 * `partitions`. Head batches are moved into shared memory the first time a snapshot takes
 * them (in place: the head keeps the shared batch, the same rows), so later snapshots and the
 * part writer share them rather than copy them; string and general-value columns are packed
 * into shared memory once (scan-snapshot.ts, SnapshotBatch).
 */
export function takeEngineSnapshot(heads: readonly (Head | undefined)[], partitions: Iterable<Partition>, key: Uint8Array, request: ScanRequest): HeldSnapshot {
  const head: SnapshotBatch[] = []
  for (const h of heads) {
    for (const hb of h?.batchesFor(request.tenant, request.signal, request.start, request.end) ?? []) {
      hb.batch = toSharedBatch(hb.batch)
      head.push(packBatch(projectBatch(hb.batch, request.columns), packedColumns))
    }
  }
  const held: PartHandle[] = []
  for (const p of partitions) {
    if (p.tenant !== request.tenant || p.signal !== request.signal) continue
    if ((request.start !== undefined && p.end <= request.start) || (request.end !== undefined && p.start >= request.end)) continue
    for (const h of p.parts) {
      h.acquire()
      held.push(h)
    }
  }
  const snapshot: ScanSnapshot = {
    signal: request.signal,
    head,
    parts: held.map((h) => ({ fd: h.reader.fd, path: h.reader.path, fileId: h.reader.index.fileId })),
    key: held.length > 0 ? key : undefined,
  }
  let released = false
  return {
    snapshot,
    release() {
      if (released) return
      released = true
      for (const h of held) h.release()
    },
  }
}
