/**
 * @module query/api-auth
 * The query API's use of the access component: the `read` scope, and for restricted (embed)
 * tokens the resource each route reaches, so that such a token runs only what it was made for.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { Access, requireAccess, type AccessEnv, type AccessOptions, type Resource } from '../access/index.ts'

export type ApiEnv = AccessEnv

/** A configured token (the access component's TokenConfig, as configuration files write it). */
export type AccessToken = NonNullable<AccessOptions['tokens']>[number]

const TRACE_PATH = /^\/api\/v1\/traces\/([^/]+)$/

/** What a query API request reaches: its query text, a trace, or the catalog lists. */
export async function queryResource(c: Context): Promise<Resource | undefined> {
  const path = c.req.path
  if (path === '/api/v1/query' && c.req.method === 'POST') {
    // hono keeps the parsed body: the route reads the same object.
    const body = (await c.req.json().catch(() => undefined)) as { query?: unknown } | undefined
    return typeof body?.query === 'string' ? { kind: 'query', text: body.query } : undefined
  }
  if (path === '/api/v1/subscribe') {
    const text = c.req.query('query')
    return text === undefined ? undefined : { kind: 'query', text }
  }
  const trace = TRACE_PATH.exec(path)
  if (trace !== null) return { kind: 'trace', traceId: trace[1] }
  return { kind: 'catalog' }
}

/** The check of every query API route: scope `read` (or `admin`) on the route's resource. */
export function requireRead(access: Access): MiddlewareHandler<ApiEnv> {
  return requireAccess(access, 'read', queryResource)
}

/**
 * Middleware for a route of another component that needs `scope`, from a list of tokens.
 * @example app.use('/api/v1/x/*', requireScope(config.tokens, 'read'))
 */
export function requireScope(tokens: readonly AccessToken[], scope: 'read' | 'admin'): MiddlewareHandler<ApiEnv> {
  return requireAccess(new Access({ tokens }), scope)
}
