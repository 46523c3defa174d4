/**
 * Fuzz of the query API on the real server process: generated queries (every operator,
 * random expressions, nesting and sizes), mutated queries, random bytes and malformed request
 * bodies. Never a 500, every answer within the time limit, the server up afterwards.
 *
 * Seeded and reproducible: BLAZEDB_FUZZ_SEED=<n> replays a run, BLAZEDB_FUZZ_CASES=<n> runs
 * more cases than the suite's 300 (a failure names its seed and case number).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportJson, gaugeRequest, logsRequest, spansRequest } from './support/otlp-json.ts'
import { QueryGen } from './support/query-gen.ts'
import { startServerProcess, type ServerProcess } from './support/server-process.ts'
import { waitFor } from './support/wait-for.ts'

const SEED = Number(process.env.BLAZEDB_FUZZ_SEED ?? 20261207)
const CASES = Number(process.env.BLAZEDB_FUZZ_CASES ?? 300)
const TIMEOUT_MS = 2_000
/** Statuses a query may answer: a result, a mistake in it, a limit it ran into. */
const ALLOWED = new Set([200, 400, 422, 504])

let root: string
let server: ServerProcess

interface Answer {
  status: number
  ms: number
  body: { rows?: unknown[]; error?: { code?: unknown; message?: unknown } }
}

async function post(body: string): Promise<Answer> {
  const began = performance.now()
  // The client gives up well past the time limit: a hang shows as a failed case, not a stuck test.
  const res = await fetch(`http://${server.http}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(TIMEOUT_MS + 20_000) })
  const text = await res.text()
  let parsed: Answer['body']
  try {
    parsed = JSON.parse(text) as Answer['body']
  } catch {
    parsed = { error: { code: 'NOT_JSON', message: text.slice(0, 200) } }
  }
  return { status: res.status, ms: performance.now() - began, body: parsed }
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'blazedb-fuzz-'))
  const config = join(root, 'config.json')
  writeFileSync(config, JSON.stringify({ queryTimeout: `${TIMEOUT_MS}ms`, queryMaxMemory: '64MiB' }))
  server = await startServerProcess(join(root, 'data'), {}, ['--config', config])
  for (let s = 0; s < 3; s++) expect(await exportJson(server.otlpHttp, '/v1/traces', spansRequest(`svc-${s}`, s * 200, 200))).toBe(200)
  const bodies = Array.from({ length: 60 }, (_, i) => ['upstream connection reset', 'a'.repeat(35), 'timeout after 200ms', `op-${i} done`, `${'a'.repeat(35)}!`][i % 5])
  expect(await exportJson(server.otlpHttp, '/v1/logs', logsRequest('svc-0', bodies))).toBe(200)
  expect(await exportJson(server.otlpHttp, '/v1/metrics', gaugeRequest('svc-1', 'queue.depth', 50))).toBe(200)
  await waitFor('the spans to be queryable', async () => (await post(JSON.stringify({ query: 'spans | stats count()' }))).body.rows?.[0]?.toString() === '600', 30_000, 100)
}, 120_000)

afterAll(async () => {
  await server?.stop()
  rmSync(root, { recursive: true, force: true })
})

describe('query API fuzz', () => {
  it(`answers ${CASES} generated queries (seed ${SEED}) without a 500 or a hang`, async () => {
    const gen = new QueryGen(SEED)
    const failures: string[] = []
    const statuses = new Map<number, number>()
    for (let k = 0; k < CASES; k++) {
      const query = gen.next()
      // One case in ten is a malformed request rather than a query.
      const body = k % 10 === 9 ? [JSON.stringify({ query: [query] }), query, JSON.stringify({ query, start: query.slice(0, 8) }), '{"query":'][k % 4] : JSON.stringify({ query })
      const answer = await post(body).catch((e: unknown) => ({ status: 0, ms: NaN, body: { error: { code: 'NO_ANSWER', message: String(e) } } }))
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1)
      const code = answer.body.error?.code
      const wrong =
        !ALLOWED.has(answer.status) ? `status ${answer.status} ${JSON.stringify(answer.body.error)}`
        : answer.ms > TIMEOUT_MS + 10_000 ? `answered after ${Math.round(answer.ms)} ms`
        : answer.status !== 200 && (typeof code !== 'string' || typeof answer.body.error?.message !== 'string') ? `error without code and message: ${JSON.stringify(answer.body)}`
        : undefined
      if (wrong !== undefined) failures.push(`seed ${SEED} case ${k}: ${wrong}\n  body: ${JSON.stringify(body).slice(0, 500)}`)
      // A server that did not answer in time is wedged: the cases after it would only wait too.
      if (answer.status === 0) break
    }
    expect(failures, failures.join('\n')).toEqual([])
    // The generator reaches every kind of answer, so the fuzz is not all syntax errors.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(CASES / 10)
    expect(statuses.get(400) ?? 0).toBeGreaterThan(CASES / 10)
    // Up and right afterwards.
    expect((await fetch(`http://${server.http}/healthz`)).status).toBe(200)
    expect((await post(JSON.stringify({ query: 'logs | where body matches "^(a+)+$" | stats count()' }))).body.rows).toEqual([[12]])
  }, 600_000)
})
