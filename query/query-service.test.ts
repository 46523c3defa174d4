/**
 * The query service: answers from query threads over an engine's parts and head equal the
 * in-process ones; the time limit and cancellation hold on a thread, cooperatively and by
 * terminating a thread that cannot stop; a thread that fails answers with an error and is
 * replaced; close fails queries in flight and in the queue; threads that pause for ingest
 * still answer; a text runs again on the thread that ran it when that one is free, never waits
 * for it, and runs on a thread that replaced it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BroadcastChannel } from 'node:worker_threads'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryStore, openEngine, type Engine } from '../storage/index.ts'
import { HOUR, MINUTE, T0, makeLogs, makePoints, makeSpans } from '../test/support/telemetry.ts'
import { HAS_THREAD_STATS, threadIds, threadStat } from '../test/support/thread-stat.ts'
import { waitFor } from '../test/support/wait-for.ts'
import { runQuery } from './engine.ts'
import { QueryError } from './errors.ts'
import { QUERY_THREAD_NICE } from './limits.ts'
import { createQueryApi } from './api.ts'
import { createQueryService, type QueryService } from './query-service.ts'
import { BothWays } from './testdata/both-ways.ts'
import { THREAD_LOG_CHANNEL } from './testdata/thread-log.ts'

const FAULTY = new URL('./testdata/faulty-query-worker.ts', import.meta.url)
const SLOW_SCAN = new URL('./testdata/slow-scan-query-worker.ts', import.meta.url)
const THREAD_LOG = new URL('./testdata/thread-log-query-worker.ts', import.meta.url)

/** The threads that take queries, in order (thread-log-query-worker.ts); `close` when done. */
function threadLog(): { runs: { threadId: number; query: string }[]; close(): void } {
  const channel = new BroadcastChannel(THREAD_LOG_CHANNEL)
  const runs: { threadId: number; query: string }[] = []
  channel.onmessage = (event) => runs.push((event as { data: { threadId: number; query: string } }).data)
  return { runs, close: () => channel.close() }
}

async function failure(p: Promise<unknown>): Promise<Error> {
  const e = await p.then(() => undefined, (error: unknown) => error)
  expect(e).toBeInstanceOf(Error)
  return e as Error
}

describe('answers from query threads over parts and the head', () => {
  let dir: string
  let engine: Engine
  const ways = new BothWays()

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'blazedb-query-threads-'))
    engine = await openEngine({ dataDir: dir, password: 'test', background: false })
    // Two hours of spans in parts (two partitions, several parts), a few minutes more in the head.
    for (let i = 0; i < 6; i++) {
      await engine.append('default', makeSpans(3000, { start: T0 + BigInt(i) * 20n * MINUTE, step: 200_000_000n, firstSeq: i * 3000, firstTrace: i * 1000, seed: i + 1 }))
      await engine.append('default', makeLogs(2000, T0 + BigInt(i) * 20n * MINUTE, 300_000_000n, i * 2000))
      if (i < 5) await engine.flush()
    }
    await engine.append('default', makePoints(2000))
    // Points between those of the same series: a counter panel walking batches as they come
    // gives up and reads its snapshot again (series-stats.ts).
    await engine.append('default', makePoints(200, T0 + 7_500_000_000n))
    ways.open(engine)
  })
  afterAll(async () => {
    await ways.close()
    await engine.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it.each([
    'spans | stats count(), avg(duration), percentile(duration, 99) by service.name, name | sort service.name, name',
    'spans | where status = "error" | stats count() by bin(time, 10m) | sort time',
    'spans | sort duration desc | limit 7 | select trace_id, span_id, duration',
    'spans | where attr.http.response.status_code >= 500 | stats count() by name',
    'logs | where body contains "timeout" | stats count() by service.name',
    'logs | where severity_number >= 17 | join spans as s on trace_id | stats count() by s.name | sort s.name',
    'spans | join spans as t on trace_id | stats count()',
    'metrics | where metric.name = "requests" | stats sum(value) by attr.route | sort attr.route',
    'metrics | where metric.name = "requests" | stats increase(value), rate(value) by attr.route, bin(time, 10m) | sort attr.route, time',
    'trace "0a0c0000000000000000000000000001"',
    'spans | limit 5',
  ])('%s', async (query) => {
    await ways.run(query, { start: T0, end: T0 + 3n * HOUR })
  })

  it('threads share one block cache: a query reads nothing from disk that another thread decoded', async () => {
    const queries = createQueryService({ store: engine, threads: 2, stopGraceMs: 120_000 })
    // Each blocker holds one thread, so that the query runs on the other one.
    const block = () => {
      const controller = new AbortController()
      const answer = failure(queries.run('spans | join spans as t on service.name | stats count()', { signal: controller.signal, limits: { maxMemoryBytes: 1e12 } }))
      return { answer, stop: () => controller.abort() }
    }
    const text = 'spans | stats max(duration), count() by name | sort name'
    const range = { start: T0, end: T0 + 2n * HOUR }
    try {
      const first = block()
      await waitFor('a blocker holds one thread', () => queries.status().running === 1, 30_000, 1)
      const cold = await queries.run(text, range)
      expect(cold.stats.bytesScanned).toBeGreaterThan(0)
      const second = block()
      await waitFor('a blocker holds each thread', () => queries.status().running === 2, 30_000, 1)
      first.stop()
      expect(((await first.answer) as QueryError).code).toBe('CANCELLED')
      // The one free thread is the one that did not run the query before.
      const warm = await queries.run(text, range)
      expect(warm.rows).toEqual(cold.rows)
      expect(warm.stats.bytesScanned).toBe(0)
      second.stop()
      await second.answer
      expect(queries.status().restarts).toBe(0)
    } finally {
      await queries.close()
    }
  })

  it('a query alone scans on every thread: an idle thread decodes its blocks from the other end', async () => {
    // Its scans wait, after their first block, for a chunk of their last part from the helper.
    const queries = createQueryService({ store: engine, threads: 2, workerUrl: SLOW_SCAN })
    try {
      const text = 'spans | stats count(), min(duration) by name | sort name'
      const range = { start: T0, end: T0 + 2n * HOUR }
      const answer = await queries.run(text, range)
      expect(answer.rows).toEqual((await runQuery(text, { store: engine, ...range })).rows)
      await waitFor('the helper to report what it decoded', () => queries.status().warmed > 0, 30_000, 1)
      // Helpers stop when the query ends; the next query runs on either thread.
      expect((await queries.run('spans | stats count()', range)).rows).toEqual((await runQuery('spans | stats count()', { store: engine, ...range })).rows)
      expect(queries.status()).toMatchObject({ running: 0, restarts: 0 })
    } finally {
      await queries.close()
    }
  })

  it('threads pausing for ingest that never stops (yieldTo held above 0) still answer, the same', async () => {
    const inflight = new Int32Array(new SharedArrayBuffer(4))
    Atomics.store(inflight, 0, 1)
    const queries = createQueryService({ store: engine, threads: 2, yieldTo: inflight })
    try {
      const range = { start: T0, end: T0 + 2n * HOUR }
      for (const text of ['spans | stats count(), percentile(duration, 99) by service.name | sort service.name', 'logs | where severity_number >= 17 | join spans as s on trace_id | stats count() by s.name | sort s.name']) {
        expect((await queries.run(text, range)).rows).toEqual((await runQuery(text, { store: engine, ...range })).rows)
      }
    } finally {
      await queries.close()
    }
  })

  it('a text runs again on the thread that ran it last, and at once on another when that one is busy', async () => {
    const queries = createQueryService({ store: engine, threads: 2, workerUrl: THREAD_LOG, stopGraceMs: 120_000 })
    const log = threadLog()
    const blocker = 'spans | join spans as t on service.name | stats count()'
    const block = () => {
      const controller = new AbortController()
      const answer = failure(queries.run(blocker, { signal: controller.signal, limits: { maxMemoryBytes: 1e12 } }))
      return { answer, stop: () => controller.abort() }
    }
    const text = 'spans | stats count(), max(duration) by service.name | sort service.name'
    const range = { start: T0, end: T0 + 2n * HOUR }
    const expected = (await runQuery(text, { store: engine, ...range })).rows
    try {
      // A blocker holds one thread, so the text first runs on the other.
      const first = block()
      await waitFor('a blocker holds one thread', () => queries.status().running === 1, 30_000, 1)
      expect((await queries.run(text, range)).rows).toEqual(expected)
      first.stop()
      expect(((await first.answer) as QueryError).code).toBe('CANCELLED')
      // Both threads are free: the text goes back to its thread each time.
      for (let i = 0; i < 3; i++) expect((await queries.run(text, range)).rows).toEqual(expected)
      await waitFor('every run is logged', () => log.runs.length === 5, 30_000, 1)
      // Threads log a query when they get to it: not necessarily in the order they took them.
      const blockerThread = log.runs.find((r) => r.query === blocker)!.threadId
      const textThreads = log.runs.filter((r) => r.query === text).map((r) => r.threadId)
      expect(new Set(textThreads)).toEqual(new Set([textThreads[0]]))
      expect(textThreads[0]).not.toBe(blockerThread)
      expect(queries.status().affine).toBe(3)
      // The blocker's thread is busy with it: the same text again does not wait for that thread.
      const again = block()
      await waitFor('the blocker runs on its thread', () => queries.status().running === 1, 30_000, 1)
      const other = block()
      await waitFor('the second runs at once on the other thread', () => queries.status().running === 2, 30_000, 1)
      expect(queries.status().queued).toBe(0)
      again.stop()
      other.stop()
      await Promise.all([again.answer, other.answer])
      await waitFor('every run is logged', () => log.runs.length === 7, 30_000, 1)
      expect(new Set(log.runs.filter((r) => r.query === blocker).map((r) => r.threadId))).toEqual(new Set([blockerThread, textThreads[0]]))
      // The first went back to the blocker's thread, the second took the other one.
      expect(queries.status()).toMatchObject({ affine: 4, restarts: 0 })
    } finally {
      log.close()
      await queries.close()
    }
  })

  it('a text whose thread died runs on the thread that replaced it, with the same answer', async () => {
    const queries = createQueryService({ store: engine, threads: 1, workerUrl: THREAD_LOG })
    const log = threadLog()
    const text = 'spans | where attr.http.response.status_code >= 500 | stats count() by name | sort name'
    const range = { start: T0, end: T0 + 2n * HOUR }
    const expected = (await runQuery(text, { store: engine, ...range })).rows
    try {
      expect((await queries.run(text, range)).rows).toEqual(expected)
      // The thread throws once the query has started; a query this small may have answered first.
      await queries.run('spans | where name = "crash-thread" | stats count() by span_id').catch((error: Error) => expect(error.message).toBe('cannot finish query: its thread failed (a fault inside the query thread)'))
      await waitFor('the thread is replaced', () => queries.status().restarts === 1, 30_000, 1)
      expect((await queries.run(text, range)).rows).toEqual(expected)
      await waitFor('every run is logged', () => log.runs.length === 3, 30_000, 1)
      expect(log.runs[2].threadId).not.toBe(log.runs[0].threadId)
      expect(queries.status().affine).toBe(1)
    } finally {
      log.close()
      await queries.close()
    }
  })

  it('reads rows appended after the service started, and a range in one partition', async () => {
    await engine.append('default', makeSpans(100, { start: T0 + 2n * HOUR, firstSeq: 90_000, firstTrace: 9000 }))
    const r = await ways.run('spans | stats count()', { start: T0 + 2n * HOUR, end: T0 + 3n * HOUR })
    expect(r.rows).toEqual([[100]])
  })
})

describe('time limit, cancellation, failures and close', () => {
  const store = new MemoryStore()
  // A thread that must stop on its own (a grace no test waits for), and one whose threads fail.
  let patient: QueryService
  let service: QueryService

  beforeAll(async () => {
    // Five million rows for a query long enough to be stopped: one batch, appended many times.
    const batch = makeSpans(1000)
    for (let i = 0; i < 5_000; i++) await store.append('default', batch)
    patient = createQueryService({ store, threads: 1, stopGraceMs: 120_000 })
    service = createQueryService({ store, threads: 1, workerUrl: FAULTY })
  })
  afterAll(async () => {
    await patient.close()
    await service.close()
  })

  const HEAVY = 'spans | stats count() by span_id, name'

  it('a cancelled query stops on its thread, which stays', async () => {
    const controller = new AbortController()
    const running = patient.run(HEAVY, { signal: controller.signal, limits: { maxMemoryBytes: 1e12 } })
    await waitFor('the query runs', () => patient.status().running === 1, 30_000, 1)
    controller.abort(new Error('client went away'))
    const e = await failure(running)
    expect([(e as QueryError).code, e.message]).toEqual(['CANCELLED', 'cannot finish query: it was cancelled'])
    expect(patient.status()).toMatchObject({ running: 0, restarts: 0 })
  })

  it('a query past its time limit stops on its thread', async () => {
    const e = await failure(patient.run(HEAVY, { limits: { timeoutMs: 300, maxMemoryBytes: 1e12 } }))
    expect([(e as QueryError).code, e.message]).toEqual(['TIMEOUT', 'cannot finish query: it ran longer than its limit of 300 ms'])
    expect(patient.status().restarts).toBe(0)
  })

  it('a thread that cannot stop is terminated at its deadline and replaced', async () => {
    const e = await failure(service.run('spans | where name = "hang-thread"', { limits: { timeoutMs: 200 } }))
    expect([(e as QueryError).code, e.message]).toEqual(['TIMEOUT', 'cannot finish query: it ran longer than its limit of 200 ms'])
    expect(service.status().restarts).toBe(1)
    expect((await service.run('spans | where name = "GET /a" | limit 1')).rows.length).toBe(1)
  })

  it('a cancelled query whose thread cannot stop is answered, and the thread replaced', async () => {
    const controller = new AbortController()
    const running = service.run('spans | where name = "hang-thread"', { signal: controller.signal })
    await waitFor('the query runs', () => service.status().running === 1, 30_000, 1)
    controller.abort()
    expect(((await failure(running)) as QueryError).code).toBe('CANCELLED')
    expect(service.status().restarts).toBe(2)
  })

  it('an exception inside a thread fails its query with an error and the pool recovers', async () => {
    const e = await failure(service.run('spans | where name = "crash-thread" | stats count() by span_id', { limits: { maxMemoryBytes: 1e12 } }))
    expect(e).not.toBeInstanceOf(QueryError)
    expect(e.message).toBe('cannot finish query: its thread failed (a fault inside the query thread)')
    await waitFor('the thread is replaced', () => service.status().restarts === 3, 30_000, 1)
    expect((await service.run('spans | where name = "GET /b" | stats count()')).rows).toEqual([[5_000 * 333]])
  })

  it('close fails the running and the waiting queries and stops the threads', async () => {
    const closing = createQueryService({ store, threads: 1 })
    const queries = [closing.run(HEAVY, { limits: { maxMemoryBytes: 1e12 } }), closing.run('spans | stats count()'), closing.run('logs | stats count()')]
    const failures = queries.map(failure)
    await waitFor('a query runs', () => closing.status().running === 1, 30_000, 1)
    expect(closing.status().queued).toBe(2)
    await closing.close()
    for (const e of await Promise.all(failures)) expect([(e as QueryError).code, e.message]).toEqual(['CANCELLED', 'cannot finish query: the server is shutting down'])
    expect(((await failure(closing.run('spans | stats count()'))) as QueryError).code).toBe('CANCELLED')
  })
})

// Linux gives each thread a niceness of its own: query threads lower theirs, the others keep 0.
it.skipIf(!HAS_THREAD_STATS)('query threads run at a lower CPU priority than the thread that takes appends', async (ctx) => {
  const niceOf = (tid: string) => threadStat(tid)?.nice
  if (niceOf(String(process.pid))! >= QUERY_THREAD_NICE) ctx.skip() // the whole process runs at a lower priority already
  // Threads of the pools of earlier tests may still be exiting (and leave /proc as they are
  // read): count only the threads started since.
  const earlier = new Set(threadIds())
  const lowered = () => threadIds().filter((t) => !earlier.has(t) && niceOf(t) === QUERY_THREAD_NICE).length
  const queries = createQueryService({ store: new MemoryStore(), threads: 2 })
  try {
    await waitFor('both query threads have lowered their priority', () => lowered() === 2, 30_000, 1)
    expect(niceOf(String(process.pid))).toBeLessThan(QUERY_THREAD_NICE)
  } finally {
    await queries.close()
  }
})

describe('the HTTP API on query threads', () => {
  it('answers with the JSON the thread made: the in-process answer, for a large result too', async () => {
    const store = new MemoryStore()
    await store.append('default', makeSpans(30_000))
    const queries = createQueryService({ store, threads: 1 })
    try {
      const threaded = createQueryApi({ store, queries })
      const inProcess = createQueryApi({ store })
      for (const query of ['spans | sort span_id | limit 20000 | select span_id, name, duration, time', 'spans | stats count() by name | sort name', 'spans | where name = "no such name"']) {
        const post = (app: typeof threaded) => app.request('/api/v1/query', { method: 'POST', body: JSON.stringify({ query }), headers: { 'content-type': 'application/json' } })
        const [a, b] = await Promise.all([post(threaded), post(inProcess)])
        expect([a.status, a.headers.get('content-type')]).toEqual([b.status, b.headers.get('content-type')])
        const [got, want] = (await Promise.all([a.json(), b.json()])) as { rows: unknown[][]; columns: unknown; stats: { elapsedMs: number } }[]
        expect(got.stats.elapsedMs).toBeGreaterThan(0)
        expect({ ...got, stats: { ...got.stats, elapsedMs: 0 } }).toEqual({ ...want, stats: { ...want.stats, elapsedMs: 0 } })
      }
      const bad = await threaded.request('/api/v1/query', { method: 'POST', body: JSON.stringify({ query: 'spans | nosuch' }) })
      expect(bad.status).toBe(400)
    } finally {
      await queries.close()
    }
  })

  it('a client that goes away cancels its query on the thread', async () => {
    const store = new MemoryStore()
    const batch = makeSpans(1000)
    for (let i = 0; i < 5_000; i++) await store.append('default', batch)
    const queries = createQueryService({ store, threads: 1, stopGraceMs: 120_000 })
    try {
      const app = createQueryApi({ store, queries })
      const controller = new AbortController()
      const body = JSON.stringify({ query: 'spans | stats count() by span_id, name' })
      const answer = app.request('/api/v1/query', { method: 'POST', body, headers: { 'content-type': 'application/json' }, signal: controller.signal })
      await waitFor('the query runs', () => queries.status().running === 1, 30_000, 1)
      controller.abort()
      const res = await answer
      expect(res.status).toBe(499)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('CANCELLED')
      expect(queries.status()).toMatchObject({ running: 0, restarts: 0 })
      const ok = await app.request('/api/v1/query', { method: 'POST', body: JSON.stringify({ query: 'spans | where name = "POST /c" | stats count()' }) })
      expect(((await ok.json()) as { rows: unknown[][] }).rows).toEqual([[5_000 * 333]])
    } finally {
      await queries.close()
    }
  })
})
