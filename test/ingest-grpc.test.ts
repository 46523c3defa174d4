/**
 * OTLP/gRPC failures with a raw client: malformed messages are INVALID_ARGUMENT, a bad token
 * UNAUTHENTICATED, a failing store UNAVAILABLE with RetryInfo; nothing is stored.
 */
import * as grpc from '@grpc/grpc-js'
import { afterEach, expect, test } from 'vitest'
import { GRPC_CODE, GRPC_EXPORT_PATHS, startOtlpGrpc, type OtlpServer } from '../ingest/index.ts'
import { MemoryStore, StorageError, type Batch } from '../storage/index.ts'
import { FULL_TRACES } from './support/otlp-fixtures.ts'
import { storedRows } from './support/otlp-http-client.ts'
import { encodeOtlpJsonAsProtobuf } from './support/otlp-protobufjs.ts'

const identity = (b: Buffer) => b
let server: OtlpServer | undefined
let client: grpc.Client | undefined

afterEach(async () => {
  client?.close()
  await server?.close()
})

function call(address: string, body: Uint8Array, token?: string): Promise<{ error: grpc.ServiceError | null; response?: Buffer }> {
  client = new grpc.Client(address, grpc.credentials.createInsecure())
  const metadata = new grpc.Metadata()
  if (token !== undefined) metadata.set('authorization', `Bearer ${token}`)
  return new Promise((resolve) => {
    client!.makeUnaryRequest(GRPC_EXPORT_PATHS.traces, identity, identity, Buffer.from(body), metadata, (error, response) => resolve({ error, response }))
  })
}

const valid = encodeOtlpJsonAsProtobuf('traces', FULL_TRACES)

test('a valid request is stored and answered with an empty response', async () => {
  const store = new MemoryStore()
  server = await startOtlpGrpc({ store })
  const { error, response } = await call(server.address, valid)
  expect(error).toBeNull()
  expect(response?.length).toBe(0)
  expect(storedRows(store)).toBe(3)
})

test('a malformed message is INVALID_ARGUMENT with the decoder message', async () => {
  const store = new MemoryStore()
  server = await startOtlpGrpc({ store })
  const { error } = await call(server.address, valid.subarray(0, 40))
  expect(error?.code).toBe(GRPC_CODE.INVALID_ARGUMENT)
  expect(error?.details).toMatch(/runs past the end/)
  expect(storedRows(store)).toBe(0)
})

test('a bad token is UNAUTHENTICATED', async () => {
  const store = new MemoryStore()
  server = await startOtlpGrpc({ store, tokens: [{ token: 'grpc-token-1', tenant: 't1', scopes: ['ingest'] }] })
  expect((await call(server.address, valid, 'nope-nope-nope')).error?.code).toBe(GRPC_CODE.UNAUTHENTICATED)
  expect(storedRows(store, 't1')).toBe(0)
  expect((await call(server.address, valid, 'grpc-token-1')).error).toBeNull()
  expect(storedRows(store, 't1')).toBe(3)
})

test('a failing store is UNAVAILABLE with a RetryInfo detail', async () => {
  const store = new (class extends MemoryStore {
    override async append(_tenant: string, _batch: Batch): Promise<void> {
      throw new StorageError('IO', 'write failed')
    }
  })()
  server = await startOtlpGrpc({ store })
  const { error } = await call(server.address, valid)
  expect(error?.code).toBe(GRPC_CODE.UNAVAILABLE)
  const details = error?.metadata.get('grpc-status-details-bin')[0] as Buffer
  expect(details.toString('latin1')).toContain('type.googleapis.com/google.rpc.RetryInfo')
})

test('a message over the size limit is refused by grpc-js', async () => {
  server = await startOtlpGrpc({ store: new MemoryStore(), maxRequestBytes: 1024 })
  const { error } = await call(server.address, new Uint8Array(4096))
  expect(error?.code).toBe(GRPC_CODE.RESOURCE_EXHAUSTED)
})
