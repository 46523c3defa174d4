/**
 * @module query/yield-gate
 * A query thread's pause for ingest. `blazedb serve` gives its query threads the intake's count
 * of export requests in flight, in shared memory (ingest/inflight.ts); at every `Budget.pace()`
 * (between batches, and every PACE_ROWS rows inside operators) a thread waits while the count is
 * above 0, blocked in Atomics.wait (no CPU), woken as soon as it falls. A lower niceness alone
 * leaves each step of an export (read, decode, append, answer: several thread hops) waiting for
 * a query thread's time slice, and the queries' garbage collection on helper threads of normal
 * priority. A thread pauses for at most `share` times as long as it ran since (at most `maxMs`
 * at once), so that under ingest that never stops, queries still progress.
 */
import { QUERY_YIELD_MAX_MS, QUERY_YIELD_SHARE } from './limits.ts'

/**
 * The gate over `busy[0]`: a function that returns once the count is 0 or the pause allowance
 * is spent.
 * @example setPaceGate(yieldGate(workerData.yieldTo))
 */
export function yieldGate(busy: Int32Array, share = QUERY_YIELD_SHARE, maxMs = QUERY_YIELD_MAX_MS, now: () => number = () => performance.now()): () => void {
  let allowance = maxMs
  let last = now()
  return () => {
    const t = now()
    allowance = Math.min(maxMs, allowance + (t - last) * share)
    last = t
    for (;;) {
      const n = Atomics.load(busy, 0)
      if (n <= 0 || allowance <= 0) return
      Atomics.wait(busy, 0, n, allowance)
      const after = now()
      allowance -= after - last
      last = after
    }
  }
}
