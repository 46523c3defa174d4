/**
 * Lossless mapping: requests using every OTLP field and value type, sent over HTTP as protobuf
 * and as JSON, read back from storage and turned back into OTLP/JSON, equal what was sent.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { batchToOtlpJson, startOtlpHttp, STORAGE_SIGNAL, type OtlpServer, type OtlpSignal } from '../ingest/index.ts'
import { MemoryStore } from '../storage/index.ts'
import { FULL_COUNTS, FULL_LOGS, FULL_METRICS, FULL_TRACES } from './support/otlp-fixtures.ts'
import { JSON_TYPE, post, PROTOBUF, readAll } from './support/otlp-http-client.ts'
import { encodeOtlpJsonAsProtobuf } from './support/otlp-protobufjs.ts'

const REQUESTS: Record<OtlpSignal, unknown> = { traces: FULL_TRACES, logs: FULL_LOGS, metrics: FULL_METRICS }

/** Attribute order carries no meaning: sort every KeyValue list of records by key. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    const n = normalize(v)
    out[k] = (k === 'attributes' || k === 'filteredAttributes') && Array.isArray(n) ? [...n].sort((a, b) => (a.key < b.key ? -1 : 1)) : n
  }
  return out
}

let store: MemoryStore
let server: OtlpServer

beforeEach(async () => {
  store = new MemoryStore()
  server = await startOtlpHttp({ store })
})
afterEach(async () => {
  await server.close()
})

describe.each(['traces', 'logs', 'metrics'] as const)('%s round trip', (signal) => {
  test.each(['json', 'protobuf'] as const)('over %s keeps every field', async (encoding) => {
    const request = REQUESTS[signal]
    const body = encoding === 'json' ? JSON.stringify(request) : encodeOtlpJsonAsProtobuf(signal, request)
    const answer = await post(server.address, `/v1/${signal}`, body, encoding === 'json' ? JSON_TYPE : PROTOBUF)
    expect(answer.status, answer.text).toBe(200)
    const batch = await readAll(store, STORAGE_SIGNAL[signal])
    expect(batch.length).toBe(FULL_COUNTS[signal])
    expect(normalize(batchToOtlpJson(batch))).toEqual(normalize(JSON.parse(JSON.stringify(request))))
  })
})
