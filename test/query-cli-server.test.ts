/**
 * `blazedb query` as a user runs it, against a real server process: by default it asks the
 * server at the configured HTTP address (with a token); `--data-dir` on a directory a server
 * holds says so plainly; with the server stopped, `--data-dir` reads the files; with no server
 * and no `--data-dir`, it says it cannot reach the server.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, startServerProcess, type ServerProcess } from './support/server-process.ts'

const PASSWORD = 'server test password'
const TOKENS = [
  { token: 'cli-ingest-0001', tenant: 'default', scopes: ['ingest'] },
  { token: 'cli-reader-0001', tenant: 'default', scopes: ['read'] },
]
let root: string
let dataDir: string
let configFile: string
let server: ServerProcess | undefined

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, 'query', ...args], { env: { ...process.env, BLAZEDB_PASSWORD: PASSWORD, BLAZEDB_TOKEN: '', ...env } }, (error, out, err) => {
      done({ code: error === null ? 0 : ((error as { code?: number }).code ?? 1), out, err })
    })
  })
}

/** Three spans of service "cli-test", timed now (inside any ingest time window). */
function spansBody(): string {
  const now = BigInt(Date.now()) * 1_000_000n
  const spans = [1, 2, 3].map((i) => ({
    traceId: '0102030405060708090a0b0c0d0e0f10',
    spanId: `000000000000000${i}`,
    name: `op-${i}`,
    kind: 2,
    startTimeUnixNano: String(now - 1_000_000n * BigInt(i)),
    endTimeUnixNano: String(now),
  }))
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'cli-test' } }] }, scopeSpans: [{ spans }] }] })
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'blazedb-query-cli-'))
  dataDir = join(root, 'data')
  configFile = join(root, 'config.json')
  writeFileSync(configFile, JSON.stringify({ tokens: TOKENS }))
  server = await startServerProcess(dataDir, {}, ['--config', configFile])
  const res = await fetch(`http://${server.otlpHttp}/v1/traces`, { method: 'POST', body: spansBody(), headers: { 'content-type': 'application/json', authorization: 'Bearer cli-ingest-0001' } })
  expect(res.status).toBe(200)
})
afterAll(async () => {
  await server?.stop()
  rmSync(root, { recursive: true, force: true })
})

const Q = 'spans | where service.name = "cli-test" | stats count()'

describe('blazedb query with a running server', () => {
  it('asks the server at the configured HTTP address by default', async () => {
    const asked = await cli([Q, '--format', 'csv', '--token', 'cli-reader-0001'], { BLAZEDB_HTTP_ADDR: server!.http })
    expect(asked.err).toBe('')
    expect(asked.out).toBe('count\r\n3\r\n')
    expect(asked.code).toBe(0)
    const fromEnv = await cli([Q, '--format', 'csv', '--http-addr', server!.http], { BLAZEDB_TOKEN: 'cli-reader-0001' })
    expect(fromEnv.out).toBe('count\r\n3\r\n')
    const noToken = await cli([Q, '--http-addr', server!.http])
    expect(noToken.code).toBe(1)
    expect(noToken.err).toContain('[UNAUTHENTICATED]')
  })

  it('says the data directory is in use when --data-dir names the server\'s', async () => {
    const refused = await cli([Q, '--data-dir', dataDir])
    expect(refused.code).toBe(1)
    expect(refused.err).toBe(`blazedb: cannot open ${dataDir}: the data directory is in use by a running server; run without --data-dir to ask it\n`)
  })
})

describe('blazedb query with the server stopped', () => {
  it('reads the data directory with --data-dir, and cannot reach a server without it', async () => {
    const address = server!.http
    expect(await server!.stop()).toBe(0)
    server = undefined
    const read = await cli([Q, '--format', 'csv', '--data-dir', dataDir])
    expect(read.out).toBe('count\r\n3\r\n')
    expect(read.code).toBe(0)
    const unreachable = await cli([Q, '--http-addr', address])
    expect(unreachable.code).toBe(1)
    expect(unreachable.err).toMatch(new RegExp(`^blazedb: cannot reach the server at http://${address.replace(/\./g, '\\.')}: .*ECONNREFUSED.*pass --data-dir to read a data directory no server runs on\\.\\n$`))
  })
})
