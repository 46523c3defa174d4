/**
 * @module query/cpu-share
 * The query threads' share of the CPU while ingest has work. The yield gate (yield-gate.ts)
 * pauses a thread while an export is in flight, but under a steady stream of exports it still
 * lets every thread run half the time, and the threads that help a scan run too: with faster
 * queries that is most of two cores. Here all the threads of a pool draw on one allowance, in
 * shared memory, of `rate` milliseconds of CPU per millisecond of wall time (e.g. 0.5: half a
 * core, whatever the number of threads), counted with each thread's own CPU clock at every pace
 * (process.threadCpuUsage: the thread's own query and the blocks it decodes to help another).
 *
 * The allowance is a virtual clock (GCRA): each charge of `c` ms of CPU moves it `c / rate` ms on,
 * from no earlier than `burstMs / rate` ms before the thread's previous charge (when it began
 * to use that CPU); a thread that finds it ahead of the wall clock
 * sleeps until the wall clock catches up (slices of at most `maxPauseMs`, at most `maxWaitMs` in
 * one call, so that a query past its deadline stops in time). It only runs while
 * ingest has work: an export was seen working (the intake's count above 0) within `quietMs`.
 * Otherwise a pace reads no CPU clock and charges nothing, and queries alone run at full speed.
 *
 * Not counted: V8's garbage-collection helper threads, shared by every thread of the process
 * (Node gives a worker no V8 flags of its own), so a query's collections are not told apart from
 * ingest's; the default rate leaves room for them (limits.ts QUERY_CPU_SHARE).
 */

import { threadCpuMs } from './yield-gate.ts'

/** Slots of the shared ledger (BigInt64, microseconds on the shared wall clock). */
const TAT = 0
const LAST_BUSY = 1

/** Clocks of the share, in milliseconds: a wall clock every thread of the process reads alike, and this thread's CPU time. */
export interface ShareClocks {
  wall(): number
  cpu(): number
  sleep(ms: number): void
}

const sleeper = new Int32Array(new SharedArrayBuffer(4))

const THREAD_CLOCKS: ShareClocks = {
  // performance.now() counts from each thread's own start: timeOrigin makes it the process's.
  wall: () => performance.timeOrigin + performance.now(),
  cpu: threadCpuMs,
  sleep: (ms) => void Atomics.wait(sleeper, 0, 0, ms),
}

export interface CpuShareOptions {
  /** CPU milliseconds all threads together may use per millisecond of wall time while ingest works. */
  rate: number
  /** CPU milliseconds a thread may spend at once after a quiet spell, before it is paced. */
  burstMs: number
  /** Milliseconds without an export seen working after which ingest counts as quiet. */
  quietMs: number
  /** Longest single sleep; the thread looks again whether ingest went quiet after each. */
  maxPauseMs: number
  /** Longest wait in one call: the query checks its deadline and cancellation between calls,
   * and what is still owed is waited for at the next. */
  maxWaitMs: number
}

/** The ledger the threads of one pool share: made by the pool, handed to each thread. */
export function cpuShareLedger(): BigInt64Array<SharedArrayBuffer> {
  return new BigInt64Array(new SharedArrayBuffer(16))
}

const us = (ms: number): bigint => BigInt(Math.round(ms * 1000))

/**
 * This thread's side of the share: a function for every pace (and every block a helper decodes)
 * that charges the CPU used since the last call, and sleeps while the pool is over its allowance.
 * @example setPaceGate(cpuShareGate(data.cpuLedger, data.yieldTo, { rate: 0.5, burstMs: 30, quietMs: 250, maxPauseMs: 20, maxWaitMs: 200 }))
 */
export function cpuShareGate(ledger: BigInt64Array, busy: Int32Array, options: CpuShareOptions, clocks: ShareClocks = THREAD_CLOCKS): () => void {
  const { rate, burstMs, quietMs, maxPauseMs, maxWaitMs } = options
  const quiet = us(quietMs)
  const slack = us(burstMs / rate)
  /** This thread's CPU clock at its last charge; undefined while ingest was quiet (nothing charged). */
  let ran: number | undefined
  /** The wall clock then: the CPU charged now was used since, when the credit was at most the burst. */
  let ranAt = 0n
  const active = (now: bigint): boolean => {
    if (Atomics.load(busy, 0) > 0) {
      Atomics.store(ledger, LAST_BUSY, now)
      return true
    }
    return now - Atomics.load(ledger, LAST_BUSY) < quiet
  }
  return () => {
    let now = us(clocks.wall())
    if (!active(now)) {
      ran = undefined
      return
    }
    const cpu = clocks.cpu()
    const spent = ran === undefined ? 0 : cpu - ran
    const since = ran === undefined ? now : ranAt
    ran = cpu
    let due: bigint
    for (;;) {
      const tat = Atomics.load(ledger, TAT)
      const from = tat > since - slack ? tat : since - slack
      due = from + us(spent / rate)
      if (Atomics.compareExchange(ledger, TAT, tat, due) === tat) break
    }
    const until = now + us(maxWaitMs)
    if (due > until) due = until
    while (due > now) {
      clocks.sleep(Math.min(maxPauseMs, Number(due - now) / 1000))
      now = us(clocks.wall())
      if (!active(now)) break
    }
    ranAt = now
  }
}
