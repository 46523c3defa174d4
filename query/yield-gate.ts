/**
 * @module query/yield-gate
 * A query thread's pause for ingest. `blazedb serve` gives its query threads the intake's count
 * of export requests with work for the CPU now, in shared memory (ingest/inflight.ts `working`:
 * from a request's body read until its log record is written out, not while it waits for the
 * network or the disk); at every `Budget.pace()` (between batches, and every PACE_ROWS rows
 * inside operators) a thread waits while the count is above 0, blocked in Atomics.wait (no
 * CPU), woken as soon as it falls. A lower niceness alone leaves each step of an export (read,
 * decode, append: several thread hops) waiting for a query thread's time slice, and the
 * queries' garbage collection on helper threads of normal priority.
 *
 * The pause is bounded by a share of the CPU time the thread had since (`share` times as long
 * as it ran, at most `maxMs` at once), so that under ingest that never stops queries still
 * progress: for each millisecond paused, a query had at least 1/share of a millisecond of CPU.
 * CPU time rather than elapsed time: a thread kept off the CPU by other work (it runs at a
 * lower niceness) earns no pause for that time, which would starve it twice.
 */
import { QUERY_YIELD_MAX_MS, QUERY_YIELD_SHARE } from './limits.ts'

/** Clocks of the gate, in milliseconds: elapsed time (pauses are spent in it) and this thread's CPU time (pauses are earned in it). */
export interface GateClocks {
  now(): number
  cpu(): number
}

/** This thread's CPU time (user and system), milliseconds. */
export function threadCpuMs(): number {
  const { user, system } = process.threadCpuUsage()
  return (user + system) / 1000
}

const THREAD_CLOCKS: GateClocks = { now: () => performance.now(), cpu: threadCpuMs }

/**
 * The gate over `busy[0]`: a function that returns once the count is 0 or the pause allowance
 * is spent.
 * @example setPaceGate(yieldGate(workerData.yieldTo))
 */
export function yieldGate(busy: Int32Array, share = QUERY_YIELD_SHARE, maxMs = QUERY_YIELD_MAX_MS, clocks: GateClocks = THREAD_CLOCKS): () => void {
  let allowance = maxMs
  let ran = clocks.cpu()
  return () => {
    // Nothing to wait for: no clock read (a pace comes every batch).
    if (Atomics.load(busy, 0) <= 0) return
    const cpu = clocks.cpu()
    allowance = Math.min(maxMs, allowance + (cpu - ran) * share)
    ran = cpu
    let last = clocks.now()
    for (;;) {
      const n = Atomics.load(busy, 0)
      if (n <= 0 || allowance <= 0) return
      Atomics.wait(busy, 0, n, allowance)
      const after = clocks.now()
      allowance -= after - last
      last = after
    }
  }
}
