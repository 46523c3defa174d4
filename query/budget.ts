/**
 * @module query/budget
 * The memory budget and deadline of one query. Operators that buffer (sort, stats, join)
 * report the bytes they hold; going over the budget fails the query with MEMORY_LIMIT rather
 * than exhausting the process. Sizes are estimates (limits.ts), not heap measurements.
 * Queries share the event loop with ingest and /healthz: `pace()` is where a query checks its
 * clock and lets them run (every batch, and every PACE_ROWS rows inside operators).
 * On a query thread the bytes also count toward the bound on all running queries together
 * (query-memory.ts): past it a query fails when it alone cannot fit, else it may wait at a pace.
 */
import { QueryError } from './errors.ts'
import { PACE_SLICE_MS } from './limits.ts'
import type { QueryMemorySlot } from './query-memory.ts'

/** Called at every `pace()` of this thread (setPaceGate); a query thread pauses in it while ingest works. */
let paceGate: (() => void) | undefined

/** Installs the function every `pace()` of this thread calls first (query threads: query-worker.ts). */
export function setPaceGate(gate: (() => void) | undefined): void {
  paceGate = gate
}

export class Budget {
  readonly maxBytes: number
  private readonly held = new Map<object, number>()
  private total = 0
  private readonly deadline: number
  private readonly timeoutMs: number
  private readonly cancel?: AbortSignal
  /** When the query last let other work run (pace). */
  private sliceStart = performance.now()
  /** Aborts when the caller cancels or the time limit passes: handed to Store.scan. */
  readonly signal: AbortSignal
  /** The thread's share of the bound on all running queries' memory, when on a query thread. */
  private readonly shared?: QueryMemorySlot
  /** Milliseconds spent waiting at paces for other queries to let memory go. */
  heldMs = 0

  constructor(maxBytes: number, timeoutMs: number, cancel?: AbortSignal, shared?: QueryMemorySlot) {
    this.maxBytes = maxBytes
    this.shared = shared
    this.timeoutMs = timeoutMs
    this.deadline = performance.now() + timeoutMs
    this.cancel = cancel
    const timeout = AbortSignal.timeout(timeoutMs)
    this.signal = cancel === undefined ? timeout : AbortSignal.any([cancel, timeout])
  }

  /**
   * Records that `owner` now holds `bytes`; throws MEMORY_LIMIT when all owners together
   * exceed the budget. `what` names the operator for the message.
   * @example budget.set(this, rows * BYTES_PER_CELL, 'sort')
   */
  set(owner: object, bytes: number, what: string): void {
    this.total += bytes - (this.held.get(owner) ?? 0)
    this.held.set(owner, bytes)
    if (this.total > this.maxBytes) {
      throw new QueryError(
        'MEMORY_LIMIT',
        `cannot run query: ${what} needs about ${mib(this.total)} MiB, over the limit of ${mib(this.maxBytes)} MiB; narrow the time range, filter first, or lower the number of groups`,
      )
    }
    const shared = this.shared
    if (shared === undefined) return
    if (this.total > shared.maxBytes) {
      throw new QueryError(
        'MEMORY_LIMIT',
        `cannot run query: ${what} needs about ${mib(this.total)} MiB, over the ${mib(shared.maxBytes)} MiB all running queries share (a share of memoryLimit), so it cannot run even alone; narrow the time range, filter first, or lower the number of groups`,
      )
    }
    shared.set(this.total)
  }

  /** Throws CANCELLED or TIMEOUT when the query must stop. */
  check(): void {
    if (this.cancel?.aborted === true) throw new QueryError('CANCELLED', 'cannot finish query: it was cancelled', { cause: this.cancel.reason })
    if (performance.now() > this.deadline || this.signal.aborted) throw new QueryError('TIMEOUT', `cannot finish query: it ran longer than its limit of ${this.timeoutMs} ms`)
  }

  /**
   * Throws like `check()`; when the query has held the event loop for PACE_SLICE_MS, first
   * waits one turn of the loop (setImmediate, after pending I/O) so that other requests are
   * answered. Operators call it between batches and every PACE_ROWS rows they produce.
   * @example for (const chunk of chunks) { yield chunk; await budget.pace() }
   */
  async pace(): Promise<void> {
    paceGate?.()
    this.check()
    // Past the bound on all running queries (or held by the memory guard): an older query goes first.
    if (this.shared?.mustWait() === true) {
      this.heldMs += await this.shared.wait(() => this.check())
      this.sliceStart = performance.now()
    }
    if (!this.due()) return
    await new Promise<void>((resolve) => setImmediate(resolve))
    this.sliceStart = performance.now()
    this.check()
  }

  /** True when the query has run PACE_SLICE_MS since it last let others run (cheap to poll). */
  due(): boolean {
    return performance.now() - this.sliceStart >= PACE_SLICE_MS
  }

  /** Bytes held now, for the execution statistics. */
  get bytes(): number {
    return this.total
  }
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1)
}
