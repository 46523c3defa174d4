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
 * set a `gc` function; undefined where it cannot. `shrink`: the collection V8 runs when memory
 * is short, which also hands the heap's emptied pages back to the system: a plain one leaves
 * the heap as large as it grew (an idle part writer held 145 MiB of heap for 15 in use; a
 * 185 MiB heap emptied by a plain collection kept 134 MiB, 5 with this). It costs a few more
 * passes, so it suits collections after a burst of work, not the frequent ones.
 */
export function fullCollection(shrink = false): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc')
    const gc: unknown = runInNewContext('gc')
    if (typeof gc !== 'function') return undefined
    return shrink ? () => gc({ type: 'major', flavor: 'last-resort' }) : () => gc()
  } catch {
    return undefined
  }
}

/**
 * A young-generation collection (a scavenge) of this thread, as fullCollection gets it;
 * undefined where it cannot. It visits only the objects allocated since the last one that are
 * still alive, so it costs about a millisecond, and frees the buffers of every typed array that
 * died young: a decoded block a scan is past, when nothing else took it.
 */
export function youngCollection(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc')
    const gc: unknown = runInNewContext('gc')
    return typeof gc === 'function' ? () => gc({ type: 'minor' }) : undefined
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

/**
 * Bounds the buffers a thread that decodes column chunks keeps (a query thread): every chunk it
 * decodes is a few buffers (decrypted, decompressed, decoded; a copy into shared memory for a
 * shared cache) that are garbage once the scan is past the block, and V8 collects them only
 * well after they pile up: their objects are small, so the young generation fills slowly and
 * scavenges are rare, and a full collection starts only once tens of MiB of buffers piled up
 * (then finishes while the scan keeps decoding). So once `young.every` bytes were decoded, at
 * the next block a scan is past (`passed`, when the blocks before are garbage and young), the
 * thread runs a young-generation collection. Besides, every `checkEvery` bytes decoded, the
 * thread's own buffers are read (a system call's cost) and collected in full once they pass
 * `allowance` over what it keeps on purpose: `kept()` (its share of a cache), or what was still
 * alive after its last full collection (an operator's state), whichever is more.
 */
export class BufferCeiling {
  private readonly kept: () => number
  private readonly allowance: number
  private readonly checkEvery: number
  private readonly collect: (() => void) | undefined
  private readonly buffers: () => number
  private pending = 0
  private since = 0
  private settling = false
  private alive = 0
  private readonly young: { collect: (() => void) | undefined; every: number }
  private youngPending = 0
  /** Collections run (for tests and /metrics). */
  collections = 0
  /** Young-generation collections run. */
  youngCollections = 0

  /** `buffers`: the ArrayBuffers this thread allocated that are still alive (process.memoryUsage's figure, per thread);
   * `young`: the young-generation collection, run at the first `passed` after `every` bytes were decoded (none by default). */
  constructor(
    kept: () => number,
    allowance: number,
    checkEvery: number,
    collect: (() => void) | undefined = fullCollection(),
    buffers = () => process.memoryUsage().arrayBuffers,
    young: { collect: (() => void) | undefined; every: number } = { collect: undefined, every: Infinity },
  ) {
    this.kept = kept
    this.allowance = allowance
    this.checkEvery = checkEvery
    this.collect = collect
    this.buffers = buffers
    this.young = young
  }

  /**
   * A scan is past a block and references none of its chunks: a young-generation collection
   * is run when `young.every` bytes were decoded since the last.
   * @example ceiling.passed()
   */
  passed(): void {
    if (this.young.collect === undefined || this.youngPending < this.young.every) return
    this.youngPending = 0
    this.youngCollections++
    this.young.collect()
  }

  /**
   * Counts `bytes` just decoded; collects when the check is due and the thread's buffers pass the ceiling.
   * @example ceiling.decoded(columnBytes(column))
   */
  decoded(bytes: number): void {
    this.youngPending += bytes
    this.pending += bytes
    this.since += bytes
    if (this.collect === undefined || this.pending < this.checkEvery) return
    this.pending = 0
    const now = this.buffers()
    // What the last collection left: V8 frees the buffers after a collection returns, so they
    // are read at the next check, less what was decoded since.
    if (this.settling) this.alive = Math.max(0, now - this.since)
    this.settling = false
    if (now <= Math.max(this.kept(), this.alive) + this.allowance) return
    this.collections++
    this.collect()
    this.settling = true
    this.since = 0
  }
}
