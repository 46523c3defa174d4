/**
 * Idempotency-Key over OTLP/HTTP and OTLP/gRPC metadata: a retried request is answered as the
 * first was and stored once, per tenant; concurrent retries too; an invalid key is a 400.
 */
import * as grpc from '@grpc/grpc-js'
import { afterEach, expect, test } from 'vitest'
import { GRPC_EXPORT_PATHS, startOtlpGrpc, startOtlpHttp, type OtlpServer } from '../ingest/index.ts'
import { MemoryStore } from '../storage/index.ts'
import { FULL_TRACES } from './support/otlp-fixtures.ts'
import { JSON_TYPE, post, PROTOBUF, storedRows } from './support/otlp-http-client.ts'
import { encodeOtlpJsonAsProtobuf } from './support/otlp-protobufjs.ts'

const servers: OtlpServer[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
})

async function httpServer(store: MemoryStore, tokens?: { token: string; tenant: string; scopes: string[] }[]): Promise<OtlpServer> {
  const s = await startOtlpHttp({ store, ...(tokens === undefined ? {} : { tokens }) })
  servers.push(s)
  return s
}

const protobuf = encodeOtlpJsonAsProtobuf('traces', FULL_TRACES)
const json = JSON.stringify(FULL_TRACES)

test('a retried request with the same key is answered 200 and stored once', async () => {
  const store = new MemoryStore()
  const server = await httpServer(store)
  for (let i = 0; i < 3; i++) {
    const answer = await post(server.address, '/v1/traces', protobuf, { ...PROTOBUF, 'Idempotency-Key': '"batch-1"' })
    expect(answer.status, answer.text).toBe(200)
  }
  expect(storedRows(store)).toBe(3)
  // Another key, or none, is stored again.
  expect((await post(server.address, '/v1/traces', json, { ...JSON_TYPE, 'Idempotency-Key': 'batch-2' })).status).toBe(200)
  expect((await post(server.address, '/v1/traces', json, JSON_TYPE)).status).toBe(200)
  expect(storedRows(store)).toBe(9)
  const stats = server.metrics.snapshot()
  expect(stats.accepted.traces).toBe(9)
  expect(stats.duplicate.traces).toBe(6)
})

test('concurrent retries of one key store it once', async () => {
  const store = new MemoryStore()
  const server = await httpServer(store)
  const answers = await Promise.all(Array.from({ length: 8 }, () => post(server.address, '/v1/traces', protobuf, { ...PROTOBUF, 'Idempotency-Key': '"same"' })))
  expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200))
  expect(storedRows(store)).toBe(3)
})

test('keys are per tenant', async () => {
  const store = new MemoryStore()
  const tokens = [
    { token: 'token-of-tenant-a', tenant: 'a', scopes: ['ingest'] },
    { token: 'token-of-tenant-b', tenant: 'b', scopes: ['ingest'] },
  ]
  const server = await httpServer(store, tokens)
  for (const t of ['token-of-tenant-a', 'token-of-tenant-b', 'token-of-tenant-a']) {
    expect((await post(server.address, '/v1/traces', protobuf, { ...PROTOBUF, authorization: `Bearer ${t}`, 'Idempotency-Key': '"k"' })).status).toBe(200)
  }
  expect(storedRows(store, 'a')).toBe(3)
  expect(storedRows(store, 'b')).toBe(3)
})

test('an invalid key is a 400 and nothing is stored', async () => {
  const store = new MemoryStore()
  const server = await httpServer(store)
  const answer = await post(server.address, '/v1/traces', json, { ...JSON_TYPE, 'Idempotency-Key': '"unterminated' })
  expect(answer.status).toBe(400)
  expect(JSON.parse(answer.text)).toMatchObject({ code: 3, message: expect.stringMatching(/cannot use Idempotency-Key/) })
  expect(storedRows(store)).toBe(0)
})

test('OTLP/gRPC reads the key from the idempotency-key metadata', async () => {
  const store = new MemoryStore()
  const server = await startOtlpGrpc({ store })
  servers.push(server)
  const client = new grpc.Client(server.address, grpc.credentials.createInsecure())
  try {
    const call = (key: string): Promise<grpc.ServiceError | null> => {
      const metadata = new grpc.Metadata()
      metadata.set('idempotency-key', key)
      return new Promise((resolve) => client.makeUnaryRequest(GRPC_EXPORT_PATHS.traces, (b: Buffer) => b, (b: Buffer) => b, Buffer.from(protobuf), metadata, (error) => resolve(error)))
    }
    expect(await call('g-1')).toBeNull()
    expect(await call('g-1')).toBeNull()
    expect(await call('g-2')).toBeNull()
    expect(storedRows(store)).toBe(6)
    expect((await call('"broken'))?.code).toBe(grpc.status.INVALID_ARGUMENT)
  } finally {
    client.close()
  }
})
