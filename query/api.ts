/**
 * @module query/api
 * The query HTTP API, a hono sub-app the server mounts on its HTTP port:
 *   POST /api/v1/query               {query, start?, end?} -> {columns, rows, stats}
 *   GET  /api/v1/traces/:traceId     every span of a trace, as a tree
 *   GET  /api/v1/services            service names
 *   GET  /api/v1/operations          span names (?service=)
 *   GET  /api/v1/attributes          field names (?signal=)
 *   GET  /api/v1/attributes/:field/values   most frequent values (?signal=)
 *   GET  /api/v1/subscribe           Server-Sent Events of new rows (?query=)
 * Every route takes ?start=&end= (RFC 3339 or epoch ns) and needs a read token when tokens
 * are configured (access/README.md; an embed token only reaches its own queries). Errors: {error: {code, message, line?, column?}} with the status of
 * api-errors.ts. A client that goes away cancels its query.
 */
import { Hono } from 'hono'
import { Access } from '../access/index.ts'
import type { Store } from '../storage/index.ts'
import type { QueryNode } from './ast.ts'
import { requireRead, type AccessToken, type ApiEnv } from './api-auth.ts'
import { listAttributeKeys, listOperations, listServices, listValues, signalParam, type CatalogOptions } from './api-catalog.ts'
import { errorResponse, parseApiTime } from './api-errors.ts'
import { subscribe, subscriptionPlan } from './api-subscribe.ts'
import { runQuery, type QueryLimits, type QueryOptions, type QueryResult } from './engine.ts'
import type { QueryService } from './query-service.ts'
import { QueryError } from './errors.ts'
import { MAX_RESULT_ROWS } from './limits.ts'
import { traceTree } from './trace-json.ts'

export interface QueryApiOptions {
  store: Store
  /** Bearer tokens; empty or absent: no token needed, tenant "default". Ignored with `access`. */
  tokens?: readonly AccessToken[]
  /** The server's token check (with its tokens made at run time and its embed check). */
  access?: Access
  limits?: Partial<QueryLimits>
  /** Runs queries on query threads (createQueryService over the same store); absent: in-process. */
  queries?: QueryService
}

/**
 * The API as a hono app; mount it with `app.route('/', createQueryApi({ store }))`.
 * @example const api = createQueryApi({ store, tokens: config.tokens })
 */
export function createQueryApi(options: QueryApiOptions): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>()
  const { store, limits } = options
  const run = (query: string | QueryNode, o: QueryOptions): Promise<QueryResult> => (options.queries === undefined ? runQuery(query, o) : options.queries.run(query, o))
  app.use('/api/v1/*', requireRead(options.access ?? new Access({ tokens: options.tokens })))
  app.onError((error, c) => errorResponse(c, error))

  const catalog = (c: { req: { query(name: string): string | undefined; raw: Request }; get(k: 'tenant'): string }): CatalogOptions => ({
    store,
    tenant: c.get('tenant'),
    limits,
    start: parseApiTime('start', c.req.query('start')),
    end: parseApiTime('end', c.req.query('end')),
    signal: c.req.raw.signal,
    run,
  })

  app.post('/api/v1/query', async (c) => {
    let body: Record<string, unknown>
    try {
      body = (await c.req.json()) as Record<string, unknown>
    } catch (error) {
      throw new QueryError('INVALID_ARGUMENT', 'cannot read request: the body must be JSON like {"query": "spans | limit 10"}', { cause: error })
    }
    if (typeof body?.query !== 'string') throw new QueryError('INVALID_ARGUMENT', 'cannot read request: "query" must be a string')
    const o: QueryOptions = {
      store,
      tenant: c.get('tenant'),
      limits,
      start: parseApiTime('start', body.start),
      end: parseApiTime('end', body.end),
      signal: c.req.raw.signal,
    }
    // On query threads the JSON is made there too: a large result costs the event loop no time.
    if (options.queries !== undefined) return c.body(await options.queries.runJson(body.query, o), 200, { 'content-type': 'application/json' })
    return c.json(await run(body.query, o))
  })

  app.get('/api/v1/traces/:traceId', async (c) => {
    const traceId = c.req.param('traceId')
    const options = { ...catalog(c), limits: { ...limits, defaultRows: MAX_RESULT_ROWS } }
    const result = await run({ kind: 'Query', source: { kind: 'TraceSource', traceId, at: 0 }, stages: [], at: 0 }, options)
    if (result.rows.length === 0) return c.json({ error: { code: 'NOT_FOUND', message: `cannot find trace ${traceId}` } }, 404)
    return c.json({ traceId, spanCount: result.rows.length, roots: traceTree(result), stats: result.stats })
  })

  app.get('/api/v1/services', async (c) => c.json({ services: await listServices(catalog(c)) }))
  app.get('/api/v1/operations', async (c) => c.json({ operations: await listOperations(catalog(c), c.req.query('service')) }))
  app.get('/api/v1/attributes', async (c) => c.json({ keys: await listAttributeKeys(catalog(c), signalParam(c.req.query('signal'))) }))
  app.get('/api/v1/attributes/:field/values', async (c) => {
    return c.json({ values: await listValues(catalog(c), signalParam(c.req.query('signal')), c.req.param('field')) })
  })
  app.get('/api/v1/subscribe', (c) => {
    const text = c.req.query('query')
    return subscribe(c, text!, subscriptionPlan(text), store, limits)
  })
  return app
}
