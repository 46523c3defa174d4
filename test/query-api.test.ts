/**
 * The query HTTP API in-process with app.request(), the typed client over HTTP against a
 * real server on a free port, tokens and tenant isolation, and the subscription stream.
 */
import { serve, type ServerType } from '@hono/node-server'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, createQueryApi, duration, parseQuery, printQuery } from '../query/index.ts'
import { fixtureStore, T, TRACE_A } from '../query/testdata/fixture.ts'
import { BatchBuilder, type Store } from '../storage/index.ts'

const TOKENS = [
  { token: 'reader-token-1', tenant: 'default', scopes: ['read'] },
  { token: 'other-reader-1', tenant: 'other', scopes: ['read'] },
  { token: 'ingest-only-01', tenant: 'default', scopes: ['ingest'] },
]

let store: Store
beforeAll(async () => {
  store = await fixtureStore()
})

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = async (res: Response): Promise<any> => res.json()

const post = (app: ReturnType<typeof createQueryApi>, body: unknown, token?: string) =>
  app.request('/api/v1/query', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })

describe('POST /api/v1/query', () => {
  it('answers columns, rows and statistics', async () => {
    const app = createQueryApi({ store })
    const res = await post(app, { query: 'spans | stats count() by service.name | sort service.name', start: '2026-11-01T00:00:00Z', end: `${T + 60_000_000_000n}` })
    expect(res.status).toBe(200)
    const body = await json(res)
    expect(body.columns).toEqual([{ name: 'service.name', type: 'string' }, { name: 'count', type: 'number' }])
    expect(body.rows).toEqual([['frontend', 2], ['payment', 1]])
    expect(body.stats).toMatchObject({ rowsScanned: 4, blocksSkipped: 1, rowsReturned: 2 })
    expect(typeof body.stats.elapsedMs).toBe('number')
  })

  it('answers 400 with code, line and column for bad queries and bodies', async () => {
    const app = createQueryApi({ store })
    let res = await post(app, { query: 'spans\n| where duration >' })
    expect(res.status).toBe(400)
    expect((await json(res)).error).toEqual({ code: 'SYNTAX', message: 'cannot parse query: expected an expression, got the end of the query', line: 2, column: 19 })
    res = await post(app, 'not json')
    expect([res.status, (await json(res)).error.code]).toEqual([400, 'INVALID_ARGUMENT'])
    res = await post(app, { query: 'spans', start: 'yesterday' })
    expect([res.status, (await json(res)).error.code]).toEqual([400, 'INVALID_RANGE'])
    res = await post(createQueryApi({ store, limits: { maxMemoryBytes: 10 } }), { query: 'spans | sort name' })
    expect([res.status, (await json(res)).error.code]).toEqual([422, 'MEMORY_LIMIT'])
  })
})

describe('tokens and tenants', () => {
  const app = () => createQueryApi({ store, tokens: TOKENS })
  const count = async (token?: string, query = 'spans | stats count()') => {
    const res = await post(app(), { query }, token)
    return { status: res.status, body: await json(res) }
  }

  it('needs a known bearer token with the read scope', async () => {
    expect((await count()).status).toBe(401)
    expect((await count('wrong-token-123')).status).toBe(401)
    const ingest = await count('ingest-only-01')
    expect([ingest.status, ingest.body.error.code]).toEqual([403, 'FORBIDDEN'])
    expect((await count('reader-token-1')).body.rows).toEqual([[5]])
  })

  it('a token reads only its own tenant', async () => {
    expect((await count('other-reader-1', 'spans | stats count() by service.name')).body.rows).toEqual([['secret-service', 1]])
    const res = await app().request('/api/v1/services?tenant=other', { headers: { authorization: 'Bearer reader-token-1' } })
    expect(res.status).toBe(403)
    const mine = await app().request('/api/v1/services', { headers: { authorization: 'Bearer reader-token-1' } })
    expect((await json(mine)).services).toEqual(['cart', 'frontend', 'payment'])
  })
})

describe('traces and autocomplete', () => {
  const get = async (path: string) => {
    const res = await createQueryApi({ store }).request(path)
    return { status: res.status, body: await json(res) }
  }

  it('GET /api/v1/traces/:id answers the trace as a tree', async () => {
    const { status, body } = await get(`/api/v1/traces/${TRACE_A}`)
    expect(status).toBe(200)
    expect(body.spanCount).toBe(3)
    expect(body.roots).toHaveLength(1)
    expect(body.roots[0].span_id).toBe('0000000000000001')
    expect(body.roots[0].children[0].children[0]).toMatchObject({ span_id: '0000000000000003', name: 'POST /pay', children: [] })
    expect((await get('/api/v1/traces/dddddddddddddddddddddddddddddddd')).status).toBe(404)
    expect((await get('/api/v1/traces/xyz')).status).toBe(400)
  })

  it('lists services, operations, attribute keys and values', async () => {
    expect((await get('/api/v1/services')).body.services).toEqual(['cart', 'frontend', 'payment'])
    expect((await get('/api/v1/operations?service=frontend')).body.operations).toEqual(['GET /checkout', 'GET /health', 'POST /pay'])
    const keys = (await get('/api/v1/attributes?signal=spans')).body.keys as string[]
    expect(keys).toEqual(expect.arrayContaining(['duration', 'attr.http.route', 'resource.service.name', 'scope.library.kind']))
    expect((await get('/api/v1/attributes/attr.http.route/values')).body.values).toEqual([
      { value: '/checkout', count: 1 }, { value: '/pay', count: 1 }, { value: '/cart', count: 1 },
    ])
    expect((await get('/api/v1/attributes?signal=nope')).status).toBe(400)
  })
})

describe('subscription', () => {
  it('streams rows stored after it started, as server-sent events', async () => {
    const app = createQueryApi({ store })
    const controller = new AbortController()
    const res = await app.request(`/api/v1/subscribe?query=${encodeURIComponent('logs | where severity >= 17')}`, { signal: controller.signal })
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    const reader = res.body!.getReader()
    let text = ''
    const until = async (word: string) => {
      while (!text.includes(word)) text += new TextDecoder().decode((await reader.read()).value)
    }
    await until('event: ready')
    const b = new BatchBuilder('logs')
    const now = BigInt(Date.now()) * 1_000_000n
    b.setI64('timeUnixNano', 0, now)
    b.setU32('severityNumber', 0, 21)
    b.setStr('body', 0, 'disk full')
    b.setI64('timeUnixNano', 1, now)
    b.setU32('severityNumber', 1, 9)
    b.setStr('body', 1, 'all good')
    await store.append('default', b.finish(2))
    await until('event: rows')
    expect(text).toContain('disk full')
    expect(text).not.toContain('all good')
    controller.abort()
    await reader.cancel()
  })

  it('refuses a query that is not a filter', async () => {
    const res = await createQueryApi({ store }).request(`/api/v1/subscribe?query=${encodeURIComponent('logs | stats count()')}`)
    expect([res.status, (await json(res)).error.code]).toEqual([400, 'INVALID_ARGUMENT'])
  })
})

describe('typed client', () => {
  let server: ServerType
  let url: string
  beforeAll(async () => {
    const app = createQueryApi({ store, tokens: TOKENS })
    await new Promise<void>((done) => {
      server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => {
        url = `http://127.0.0.1:${info.port}`
        done()
      })
    })
  })
  afterAll(() => new Promise<void>((done) => server.close(() => done())))

  it('builds the same plan as the language', () => {
    const db = connect(store)
    const q = db.query('spans').where('duration', '>', duration('100ms')).where('service.name', 'in', ['frontend', 'payment']).orderBy('duration', 'desc').orderBy('name').limit(10)
    expect(q.toString()).toBe('spans | where duration > 100ms | where service.name in ("frontend", "payment") | sort duration desc, name | limit 10')
    expect(printQuery(parseQuery(q.toString()))).toBe(q.toString())
    const s = db.query('logs', { last: '1h' }).join(db.query('spans'), 'span', ['trace_id', 'span_id'], 'left').stats({ n: 'count()' }, ['span.name'])
    expect(s.toString()).toBe('logs last 1h | join left spans as span on trace_id = span.trace_id, span_id = span.span_id | stats count() as n by span.name')
  })

  it('runs in-process and over HTTP with the same answer', async () => {
    const build = (db: ReturnType<typeof connect>) => db.query('spans').where('duration', '>', 100_000_000).select('name', { ms: 'duration / 1ms' }).orderBy('ms', 'desc').limit(2)
    const local = await build(connect(store)).run()
    const remote = await build(connect(url, { token: 'reader-token-1' })).run({ start: T })
    expect(local.rows).toEqual([['GET /checkout', 300], ['POST /pay', 250]])
    expect(remote.rows).toEqual(local.rows)
    const denied = await build(connect(url, { token: 'ingest-only-01' })).run().catch((e: Error) => e)
    expect(denied).toBeInstanceOf(Error)
    const syntax = await connect(url, { token: 'reader-token-1' }).run('spans | where').catch((e) => e)
    expect([syntax.code, syntax.line, syntax.column]).toEqual(['SYNTAX', 1, 14])
  })
})
