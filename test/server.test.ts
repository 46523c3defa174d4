/**
 * The real server process end to end: start on free ports, take OTLP from the repository's
 * workload (workload/, as protobuf), stop cleanly, crash with SIGKILL in the middle of ingest, restart, and find every
 * acknowledged record on disk, verified.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OtlpDecoder, type OtlpSignal } from '../ingest/index.ts'
import { bytesToHex, openEngine, type Signal } from '../storage/index.ts'
import { generateWorkload, otlpJson } from '../workload/index.ts'
import { encodeOtlpJsonAsProtobuf } from './support/otlp-protobufjs.ts'
import { BIN, startServerProcess } from './support/server-process.ts'

const PASSWORD = 'server test password'
/** The workload is timestamped 2026-11-01, older than the default retention: these servers keep everything. */
const KEEP_FOREVER = { retention: { spans: '0', logs: '0', metrics: '0' } }
let root: string
const workload = generateWorkload({ spans: 6_000, logs: 6_000, minutes: 5 })
const requests = otlpJson(workload)
let keepForever: string[]

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'blazedb-server-'))
  writeFileSync(join(root, 'keep-forever.json'), JSON.stringify(KEEP_FOREVER))
  keepForever = ['--config', join(root, 'keep-forever.json')]
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** The workload's protobuf request bodies of one signal, 1,000 spans or log records each. */
function bodies(signal: OtlpSignal): Uint8Array[] {
  return requests[signal].map((r) => encodeOtlpJsonAsProtobuf(signal, r))
}

async function postOtlp(address: string, signal: OtlpSignal, body: Uint8Array): Promise<number> {
  const res = await fetch(`http://${address}/v1/${signal}`, { method: 'POST', body, headers: { 'Content-Type': 'application/x-protobuf' } })
  await res.arrayBuffer()
  return res.status
}

/** Span ids stored in the data directory (hex), read with the engine itself. */
async function storedSpanIds(dataDir: string): Promise<Set<string>> {
  const engine = await openEngine({ dataDir, password: PASSWORD, background: false })
  const ids = new Set<string>()
  try {
    for await (const b of engine.scan({ tenant: 'default', signal: 'spans', columns: ['spanId'] })) {
      const c = b.columns.spanId
      if (c.kind === 'bytes') for (let i = 0; i < b.length; i++) ids.add(bytesToHex(c.values.subarray(i * 8, i * 8 + 8)))
    }
  } finally {
    await engine.close()
  }
  return ids
}

async function storedRows(dataDir: string): Promise<Record<Signal, number>> {
  const engine = await openEngine({ dataDir, password: PASSWORD, background: false })
  try {
    return { spans: engine.stats('default', 'spans').rows, logs: engine.stats('default', 'logs').rows, metrics: engine.stats('default', 'metrics').rows }
  } finally {
    await engine.close()
  }
}

describe('blazedb serve', () => {
  it('answers /healthz, stores the whole workload, stops cleanly, and verifies', async () => {
    const dataDir = join(root, 'data-clean')
    const server = await startServerProcess(dataDir, {}, keepForever)
    try {
      const health = await fetch(`http://${server.http}/healthz`)
      expect(health.status).toBe(200)
      expect(await health.json()).toEqual({ status: 'ok' })
      for (const signal of ['traces', 'logs', 'metrics'] as const) {
        const statuses = await Promise.all(bodies(signal).map((b) => postOtlp(server.otlpHttp, signal, b)))
        expect(statuses.every((s) => s === 200)).toBe(true)
      }
    } finally {
      expect(await server.stop()).toBe(0)
    }
    expect(await storedRows(dataDir)).toEqual({ spans: workload.spans.length, logs: workload.logs.length, metrics: workload.points.length })
    const verify = execFileSync(process.execPath, [BIN, 'verify', '--data-dir', dataDir], { env: { ...process.env, BLAZEDB_PASSWORD: PASSWORD }, encoding: 'utf8' })
    expect(verify).toMatch(/ok: every checksum and authentication tag verified/)
  })

  it('keeps every acknowledged span when killed with SIGKILL in the middle of ingest', async () => {
    const dataDir = join(root, 'data-crash')
    const traces = bodies('traces')
    const server = await startServerProcess(dataDir, {}, keepForever)
    const acknowledged: number[] = []
    // Send every batch at once; kill the server after the third acknowledgement.
    await Promise.allSettled(
      traces.map(async (body, i) => {
        const status = await postOtlp(server.otlpHttp, 'traces', body)
        if (status === 200) acknowledged.push(i)
        if (acknowledged.length === 3) await server.kill()
      }),
    )
    await server.kill()
    expect(acknowledged.length).toBeGreaterThanOrEqual(3)
    const stored = await storedSpanIds(dataDir)
    const decoder = new OtlpDecoder()
    for (const i of acknowledged) {
      const ids = decoder.decode('traces', 'protobuf', traces[i]).batch.columns.spanId
      if (ids?.kind !== 'bytes') throw new Error('no span ids decoded')
      for (let r = 0; r < ids.values.length / 8; r++) expect(stored.has(bytesToHex(ids.values.subarray(r * 8, r * 8 + 8))), `batch ${i} span ${r}`).toBe(true)
    }
    // And the directory serves again after the crash.
    const again = await startServerProcess(dataDir)
    expect((await fetch(`http://${again.http}/healthz`)).status).toBe(200)
    expect(await again.stop()).toBe(0)
  })

  it('keeps tenants apart across ingest, query and admin calls when tokens are configured', async () => {
    const config = join(root, 'tokens.json')
    writeFileSync(
      config,
      JSON.stringify({
        ...KEEP_FOREVER,
        tokens: [
          { token: 'acme-ingest-token', tenant: 'acme', scopes: ['ingest'] },
          { token: 'acme-read-token', tenant: 'acme', scopes: ['read'] },
          { token: 'acme-admin-token', tenant: 'acme', scopes: ['admin'] },
          { token: 'globex-all-token', tenant: 'globex', scopes: ['ingest', 'read'] },
        ],
      }),
    )
    const server = await startServerProcess(join(root, 'data-tenants'), {}, ['--config', config])
    try {
      const body = bodies('traces')[0]
      const send = (token?: string): Promise<Response> =>
        fetch(`http://${server.otlpHttp}/v1/traces`, { method: 'POST', body, headers: { 'Content-Type': 'application/x-protobuf', ...(token ? { Authorization: `Bearer ${token}` } : {}) } })
      expect((await send()).status).toBe(401)
      expect((await send('acme-read-token')).status).toBe(403)
      expect((await send('acme-ingest-token')).status).toBe(200)
      const count = async (token: string): Promise<Response> =>
        fetch(`http://${server.http}/api/v1/query`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ query: 'spans | stats count()' }) })
      const acme = await count('acme-read-token')
      expect(acme.status).toBe(200)
      expect(((await acme.json()) as { rows: unknown }).rows).toEqual([[1000]])
      const globex = await count('globex-all-token')
      expect(((await globex.json()) as { rows: unknown }).rows).toEqual([[0]])
      expect((await count('acme-ingest-token')).status).toBe(403)
      const admin = (path: string, token: string, method = 'GET'): Promise<Response> => fetch(`http://${server.http}/api/v1/admin/${path}`, { method, headers: { Authorization: `Bearer ${token}` } })
      expect((await admin('storage', 'acme-read-token')).status).toBe(403)
      const vacuum = await admin('vacuum', 'acme-admin-token', 'POST')
      expect(vacuum.status).toBe(200)
      expect(((await vacuum.json()) as { partsAfter: number }).partsAfter).toBe(1)
      const storage = (await (await admin('storage', 'acme-admin-token')).json()) as { tenant: string; signals: { spans: { rows: number } }; partitions: { tenant: string }[] }
      expect(storage.tenant).toBe('acme')
      expect(storage.signals.spans.rows).toBe(1000)
      expect(storage.partitions.every((p) => p.tenant === 'acme')).toBe(true)
    } finally {
      expect(await server.stop()).toBe(0)
    }
  })

  it('refuses records older than the configured retention at the door, naming it', async () => {
    const server = await startServerProcess(join(root, 'data-retention'))
    try {
      const res = await fetch(`http://${server.otlpHttp}/v1/traces`, { method: 'POST', body: bodies('traces')[0], headers: { 'Content-Type': 'application/x-protobuf' } })
      expect(res.status).toBe(400)
      expect(await res.text()).toMatch(/older than the spans retention of 7d/)
    } finally {
      expect(await server.stop()).toBe(0)
    }
  })

  it('refuses to start with a wrong password, saying why', async () => {
    const dataDir = join(root, 'data-clean')
    await expect(startServerProcess(dataDir, { BLAZEDB_PASSWORD: 'not it' })).rejects.toThrow(/WRONG_KEY.*password does not match/)
  })

  it('refuses an invalid configuration, naming the field', async () => {
    await expect(startServerProcess(join(root, 'data-x'), {}, ['--otlp-http-addr', 'nowhere'])).rejects.toThrow(/otlpHttpAddr: expected host:port/)
  })
})
