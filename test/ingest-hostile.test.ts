/**
 * Hostile input over OTLP/HTTP: every bad request gets a 4xx (or a retryable 5xx) with a
 * message, stores nothing, and the server keeps answering; seeded random bodies all get
 * answers; a failing store is answered as retryable or permanent.
 */
import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startOtlpHttp, type OtlpServer } from '../ingest/index.ts'
import { MemoryStore, StorageError, type Batch, type Store } from '../storage/index.ts'
import { FULL_LOGS, FULL_METRICS, FULL_TRACES } from './support/otlp-fixtures.ts'
import { JSON_TYPE, post, PROTOBUF, storedRows } from './support/otlp-http-client.ts'
import { encodeOtlpJsonAsProtobuf } from './support/otlp-protobufjs.ts'
import { field, traceRequest, varintField } from './support/otlp-wire.ts'
import { seededRandom } from './support/random-batch.ts'

const execFileAsync = promisify(execFile)
const MAX_REQUEST_BYTES = 4 * 1024 * 1024
const store = new MemoryStore()
let server: OtlpServer
const validTraces = encodeOtlpJsonAsProtobuf('traces', FULL_TRACES)

beforeAll(async () => {
  server = await startOtlpHttp({ store, maxRequestBytes: MAX_REQUEST_BYTES })
})
afterAll(() => server.close())

const ID16 = Array.from({ length: 16 }, (_, i) => i + 1)
const ID8 = Array.from({ length: 8 }, (_, i) => i + 1)
const fixed64 = (num: number, value: bigint) => [(num << 3) | 1, ...new Uint8Array(BigInt64Array.of(value).buffer)]
const goodSpan = [field(1, ID16), field(2, ID8), fixed64(7, 1793491200000000000n)]

function nested(depth: number): number[] {
  let value = field(1, Buffer.from('leaf'))
  for (let i = 0; i < depth; i++) value = field(5, field(1, value))
  return value
}

function spanJson(span: Record<string, unknown>): string {
  return JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', startTimeUnixNano: '1793491200000000000', ...span }] }] }] })
}

interface Case {
  name: string
  path?: string
  method?: string
  body: Uint8Array | string
  headers?: Record<string, string>
  status: number
  message: RegExp
}

const CASES: Case[] = [
  { name: 'truncated protobuf', body: validTraces.subarray(0, validTraces.length - 7), status: 400, message: /runs past the end/ },
  { name: 'random bytes', body: Uint8Array.from({ length: 512 }, (_, i) => (i * 97 + 13) & 255), status: 400, message: /cannot decode/ },
  { name: 'wrong wire type', body: traceRequest(...goodSpan, varintField(5, 3)), status: 400, message: /field 5 has wire type 0/ },
  { name: 'field number 0', body: Uint8Array.from([0, 1]), status: 400, message: /field number 0/ },
  { name: 'deep nesting', body: traceRequest(...goodSpan, field(9, field(1, Buffer.from('k')), field(2, nested(200)))), status: 400, message: /nested more than 32/ },
  { name: 'huge string', body: traceRequest(...goodSpan, field(5, Buffer.alloc(2 * 1024 * 1024, 97))), status: 400, message: /limit is 1048576/ },
  { name: 'too many attributes', body: traceRequest(...goodSpan, ...Array.from({ length: 1100 }, (_, i) => field(9, field(1, Buffer.from(`k${i}`))))), status: 400, message: /more than 1024 attributes/ },
  { name: 'invalid UTF-8', body: traceRequest(...goodSpan, field(5, [0x61, 0xff, 0xfe, 0x62])), status: 400, message: /invalid UTF-8/ },
  { name: 'trace id of 5 bytes', body: traceRequest(field(1, [1, 2, 3, 4, 5]), field(2, ID8), fixed64(7, 1n)), status: 400, message: /5 bytes long, expected 16/ },
  { name: 'varint longer than 10 bytes', body: Uint8Array.from([0x78, ...Array(11).fill(0xff), 1]), status: 400, message: /varint/ },
  { name: 'start time 0', body: traceRequest(field(1, ID16), field(2, ID8)), status: 400, message: /start_time_unix_nano is 0/ },
  { name: 'far future time', body: traceRequest(field(1, ID16), field(2, ID8), fixed64(7, -1n)), status: 400, message: /after 2200/ },
  { name: 'all-zero trace id', body: traceRequest(field(1, Array(16).fill(0)), field(2, ID8), fixed64(7, 1n)), status: 400, message: /trace_id is missing/ },
  { name: 'gzip bomb', body: gzipSync(Buffer.alloc(64 * 1024 * 1024)), headers: { ...PROTOBUF, 'Content-Encoding': 'gzip' }, status: 413, message: /decompressed body is larger than the limit of 4194304/ },
  { name: 'corrupt gzip', body: Buffer.from('not gzip at all'), headers: { ...PROTOBUF, 'Content-Encoding': 'gzip' }, status: 400, message: /cannot decompress the gzip body/ },
  { name: 'body over the limit', body: Buffer.alloc(MAX_REQUEST_BYTES + 1), status: 413, message: /body is larger than the limit/ },
  { name: 'unknown content type', body: 'x', headers: { 'Content-Type': 'text/plain' }, status: 415, message: /supported: \[application\/json, application\/x-protobuf\]/ },
  { name: 'unknown content encoding', body: 'x', headers: { ...PROTOBUF, 'Content-Encoding': 'br' }, status: 415, message: /supported: identity, gzip/ },
  { name: 'JSON syntax error', body: '{"resourceSpans": [', headers: JSON_TYPE, status: 400, message: /cannot parse the JSON request/ },
  { name: 'JSON base64 id', body: spanJson({ traceId: 'W47/95gDgQPSabYzgT/GDA==' }), headers: JSON_TYPE, status: 400, message: /hex digits \(OTLP\/JSON ids are hex, not base64\)/ },
  { name: 'JSON id of wrong length', body: spanJson({ spanId: 'abcd' }), headers: JSON_TYPE, status: 400, message: /expected 16 hex digits/ },
  { name: 'JSON enum as a name', body: spanJson({ kind: 'SPAN_KIND_SERVER' }), headers: JSON_TYPE, status: 400, message: /enums are integers/ },
  { name: 'JSON far future time', body: spanJson({ startTimeUnixNano: '18446744073709551615' }), headers: JSON_TYPE, status: 400, message: /after 2200/ },
  { name: 'JSON not an object', body: '[1,2]', headers: JSON_TYPE, status: 400, message: /expected an object/ },
  { name: 'JSON null', body: 'null', headers: JSON_TYPE, status: 400, message: /cannot decode the JSON request: expected an object, got null/ },
  { name: 'JSON number', body: '42', headers: JSON_TYPE, status: 400, message: /expected an object, got number/ },
  { name: 'JSON string', body: '"resourceSpans"', headers: JSON_TYPE, status: 400, message: /expected an object, got string/ },
  { name: 'JSON array', body: '[]', headers: JSON_TYPE, status: 400, message: /expected an object, got an array/ },
  { name: 'JSON null on /v1/metrics', path: '/v1/metrics', body: 'null', headers: JSON_TYPE, status: 400, message: /expected an object, got null/ },
  { name: 'JSON null on /v1/logs', path: '/v1/logs', body: 'null', headers: JSON_TYPE, status: 400, message: /expected an object, got null/ },
  { name: 'unknown path', path: '/v1/profiles', body: 'x', status: 404, message: /cannot route/ },
  { name: 'GET', method: 'GET', body: '', status: 405, message: /only POST/ },
]

describe('hostile requests', () => {
  test.each(CASES)('$name: $status', async (c) => {
    const before = storedRows(store)
    const res = await fetch(`http://${server.address}${c.path ?? '/v1/traces'}`, {
      method: c.method ?? 'POST',
      body: c.method === 'GET' ? undefined : typeof c.body === 'string' ? c.body : Buffer.from(c.body),
      headers: c.headers ?? PROTOBUF,
    })
    const text = Buffer.from(await res.arrayBuffer()).toString('utf8')
    expect(res.status, text).toBe(c.status)
    expect(text).toMatch(c.message)
    expect(storedRows(store)).toBe(before)
    const ok = await post(server.address, '/v1/traces', validTraces, PROTOBUF)
    expect(ok.status).toBe(200)
  })
})

const LARGE_BODY_CLIENT = resolve(import.meta.dirname, 'support/large-body-client.ts')

/** Runs large-body-client.ts in a child process: its one line of JSON. */
async function sendLarge(address: string, total: number, chunked: boolean): Promise<{ status?: number; connection?: string; text?: string; error?: string }> {
  const { stdout } = await execFileAsync(process.execPath, [LARGE_BODY_CLIENT, address, '/v1/traces', String(total), chunked ? 'chunked' : 'length'])
  return JSON.parse(stdout)
}

describe('oversized bodies', () => {
  test.each([
    ['chunked', true],
    ['with a Content-Length', false],
  ])('a 50 MB body sent %s gets a 413 the client reads, then the connection closes', async (_, chunked) => {
    const answer = await sendLarge(server.address, 50 * 1024 * 1024, chunked)
    expect(answer.error).toBeUndefined()
    expect(answer.status).toBe(413)
    expect(answer.connection).toBe('close')
    expect(answer.text).toMatch(/body is larger than the limit of 4194304 bytes/)
    const ok = await post(server.address, '/v1/traces', validTraces, PROTOBUF)
    expect(ok.status).toBe(200)
  })
})

describe('fuzz', () => {
  test('seeded random and mutated bodies all get answers', async () => {
    const rand = seededRandom(20261122)
    const seeds = [validTraces, encodeOtlpJsonAsProtobuf('logs', FULL_LOGS), encodeOtlpJsonAsProtobuf('metrics', FULL_METRICS)]
    const paths = ['/v1/traces', '/v1/logs', '/v1/metrics']
    for (let i = 0; i < 300; i++) {
      const k = Math.floor(rand() * 3)
      let body: Uint8Array
      if (i % 3 === 0) body = Uint8Array.from({ length: Math.floor(rand() * 256) }, () => Math.floor(rand() * 256))
      else {
        body = Uint8Array.from(seeds[k])
        for (let flips = 1 + Math.floor(rand() * 4); flips > 0; flips--) body[Math.floor(rand() * body.length)] ^= 1 << Math.floor(rand() * 8)
        if (i % 3 === 2) body = body.subarray(0, Math.floor(rand() * body.length))
      }
      const json = i % 10 === 9
      const answer = await post(server.address, paths[k], json ? Buffer.from(body).toString('latin1') : body, json ? JSON_TYPE : PROTOBUF)
      expect([200, 400]).toContain(answer.status)
    }
    const ok = await post(server.address, '/v1/traces', validTraces, PROTOBUF)
    expect(ok.status).toBe(200)
  })
})

/** A store whose appends fail with `error`, or wait for `gate` when given. */
class FailingStore extends MemoryStore {
  error: Error | undefined
  gate: Promise<void> | undefined
  appending: (() => void) | undefined

  override async append(tenant: string, batch: Batch): Promise<void> {
    this.appending?.()
    if (this.gate !== undefined) await this.gate
    if (this.error !== undefined) throw this.error
    return super.append(tenant, batch)
  }
}

describe('storage failures and backpressure', () => {
  const f = async (error: Error, status: number, retryAfter: string | null) => {
    const failing = new FailingStore()
    failing.error = error
    const srv = await startOtlpHttp({ store: failing as Store })
    try {
      const answer = await post(srv.address, '/v1/traces', validTraces, PROTOBUF)
      expect(answer.status).toBe(status)
      expect(answer.headers.get('retry-after')).toBe(retryAfter)
      expect(answer.text).toMatch(/cannot store the batch/)
      expect(storedRows(failing)).toBe(0)
    } finally {
      await srv.close()
    }
  }
  test('an I/O error is retryable: 503 with Retry-After', () => f(new StorageError('IO', 'disk went away'), 503, '1'))
  test('a closed store is retryable: 503', () => f(new StorageError('CLOSED', 'closing'), 503, '1'))
  test('an unknown error is retryable: 503', () => f(new Error('boom'), 503, '1'))
  test('a refused batch is permanent: 400', () => f(new StorageError('INVALID_ARGUMENT', 'bad batch'), 400, null))

  test('requests past the in-flight bound get 429 with Retry-After until the first completes', async () => {
    const slow = new FailingStore()
    let open!: () => void
    slow.gate = new Promise((resolve) => (open = resolve))
    const appending = new Promise<void>((resolve) => (slow.appending = resolve))
    const srv = await startOtlpHttp({ store: slow as Store, maxInflightBytes: validTraces.length + 10 })
    try {
      const first = post(srv.address, '/v1/traces', validTraces, PROTOBUF)
      await appending
      const second = await post(srv.address, '/v1/traces', validTraces, PROTOBUF)
      expect(second.status).toBe(429)
      expect(second.headers.get('retry-after')).toBe('1')
      expect(second.text).toMatch(/bytes are in flight/)
      open()
      expect((await first).status).toBe(200)
      slow.gate = undefined
      expect((await post(srv.address, '/v1/traces', validTraces, PROTOBUF)).status).toBe(200)
      expect(srv.metrics.snapshot().errors.OVERLOADED).toBe(1)
    } finally {
      await srv.close()
    }
  })
})
