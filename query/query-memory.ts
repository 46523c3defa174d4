/**
 * @module query/query-memory
 * One bound on the memory all running queries hold together, across the query threads: each
 * query's Budget (budget.ts) reports the bytes it holds into a slot of an Int32Array in shared
 * memory (one slot per thread, in KiB), whose total the pool (query-pool.ts) and every thread
 * read without a message.
 *
 * What the bound does (see query/README.md, Memory):
 * - a query whose own bytes pass the bound fails with MEMORY_LIMIT: it could not run alone;
 * - past the bound, or while the server's memory guard holds queries (`hold`, set by the pool),
 *   every running query but the oldest waits at its next pace until the total is back under
 *   the bound (others finish and let go) or it is the oldest itself; the oldest never waits,
 *   so queries always progress, one at a time at worst;
 * - the pool starts no new query while the running ones hold QUERY_ADMIT_SHARE of the bound.
 *
 * Contract: a slot is written only by its thread while its thread runs a query, and cleared by
 * the pool once the thread has exited (a thread stopped mid-query leaves what it held); every
 * release and clear wakes the waiting threads (Atomics.notify on the change word).
 */
import { QUERY_HOLD_SLICE_MS } from './limits.ts'

/** Words of the array: the total KiB held, a count bumped at every release (what waits wait on), the hold flag, the queries that waited at a pace; then two per slot. */
const TOTAL = 0
const CHANGES = 1
const HOLD = 2
const PACED = 3
const HEADER = 4
/** A slot's words: the id of its running query (0: none; ids grow, so the smallest is the oldest), and the KiB it holds. */
const TICKET = 0
const HELD = 1

const KiB = 1024

/** The shared words for `threads` query threads, to hand each one in its workerData. */
export function queryMemoryWords(threads: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer((HEADER + 2 * threads) * 4))
}

/** The pool's view: what all running queries hold, the hold flag, and clearing a stopped thread's slot. */
export class QueryMemory {
  readonly words: Int32Array
  /** The bound on all running queries together, bytes. */
  readonly maxBytes: number

  constructor(words: Int32Array, maxBytes: number) {
    this.words = words
    this.maxBytes = maxBytes
  }

  /** Bytes all running queries hold now. */
  get bytes(): number {
    return Atomics.load(this.words, TOTAL) * KiB
  }

  /** Holds every running query but the oldest at its next pace (the memory guard sheds queries), or lets them go. */
  hold(on: boolean): void {
    if ((Atomics.exchange(this.words, HOLD, on ? 1 : 0) === 1) === on) return
    if (!on) this.changed()
  }

  get holding(): boolean {
    return Atomics.load(this.words, HOLD) === 1
  }

  /** Times a query waited at its pace for others to let memory go (or for the guard's hold). */
  get paced(): number {
    return Atomics.load(this.words, PACED)
  }

  /** Forgets what the query of thread `slot` held: the thread has exited. */
  clear(slot: number): void {
    const at = HEADER + 2 * slot
    Atomics.sub(this.words, TOTAL, Atomics.exchange(this.words, at + HELD, 0))
    Atomics.store(this.words, at + TICKET, 0)
    this.changed()
  }

  protected changed(): void {
    Atomics.add(this.words, CHANGES, 1)
    Atomics.notify(this.words, CHANGES)
  }
}

/**
 * One thread's slot: the query it runs (`begin`/`end`) and the bytes that query holds (`set`),
 * what Budget reports into.
 * @example const slot = new QueryMemorySlot(data.memory, data.memoryBytes, data.slot); slot.begin(id); ...; slot.end()
 */
export class QueryMemorySlot extends QueryMemory {
  private readonly at: number

  constructor(words: Int32Array, maxBytes: number, slot: number) {
    super(words, maxBytes)
    this.at = HEADER + 2 * slot
  }

  /** The thread starts query `id` (ids grow with each query the pool starts). */
  begin(id: number): void {
    Atomics.store(this.words, this.at + TICKET, id)
  }

  /** The query is over: it holds nothing more. */
  end(): void {
    this.set(0)
    Atomics.store(this.words, this.at + TICKET, 0)
    this.changed()
  }

  /** The running query holds `bytes` now. */
  set(bytes: number): void {
    const kib = Math.ceil(bytes / KiB)
    const delta = kib - Atomics.exchange(this.words, this.at + HELD, kib)
    if (delta === 0) return
    Atomics.add(this.words, TOTAL, delta)
    if (delta < 0) this.changed()
  }

  /** The running query is the oldest running one: it never waits. */
  private oldest(): boolean {
    const mine = Atomics.load(this.words, this.at + TICKET)
    for (let at = HEADER; at < this.words.length; at += 2) {
      const other = Atomics.load(this.words, at + TICKET)
      if (other !== 0 && other < mine) return false
    }
    return true
  }

  /** The running query must wait at its pace: the total is past the bound (or queries are held), and an older query runs. */
  mustWait(): boolean {
    return (this.bytes > this.maxBytes || this.holding) && !this.oldest()
  }

  /**
   * Waits while mustWait(), woken at every release, calling `check` (which throws on the
   * query's deadline or cancellation) at least every QUERY_HOLD_SLICE_MS. Asynchronous, so the
   * thread still takes its messages (a cancellation) meanwhile. Returns the milliseconds waited.
   */
  async wait(check: () => void): Promise<number> {
    const began = performance.now()
    if (this.mustWait()) Atomics.add(this.words, PACED, 1)
    while (this.mustWait()) {
      const seen = Atomics.load(this.words, CHANGES)
      const waited = Atomics.waitAsync(this.words, CHANGES, seen, QUERY_HOLD_SLICE_MS)
      if (waited.async) await waited.value
      check()
    }
    return performance.now() - began
  }
}
