/**
 * @module query/budget
 * The memory budget and deadline of one query. Operators that buffer (sort, stats, join)
 * report the bytes they hold; going over the budget fails the query with MEMORY_LIMIT rather
 * than exhausting the process. Sizes are estimates (limits.ts), not heap measurements.
 */
import { QueryError } from './errors.ts'

export class Budget {
  readonly maxBytes: number
  private readonly held = new Map<object, number>()
  private total = 0
  private readonly deadline: number
  private readonly timeoutMs: number
  private readonly cancel?: AbortSignal
  /** Aborts when the caller cancels or the time limit passes: handed to Store.scan. */
  readonly signal: AbortSignal

  constructor(maxBytes: number, timeoutMs: number, cancel?: AbortSignal) {
    this.maxBytes = maxBytes
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
  }

  /** Throws CANCELLED or TIMEOUT when the query must stop. Called once per batch. */
  check(): void {
    if (this.cancel?.aborted === true) throw new QueryError('CANCELLED', 'cannot finish query: it was cancelled', { cause: this.cancel.reason })
    if (performance.now() > this.deadline || this.signal.aborted) throw new QueryError('TIMEOUT', `cannot finish query: it ran longer than its limit of ${this.timeoutMs} ms`)
  }

  /** Bytes held now, for the execution statistics. */
  get bytes(): number {
    return this.total
  }
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1)
}
