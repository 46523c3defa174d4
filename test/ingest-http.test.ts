/**
 * OTLP/HTTP end to end: the repository's workload (workload/) stores exactly its counts, raw OTLP/JSON as curl
 * sends it, partial success, CORS, tokens, and the status of every failure.
 */
import { gzipSync, zstdCompressSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startOtlpHttp, type OtlpServer } from '../ingest/index.ts'
import { MemoryStore } from '../storage/index.ts'
import { generateWorkload, otlpJson } from '../workload/index.ts'
import { encodeOtlpJsonAsProtobuf } from './support/otlp-protobufjs.ts'
import { JSON_TYPE, post, PROTOBUF, readAll, storedRows } from './support/otlp-http-client.ts'

const workload = generateWorkload({ spans: 3_000, logs: 3_000, minutes: 3 })
const requests = otlpJson(workload)
const counts = { spans: workload.spans.length, logs: workload.logs.length, points: workload.points.length }
const store = new MemoryStore()
let server: OtlpServer

beforeAll(async () => {
  server = await startOtlpHttp({ store })
})
afterAll(async () => {
  await server.close()
})

const PATH_OF: Record<string, string> = { traces: '/v1/traces', logs: '/v1/logs', metrics: '/v1/metrics' }

describe('repository workload', () => {
  test('protobuf batches store exactly the generated counts', async () => {
    const tenant = 'default'
    for (const signal of ['traces', 'logs', 'metrics'] as const) {
      for (const request of requests[signal]) {
        const answer = await post(server.address, PATH_OF[signal], encodeOtlpJsonAsProtobuf(signal, request), PROTOBUF)
        expect(answer.status, answer.text).toBe(200)
        expect(answer.body.length).toBe(0)
      }
    }
    expect(store.stats(tenant, 'spans').rows).toBe(counts.spans)
    expect(store.stats(tenant, 'logs').rows).toBe(counts.logs)
    expect(store.stats(tenant, 'metrics').rows).toBe(counts.points)
  })

  test('JSON batches (gzip and zstd) store the same counts as their protobuf twins', async () => {
    const jsonStore = new MemoryStore()
    const jsonServer = await startOtlpHttp({ store: jsonStore })
    try {
      const all = (['traces', 'logs', 'metrics'] as const).flatMap((signal) => requests[signal].map((r) => [signal, r] as const))
      for (const [i, [signal, request]] of all.entries()) {
        const raw = Buffer.from(JSON.stringify(request))
        const [body, coding] = i % 2 === 0 ? [gzipSync(raw), 'gzip'] : [zstdCompressSync(raw), 'zstd']
        const answer = await post(jsonServer.address, PATH_OF[signal], body, { ...JSON_TYPE, 'Content-Encoding': coding })
        expect(answer.status, answer.text).toBe(200)
        expect(JSON.parse(answer.text)).toEqual({})
      }
      expect(jsonStore.stats('default', 'spans').rows).toBe(counts.spans)
      expect(jsonStore.stats('default', 'logs').rows).toBe(counts.logs)
      expect(jsonStore.stats('default', 'metrics').rows).toBe(counts.points)
      const spans = await readAll(jsonStore, 'spans')
      expect(Object.keys(spans.columns)).toContain('r:service.name')
    } finally {
      await jsonServer.close()
    }
  })
})

describe('raw OTLP/JSON as curl sends it', () => {
  test('int64 as strings or numbers, unknown fields ignored, partial success for a bad span', async () => {
    const s = new MemoryStore()
    const srv = await startOtlpHttp({ store: s })
    try {
      const body = `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"curl"}}]},
        "futureField":{"x":1},
        "scopeSpans":[{"spans":[
          {"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"eee19b7ec3c1b174","name":"ok","kind":2,
           "startTimeUnixNano":1544712660000000000,"endTimeUnixNano":"1544712661000000000","unknown":true},
          {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b175","name":"no start"}]}]}]}`
      const answer = await post(srv.address, '/v1/traces', body, { 'content-type': 'application/json; charset=utf-8' })
      expect(answer.status).toBe(200)
      expect(answer.headers.get('content-type')).toBe('application/json')
      const partial = JSON.parse(answer.text).partialSuccess
      expect(partial.rejectedSpans).toBe('1')
      expect(partial.errorMessage).toMatch(/start_time_unix_nano is 0/)
      const spans = await readAll(s, 'spans')
      expect(spans.length).toBe(1)
      expect(spans.columns['r:service.name']).toMatchObject({ kind: 'str', dict: ['curl'] })
      expect(spans.columns.startTimeUnixNano).toMatchObject({ values: BigInt64Array.of(1544712660000000000n) })
      expect(srv.metrics.snapshot().rejected.traces).toBe(1)
      expect(srv.metrics.snapshot().accepted.traces).toBe(1)
    } finally {
      await srv.close()
    }
  })
})

describe('CORS', () => {
  test('preflight and simple requests carry the allow headers', async () => {
    const pre = await fetch(`http://${server.address}/v1/logs`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    })
    expect(pre.status).toBe(204)
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST')
    expect(pre.headers.get('access-control-allow-headers')).toBe('content-type')
    const answer = await post(server.address, '/v1/logs', '{}', { ...JSON_TYPE, Origin: 'https://app.example' })
    expect(answer.status).toBe(200)
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://app.example')
  })
})

describe('bearer tokens', () => {
  const tokens = [
    { token: 'ingest-token-1', tenant: 'acme', scopes: ['ingest'] },
    { token: 'read-only-token', tenant: 'acme', scopes: ['read'] },
  ]
  const f = async (authorization: string | undefined, status: number) => {
    const s = new MemoryStore()
    const srv = await startOtlpHttp({ store: s, tokens })
    try {
      const headers: Record<string, string> = { ...JSON_TYPE, ...(authorization === undefined ? {} : { Authorization: authorization }) }
      const body = '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"1793491200000000000","body":{"stringValue":"x"}}]}]}]}'
      const answer = await post(srv.address, '/v1/logs', body, headers)
      expect(answer.status, answer.text).toBe(status)
      expect(storedRows(s, 'acme')).toBe(status === 200 ? 1 : 0)
      expect(storedRows(s)).toBe(0)
      if (status !== 200) expect(JSON.parse(answer.text).message).toMatch(/cannot accept the request/)
    } finally {
      await srv.close()
    }
  }
  test('a valid ingest token stores in its tenant', () => f('Bearer ingest-token-1', 200))
  test('no token is 401', () => f(undefined, 401))
  test('an unknown token is 401', () => f('Bearer wrong-token-xx', 401))
  test('a token without the ingest scope is 403', () => f('Bearer read-only-token', 403))
})
