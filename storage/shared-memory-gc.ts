/**
 * @module storage/shared-memory-gc
 * Full garbage collections for threads that let go of SharedArrayBuffers. V8 does not count a
 * SharedArrayBuffer as external memory of the threads holding it, so letting go of one adds no
 * pressure to collect: a thread that hands many of them on and allocates little itself (a
 * decoding thread posting batches, an idle query thread after a snapshot, the part writer
 * after a flush) keeps every one it ever held until its next full collection, which may be
 * minutes away; the memory comes back only once every holder has collected. Such a thread
 * counts the shared bytes it let go of (SharedMemoryCollector) and collects past a threshold.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { Batch } from './model.ts'

/**
 * A full garbage collection of this thread. V8 gives a context made after `--expose-gc` is
 * set a `gc` function; undefined where it cannot.
 */
export function fullCollection(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc')
    const gc: unknown = runInNewContext('gc')
    return typeof gc === 'function' ? () => gc() : undefined
  } catch {
    return undefined
  }
}

/** Runs a full collection once `threshold` bytes of shared memory were let go of since the last. */
export class SharedMemoryCollector {
  private readonly threshold: number
  private readonly collect: (() => void) | undefined
  private pending = 0
  /** Collections run (for tests and /metrics). */
  collections = 0

  constructor(threshold: number, collect: (() => void) | undefined = fullCollection()) {
    this.threshold = threshold
    this.collect = collect
  }

  /**
   * Counts `bytes` this thread no longer uses; collects when the threshold is passed.
   * @example collector.released(sharedBytes(batch))
   */
  released(bytes: number): void {
    this.pending += bytes
    if (this.collect === undefined || this.pending < this.threshold) return
    this.pending = 0
    this.collections++
    this.collect()
  }
}

/** Bytes of `batch`'s typed arrays in shared memory (views count their own length). */
export function sharedBytes(batch: Batch): number {
  let bytes = 0
  const add = (a: ArrayBufferView | undefined): void => {
    if (a !== undefined && a.buffer instanceof SharedArrayBuffer) bytes += a.byteLength
  }
  for (const name in batch.columns) {
    const c = batch.columns[name]
    add(c.present)
    if (c.kind === 'str') add(c.codes)
    else if (c.kind === 'i64list' || c.kind === 'f64list') add(c.offsets), add(c.values)
    else if (c.kind !== 'any') add(c.values)
  }
  return bytes
}
