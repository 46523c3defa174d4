/**
 * Every kind of token against every endpoint of a running server (startServer with tokens in
 * its configuration): OTLP/HTTP, OTLP/gRPC, the query API (the embed token's own query and
 * another), the catalog, a live subscription and administration, each answering 401, 403 or
 * 200 by the one rule of access/README.md. Tokens made at run time are created and revoked
 * through the admin API; the cookie carries a browser's token on the HTTP port only.
 */
import * as grpc from '@grpc/grpc-js'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../cli/config.ts'
import { startServer, type RunningServer } from '../cli/serve.ts'
import { GRPC_EXPORT_PATHS } from '../ingest/index.ts'

const EMBED_QUERY = 'spans | where service.name = "matrix"'
const CONFIG_TOKENS = [
  { token: 'matrix-ingest-01', tenant: 'acme', scopes: ['ingest'] },
  { token: 'matrix-read-0001', tenant: 'acme', scopes: ['read'] },
  { token: 'matrix-admin-001', tenant: 'acme', scopes: ['admin'] },
]

type Kind = 'none' | 'unknown' | 'ingest' | 'read' | 'admin' | 'read cookie' | 'made ingest' | 'embed' | 'revoked'
type Endpoint = 'otlp-http' | 'otlp-grpc' | 'query' | 'other query' | 'catalog' | 'subscribe' | 'admin'
const ENDPOINTS: Endpoint[] = ['otlp-http', 'otlp-grpc', 'query', 'other query', 'catalog', 'subscribe', 'admin']

//                   otlp-http otlp-grpc query other-query catalog subscribe admin
const WANT: Record<Kind, number[]> = {
  none:          [401, 401, 401, 401, 401, 401, 401],
  unknown:       [401, 401, 401, 401, 401, 401, 401],
  ingest:        [200, 200, 403, 403, 403, 403, 403],
  read:          [403, 403, 200, 200, 200, 200, 403],
  admin:         [200, 200, 200, 200, 200, 200, 200],
  'read cookie': [401, 401, 200, 200, 200, 200, 403],
  'made ingest': [200, 200, 403, 403, 403, 403, 403],
  embed:         [403, 403, 200, 403, 403, 200, 403],
  revoked:       [401, 401, 401, 401, 401, 401, 401],
}

let root: string
let server: RunningServer
const secrets: Partial<Record<Kind, string>> = { unknown: 'nobody-issued-this', ingest: 'matrix-ingest-01', read: 'matrix-read-0001', admin: 'matrix-admin-001', 'read cookie': 'matrix-read-0001' }

async function admin(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`http://${server.addresses.http}/api/v1/admin/${path}`, {
    method,
    headers: { authorization: 'Bearer matrix-admin-001', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'blazedb-access-'))
  const config = loadConfig({ 'data-dir': join(root, 'data'), 'http-addr': '127.0.0.1:0', 'otlp-http-addr': '127.0.0.1:0', 'otlp-grpc-addr': '127.0.0.1:0' }, { BLAZEDB_PASSWORD: 'access test password' })
  config.tokens = CONFIG_TOKENS as typeof config.tokens
  server = await startServer(config, { log: () => {} })
  const made = async (body: unknown): Promise<{ token: string; id: string }> => {
    const res = await admin('POST', 'tokens', body)
    expect(res.status).toBe(201)
    return (await res.json()) as { token: string; id: string }
  }
  secrets['made ingest'] = (await made({ name: 'collector', scopes: ['ingest'] })).token
  secrets.embed = (await made({ name: 'overview embed', scopes: ['read'], restrictions: { dashboard: 'overview', queries: [EMBED_QUERY] } })).token
  const revoked = await made({ name: 'old', scopes: ['ingest', 'read', 'admin'] })
  secrets.revoked = revoked.token
  expect((await admin('DELETE', `tokens/${revoked.id}`)).status).toBe(204)
})
afterAll(async () => {
  await server?.close()
  rmSync(root, { recursive: true, force: true })
})

function spanBody(): string {
  const now = String(BigInt(Date.now()) * 1_000_000n)
  const span = { traceId: '0102030405060708090a0b0c0d0e0f10', spanId: '0102030405060708', name: 'op', startTimeUnixNano: now, endTimeUnixNano: now }
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'matrix' } }] }, scopeSpans: [{ spans: [span] }] }] })
}

const GRPC_STATUS: Record<number, number> = { [grpc.status.OK]: 200, [grpc.status.UNAUTHENTICATED]: 401, [grpc.status.PERMISSION_DENIED]: 403 }

function grpcExport(token: string | undefined): Promise<number> {
  const client = new grpc.Client(server.addresses.otlpGrpc!, grpc.credentials.createInsecure())
  const metadata = new grpc.Metadata()
  if (token !== undefined) metadata.set('authorization', `Bearer ${token}`)
  const identity = (b: Buffer) => b
  return new Promise((resolve) => {
    // An empty ExportTraceServiceRequest: valid, so the token alone decides the answer.
    client.makeUnaryRequest(GRPC_EXPORT_PATHS.traces, identity, identity, Buffer.alloc(0), metadata, (error) => {
      client.close()
      resolve(GRPC_STATUS[error?.code ?? grpc.status.OK] ?? 500 + (error?.code ?? 0))
    })
  })
}

async function status(kind: Kind, endpoint: Endpoint): Promise<number> {
  const secret = secrets[kind]
  const headers: Record<string, string> = {}
  if (secret !== undefined) {
    if (kind === 'read cookie') headers.cookie = `theme=dark; blazedb_token=${secret}`
    else headers.authorization = `Bearer ${secret}`
  }
  const http = `http://${server.addresses.http}`
  const query = (text: string) => fetch(`${http}/api/v1/query`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ query: text }) })
  let res: Response
  switch (endpoint) {
    case 'otlp-http':
      res = await fetch(`http://${server.addresses.otlpHttp}/v1/traces`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: spanBody() })
      break
    case 'otlp-grpc':
      return grpcExport(secret === undefined || kind === 'read cookie' ? undefined : secret)
    case 'query':
      res = await query(EMBED_QUERY)
      break
    case 'other query':
      res = await query('logs | limit 1')
      break
    case 'catalog':
      res = await fetch(`${http}/api/v1/services`, { headers })
      break
    case 'subscribe': {
      const abort = new AbortController()
      res = await fetch(`${http}/api/v1/subscribe?query=${encodeURIComponent(EMBED_QUERY)}`, { headers, signal: abort.signal })
      abort.abort()
      return res.status
    }
    case 'admin':
      res = await fetch(`${http}/api/v1/admin/storage`, { headers })
      break
  }
  await res.arrayBuffer()
  return res.status
}

describe('every token kind against every endpoint', () => {
  for (const kind of Object.keys(WANT) as Kind[]) {
    it(`${kind}: ${ENDPOINTS.map((e, i) => `${e} ${WANT[kind][i]}`).join(', ')}`, async () => {
      const got: Record<string, number> = {}
      for (const endpoint of ENDPOINTS) got[endpoint] = await status(kind, endpoint)
      expect(got).toEqual(Object.fromEntries(ENDPOINTS.map((e, i) => [e, WANT[kind][i]])))
    })
  }
})

describe('tokens made at run time', () => {
  it('are listed without secrets, refused for another tenant, and kept across a restart', async () => {
    const list = (await (await admin('GET', 'tokens')).json()) as { tokens: { name: string; scopes: string[]; restrictions: object }[] }
    expect(list.tokens.map((t) => t.name).sort()).toEqual(['collector', 'overview embed'])
    expect(JSON.stringify(list)).not.toContain(secrets['made ingest'])
    const bad = await admin('POST', 'tokens', { scopes: ['write'] })
    expect([bad.status, ((await bad.json()) as { error: { message: string } }).error.message]).toEqual([400, 'cannot use the token: scopes must be a non-empty list of ingest, read, admin, got ["write"]'])
    expect((await admin('DELETE', 'tokens/0000000000000000')).status).toBe(404)
    const otherTenant = await fetch(`http://${server.addresses.http}/api/v1/services?tenant=globex`, { headers: { authorization: 'Bearer matrix-read-0001' } })
    expect(otherTenant.status).toBe(403)

    const config = loadConfig({ 'data-dir': join(root, 'data'), 'http-addr': '127.0.0.1:0', 'otlp-http-addr': '127.0.0.1:0', 'otlp-grpc-addr': '127.0.0.1:0' }, { BLAZEDB_PASSWORD: 'access test password' })
    config.tokens = CONFIG_TOKENS as typeof config.tokens
    await server.close()
    server = await startServer(config, { log: () => {} })
    expect(await status('made ingest', 'otlp-http')).toBe(200)
    expect(await status('embed', 'query')).toBe(200)
    expect(await status('embed', 'other query')).toBe(403)
    expect(await status('revoked', 'otlp-http')).toBe(401)
  })
})
