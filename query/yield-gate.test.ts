/**
 * A query thread's pause for ingest: none while the count is 0, a wait while it is above 0 that
 * ends when another thread lowers it, and never longer than the allowance earned by the CPU time
 * the thread had.
 */
import { Worker } from 'node:worker_threads'
import { describe, expect, test } from 'vitest'
import { yieldGate } from './yield-gate.ts'

const counter = (value: number): Int32Array => {
  const a = new Int32Array(new SharedArrayBuffer(8))
  a[0] = value
  return a
}

describe('yieldGate', () => {
  test('does not wait while nothing is in flight', () => {
    const busy = counter(0)
    const gate = yieldGate(busy, 1, 60_000)
    const t = performance.now()
    gate()
    expect(performance.now() - t).toBeLessThan(1_000)
  })

  test('waits while the count is above 0 and wakes when another thread lowers it', async () => {
    const busy = counter(1)
    // The other thread waits for the gate to be entered (busy[1] = 1), then ends the request.
    const worker = new Worker(
      `const { workerData } = require('node:worker_threads')
       const a = workerData
       while (Atomics.load(a, 1) === 0) Atomics.wait(a, 1, 0, 10)
       Atomics.sub(a, 0, 1)
       Atomics.notify(a, 0)`,
      { eval: true, workerData: busy },
    )
    const exited = new Promise((resolve) => worker.once('exit', resolve))
    try {
      const gate = yieldGate(busy, 1, 60_000)
      Atomics.store(busy, 1, 1)
      Atomics.notify(busy, 1)
      const t = performance.now()
      gate()
      // Woken by the other thread, long before the 60 s allowance.
      expect(Atomics.load(busy, 0)).toBe(0)
      expect(performance.now() - t).toBeLessThan(30_000)
    } finally {
      await exited
    }
  })

  test('pauses no longer than its allowance, which grows with the CPU time the thread has', () => {
    const busy = counter(1)
    // The thread's CPU time is simulated (`ran`); waits are real.
    let ran = 0
    const gate = yieldGate(busy, 0.5, 300, { now: () => performance.now(), cpu: () => ran })
    const waited = (): number => {
      const t = performance.now()
      gate()
      return performance.now() - t
    }
    // A full allowance at first, then none left, then half of the 200 ms the thread ran.
    expect(waited()).toBeGreaterThanOrEqual(290)
    expect(waited()).toBeLessThan(150)
    ran += 200
    const third = waited()
    expect(third).toBeGreaterThanOrEqual(50)
    expect(third).toBeLessThan(290)
    expect(busy[0]).toBe(1)
  })

  test('earns no pause for time it spent off the CPU', () => {
    const busy = counter(1)
    let ran = 0
    let offCpu = 0
    // Elapsed time moves on (the thread waited for a core) while its CPU time does not.
    const gate = yieldGate(busy, 1, 300, { now: () => performance.now() + offCpu, cpu: () => ran })
    gate()
    offCpu += 10_000
    const t = performance.now()
    gate()
    expect(performance.now() - t).toBeLessThan(250)
    // 100 ms on the CPU earn up to 100 ms of pause.
    ran += 100
    const u = performance.now()
    gate()
    const waited = performance.now() - u
    expect(waited).toBeGreaterThanOrEqual(90)
    expect(waited).toBeLessThan(290)
  })
})
