/**
 * Hostile queries against the real server process: a regular expression that makes a
 * backtracking engine run for hours, and a join whose matches multiply (every span paired
 * with every span of its service: 200 million pairs). Each ends in a result or an error
 * within the configured time limit, while /healthz and an OTLP export keep answering.
 *
 * Latency bound: the bar is 100 ms. Queries yield the event loop every 4 ms
 * (PACE_SLICE_MS), so each turn of the loop a request needs waits about that long. But this
 * test runs on a loaded 2-core machine, where an idle Node process alone sees the operating
 * system and garbage collection hold it for 50 to 170 ms now and then, and where a query that
 * takes a whole core starves the threads an OTLP export passes through (decoding, the log
 * sync). Measured while writing it (load average 16 to 19): /healthz p50 3 ms, p90 under
 * 60 ms; OTLP p50 25 to 40 ms, p99 110 to 280 ms (before this change: every probe waited for
 * the whole query, tens of seconds). So the test asserts what holds there: half the probes
 * under 100 ms, the 99th percentile under 500 ms, and no probe near the query's length.
 * With queries on their own threads (query/query-service.ts) and the machine otherwise quiet,
 * the same test measured /healthz p99 6 ms (max 15 ms) and OTLP p99 11 to 12 ms (max 23 ms)
 * while each query ran; the looser bounds stay because the suite runs two files at a time.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportJson, logsRequest, spansRequest } from './support/otlp-json.ts'
import { startServerProcess, type ServerProcess } from './support/server-process.ts'
import { waitFor } from './support/wait-for.ts'

const TIMEOUT_MS = 4_000
const SPANS_PER_SERVICE = 10_000
const SERVICES = 2

let root: string
let server: ServerProcess

const export_ = (path: '/v1/traces' | '/v1/logs', body: unknown) => exportJson(server.otlpHttp, path, body)

async function query(text: string): Promise<{ status: number; body: { rows?: unknown[][]; error?: { code: string } } }> {
  const res = await fetch(`http://${server.http}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: text }),
    signal: AbortSignal.timeout(120_000),
  })
  return { status: res.status, body: (await res.json()) as { rows?: unknown[][]; error?: { code: string } } }
}

interface Probes {
  healthz: number[]
  otlp: number[]
}

/**
 * Latencies of /healthz and of a one-span OTLP export, probed one after the other (each kind
 * in its own loop) until `done` settles. A probe that fails or times out counts as 10 s.
 */
async function probeWhile(done: Promise<unknown>): Promise<Probes> {
  let finished = false
  void done.finally(() => (finished = true)).catch(() => {})
  const loop = async (probe: () => Promise<boolean>): Promise<number[]> => {
    const out: number[] = []
    while (!finished) {
      const t = performance.now()
      const ok = await probe().catch(() => false)
      out.push(ok ? performance.now() - t : 10_000)
      await new Promise((r) => setTimeout(r, 5))
    }
    return out
  }
  let n = 1_000_000
  const [healthz, otlp] = await Promise.all([
    loop(async () => (await fetch(`http://${server.http}/healthz`, { signal: AbortSignal.timeout(10_000) })).ok),
    loop(async () => (await export_('/v1/traces', spansRequest('probe', n++, 1))) === 200),
  ])
  return { healthz, otlp }
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]
}

/** The probes under a query: see the bound at the top of the file. */
function expectResponsive(probes: Probes): void {
  for (const kind of ['healthz', 'otlp'] as const) {
    const during = probes[kind]
    const report = `${kind} ms with the query running: ${during.map(Math.round)}`
    expect(during.length, report).toBeGreaterThan(20)
    expect(percentile(during, 50), report).toBeLessThan(100)
    expect(percentile(during, 99), report).toBeLessThan(500)
    expect(Math.max(...during), report).toBeLessThan(TIMEOUT_MS / 2)
  }
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'blazedb-responsive-'))
  const config = join(root, 'config.json')
  writeFileSync(config, JSON.stringify({ queryTimeout: `${TIMEOUT_MS}ms` }))
  server = await startServerProcess(join(root, 'data'), {}, ['--config', config])
  for (let s = 0; s < SERVICES; s++) {
    for (let first = 0; first < SPANS_PER_SERVICE; first += 2_500) {
      expect(await export_('/v1/traces', spansRequest(`svc-${s}`, s * SPANS_PER_SERVICE + first, 2_500))).toBe(200)
    }
  }
  expect(await export_('/v1/logs', logsRequest('svc-0', ['a'.repeat(35), `${'a'.repeat(35)}!`, 'upstream connection reset']))).toBe(200)
  // Ingest is acknowledged once durable; queries see it once stored: poll for it.
  await waitFor('the spans to be queryable', async () => {
    const r = await query('spans | where service.name != "probe" | stats count()')
    if (r.body.rows?.[0]?.[0] !== SERVICES * SPANS_PER_SERVICE) throw new Error(`spans not queryable: ${JSON.stringify(r.body)}`)
    return true
  }, 30_000, 100)
}, 120_000)

afterAll(async () => {
  await server?.stop()
  rmSync(root, { recursive: true, force: true })
})

describe('a running query does not stall the server', () => {
  it('a catastrophic regular expression answers at once, the server answering throughout', async () => {
    const began = performance.now()
    // Again and again for 3 seconds, to have enough probes for a 99th percentile (a user's
    // pace, not a flood: each answer is followed by 20 ms without a query).
    const queries = (async () => {
      const answers = []
      while (performance.now() - began < 3_000) {
        answers.push(await query('logs | where body matches "^(a+)+$" | select body'))
        await new Promise((done) => setTimeout(done, 20))
      }
      return answers
    })()
    const probes = await probeWhile(queries)
    const answers = await queries
    for (const a of answers) expect(a).toEqual({ status: 200, body: expect.objectContaining({ rows: [['a'.repeat(35)]] }) })
    expectResponsive(probes)
  })

  it('a join whose matches multiply ends within the time limit, the server answering throughout', async () => {
    const began = performance.now()
    const answer = query('spans | where service.name != "probe" | join (spans | where service.name != "probe") as s on service.name | stats count()')
    const probes = await probeWhile(answer)
    const { status, body } = await answer
    const elapsed = performance.now() - began
    // 200 million pairs: a TIMEOUT on this machine; a result only if counted in time.
    if (status === 200) expect(body.rows).toEqual([[SERVICES * SPANS_PER_SERVICE ** 2]])
    else expect([status, body.error?.code]).toEqual([504, 'TIMEOUT'])
    // The limit holds: the answer comes one slice after it, plus the request's own overhead.
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 5_000)
    expectResponsive(probes)
    // Still up and answering queries afterwards.
    expect((await query('logs | stats count()')).body.rows).toEqual([[3]])
  })
})
