/**
 * @module query/api-auth
 * Bearer-token access for the query API. With no tokens configured every call is allowed and
 * reads tenant "default". Otherwise a call needs `Authorization: Bearer <token>` of a token
 * with scope `read` (or `admin`); it reads only that token's tenant, and naming another one
 * (`?tenant=`) is refused. 401: no or unknown token; 403: wrong scope or tenant (RFC 6750 §3.1).
 */
import { timingSafeEqual } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { DEFAULT_TENANT } from '../storage/index.ts'

export interface AccessToken {
  token: string
  tenant: string
  scopes: readonly string[]
}

export type ApiEnv = { Variables: { tenant: string } }

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

function deny(status: 401 | 403, message: string): Response {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (status === 401) headers['www-authenticate'] = 'Bearer realm="blazedb"'
  return new Response(JSON.stringify({ error: { code: status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN', message } }), { status, headers })
}

/**
 * Middleware that checks the token and sets the `tenant` variable.
 * @example app.use('/api/*', requireRead([{ token: 's3cret-token', tenant: 'acme', scopes: ['read'] }]))
 */
export function requireRead(tokens: readonly AccessToken[]): MiddlewareHandler<ApiEnv> {
  return requireScope(tokens, 'read')
}

/**
 * Middleware for calls that need `scope` (`admin` satisfies every scope): checks the token and
 * sets the `tenant` variable to the token's tenant.
 */
export function requireScope(tokens: readonly AccessToken[], scope: 'read' | 'admin'): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const asked = c.req.query('tenant')
    if (tokens.length === 0) {
      c.set('tenant', asked ?? DEFAULT_TENANT)
      return next()
    }
    const header = c.req.header('authorization') ?? ''
    const m = /^Bearer\s+(\S+)$/i.exec(header)
    if (m === null) return deny(401, 'cannot authorize: expected an Authorization: Bearer <token> header')
    const found = tokens.find((t) => sameToken(t.token, m[1]))
    if (found === undefined) return deny(401, 'cannot authorize: unknown token')
    if (!found.scopes.includes(scope) && !found.scopes.includes('admin')) {
      return deny(403, `cannot authorize: the token has scopes [${found.scopes.join(', ')}], this call needs ${scope}`)
    }
    if (asked !== undefined && asked !== found.tenant) return deny(403, `cannot authorize: the token cannot reach tenant ${JSON.stringify(asked)}`)
    c.set('tenant', found.tenant)
    return next()
  }
}
