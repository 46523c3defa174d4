/**
 * The query threads' CPU share under ingest (cpu-share.ts): threads simulated on clocks of their
 * own keep together to the rate while exports keep coming, and are not paced when none come or
 * once they stop; real query threads held to a small share by an ingest that never stops use
 * about that much CPU (measured in /proc) and still answer, the same as in-process.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openEngine, type Engine } from '../storage/index.ts'
import { HOUR, MINUTE, T0, makeSpans } from '../test/support/telemetry.ts'
import { HAS_THREAD_STATS, threadIds, threadStat } from '../test/support/thread-stat.ts'
import { waitFor } from '../test/support/wait-for.ts'
import { cpuShareGate, cpuShareLedger, type CpuShareOptions } from './cpu-share.ts'
import { runQuery } from './engine.ts'
import { QUERY_CPU_BURST_MS, QUERY_THREAD_NICE } from './limits.ts'
import { createQueryService } from './query-service.ts'

const OPTIONS: CpuShareOptions = { rate: 0.5, burstMs: 30, quietMs: 250, maxPauseMs: 20, maxWaitMs: 200 }
/** Simulated wall clocks start here (any time well past the quiet span works). */
const EPOCH = 1_000_000

/**
 * `threads` threads, each on a core of its own, that work in steps of 1 ms of CPU with a pace
 * before each, from EPOCH to EPOCH + `ms`; `busy(wall)` is the count of exports working. Steps
 * run in wall-clock order, so the shared ledger sees them as real threads would. Returns each
 * thread's CPU ms, and the CPU ms spent from `after` on.
 */
function simulate(threads: number, ms: number, busy: (wall: number) => number, options = OPTIONS, after = Infinity): { cpu: number[]; late: number } {
  const ledger = cpuShareLedger()
  const count = new Int32Array(new SharedArrayBuffer(4))
  const state = Array.from({ length: threads }, () => ({ wall: EPOCH, cpu: 0 }))
  const gates = state.map((s) => cpuShareGate(ledger, count, options, { wall: () => s.wall, cpu: () => s.cpu, sleep: (d) => void (s.wall += d) }))
  let late = 0
  for (;;) {
    const i = state.reduce((best, s, k) => (s.wall < state[best].wall ? k : best), 0)
    const s = state[i]
    if (s.wall >= EPOCH + ms) break
    Atomics.store(count, 0, busy(s.wall - EPOCH))
    gates[i]()
    if (s.wall >= EPOCH + ms) continue
    s.wall += 1
    s.cpu += 1
    if (s.wall - EPOCH > after) late += 1
  }
  return { cpu: state.map((s) => s.cpu), late }
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)

describe('cpuShareGate on simulated clocks', () => {
  it('holds one thread, and two together, to the rate while exports keep coming', () => {
    for (const threads of [1, 2]) {
      const { cpu } = simulate(threads, 10_000, () => 1)
      // 0.5 ms a ms over 10 s, plus the burst allowed at the start.
      expect(sum(cpu), `${threads} threads`).toBeGreaterThanOrEqual(0.5 * 10_000 * 0.95)
      expect(sum(cpu), `${threads} threads`).toBeLessThanOrEqual(0.5 * 10_000 + OPTIONS.burstMs + threads)
    }
    // Two threads share the allowance about evenly.
    const [a, b] = simulate(2, 10_000, () => 1).cpu
    expect(Math.abs(a - b)).toBeLessThan(0.05 * (a + b))
  })

  it('counts exports working now and then as ingest at work', () => {
    // An export working 2 ms of every 10 (the pace sees it only then) still paces the threads.
    const { cpu } = simulate(2, 10_000, (t) => (t % 10 < 2 ? 1 : 0))
    expect(sum(cpu)).toBeLessThanOrEqual(0.5 * 10_000 + OPTIONS.burstMs + 2)
  })

  it('waits at most maxWaitMs in one call, and what is owed at the calls after', () => {
    const ledger = cpuShareLedger()
    const count = new Int32Array(new SharedArrayBuffer(4))
    Atomics.store(count, 0, 1)
    const s = { wall: EPOCH, cpu: 0 }
    const gate = cpuShareGate(ledger, count, OPTIONS, { wall: () => s.wall, cpu: () => s.cpu, sleep: (d) => void (s.wall += d) })
    gate()
    // 400 ms of CPU between two paces (a long stretch with no check) owe 800 ms at a rate of 0.5.
    s.cpu += 400
    s.wall += 400
    const waits: number[] = []
    for (let i = 0; i < 6; i++) {
      const before = s.wall
      gate()
      waits.push(s.wall - before)
    }
    expect(waits.every((w) => w <= OPTIONS.maxWaitMs + 1e-6), String(waits)).toBe(true)
    expect(waits.slice(0, 4).reduce((a, b) => a + b, 0)).toBeCloseTo(800 - 400 - OPTIONS.burstMs / OPTIONS.rate, 0)
    expect(waits[5]).toBe(0)
  })

  it('does not pace threads while no export works, nor once exports have stopped for the quiet span', () => {
    expect(simulate(2, 5_000, () => 0).cpu).toEqual([5_000, 5_000])
    // Exports for 3 s, then none: from the quiet span after, both threads run all the time.
    const { cpu, late } = simulate(2, 6_000, (t) => (t < 3_000 ? 1 : 0), OPTIONS, 3_000 + OPTIONS.quietMs + OPTIONS.maxPauseMs)
    expect(late).toBe(2 * (6_000 - 3_000 - OPTIONS.quietMs - OPTIONS.maxPauseMs))
    expect(sum(cpu)).toBeLessThan(2 * 6_000 - 2 * 3_000 * 0.5)
  })
})

const threadCpuMs = (tid: string): number => threadStat(tid)?.cpuMs ?? 0

describe.skipIf(!HAS_THREAD_STATS)('query threads under an ingest that never stops', () => {
  let dir: string
  let engine: Engine

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'blazedb-cpu-share-'))
    engine = await openEngine({ dataDir: dir, password: 'test', background: false })
    for (let i = 0; i < 6; i++) {
      await engine.append('default', makeSpans(20_000, { start: T0 + BigInt(i) * 20n * MINUTE, step: 50_000_000n, firstSeq: i * 20_000, firstTrace: i * 5_000, seed: i + 1 }))
      await engine.flush()
    }
  })
  afterAll(async () => {
    await engine?.close()
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })

  it('keep together to their CPU share, and still answer, the same', async () => {
    const share = 0.05
    const rate = share * availableParallelism()
    const inflight = new Int32Array(new SharedArrayBuffer(4))
    Atomics.store(inflight, 0, 1)
    const others = new Set(threadIds())
    const queries = createQueryService({ store: engine, threads: 2, yieldTo: inflight, cpuShare: share })
    const range = { start: T0, end: T0 + 2n * HOUR }
    const texts = ['spans | stats count(), percentile(duration, 99) by service.name, name | sort service.name, name', 'spans | where duration > 1ms | stats count() by bin(time, 1m) | sort time']
    const expected = await Promise.all(texts.map(async (text) => (await runQuery(text, { store: engine, ...range })).rows))
    try {
      const mine = () => threadIds().filter((t) => !others.has(t) && threadStat(t)?.nice === QUERY_THREAD_NICE)
      await waitFor('both query threads have started', () => mine().length === 2, 30_000, 1)
      const threads = mine()
      // Warm: the first runs load code, outside what is measured.
      for (let k = 0; k < texts.length; k++) expect((await queries.run(texts[k], range)).rows).toEqual(expected[k])
      const cpuBefore = sum(threads.map(threadCpuMs))
      const began = performance.now()
      let answered = 0
      // Two clients back to back for 3 s of wall time, each answer checked.
      await Promise.all(texts.map(async (text, k) => {
        while (performance.now() - began < 3_000) {
          expect((await queries.run(text, range)).rows).toEqual(expected[k])
          answered++
        }
      }))
      const wall = performance.now() - began
      const cpu = sum(threads.map(threadCpuMs)) - cpuBefore
      expect(answered).toBeGreaterThanOrEqual(2)
      // Within twice the share, the burst and the clock's ticks; unpaced, the threads would take
      // half of each core's time at least (the yield gate alone) wherever they are not crowded out.
      expect(cpu, `${cpu} ms of CPU in ${wall.toFixed(0)} ms, ${answered} answers`).toBeLessThanOrEqual(2 * rate * wall + 2 * QUERY_CPU_BURST_MS + 100)
    } finally {
      await queries.close()
    }
  })
})
