/**
 * @module access/http-middleware
 * The check as hono middleware, for the routes of the HTTP port: credentials from the bearer
 * header or the `blazedb_token` cookie, the principal and its tenant set on the context.
 * `?tenant=` may name the tenant only under open access; with tokens, naming another tenant
 * than the token's is refused (403).
 */
import type { Context, MiddlewareHandler } from 'hono'
import { DEFAULT_TENANT } from '../storage/index.ts'
import type { Access } from './access.ts'
import { credentialsOf } from './credentials.ts'
import { AccessError } from './errors.ts'
import type { Scope } from './scopes.ts'
import type { Principal, Resource } from './token.ts'

export type AccessEnv = { Variables: { tenant: string; principal: Principal } }

/** The JSON error answer of a refused call (`WWW-Authenticate` on 401, RFC 6750 §3). */
export function accessDenied(error: AccessError): Response {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (error.status === 401) headers['www-authenticate'] = 'Bearer realm="blazedb"'
  return new Response(JSON.stringify({ error: { code: error.code, message: error.message } }), { status: error.status, headers })
}

/**
 * Middleware for routes that need `scope`. `resourceOf` names what a request reaches, for
 * restricted (embed) tokens; it is called only for them.
 * @example app.use('/api/v1/admin/*', requireAccess(access, 'admin'))
 */
export function requireAccess(access: Access, scope: Scope, resourceOf?: (c: Context) => Promise<Resource | undefined>): MiddlewareHandler<AccessEnv> {
  return async (c, next) => {
    let principal: Principal
    try {
      const credentials = credentialsOf((name) => c.req.header(name), { cookie: true })
      principal = await access.authorize(credentials, scope, resourceOf === undefined ? undefined : () => resourceOf(c))
    } catch (error) {
      if (error instanceof AccessError) return accessDenied(error)
      throw error
    }
    const asked = c.req.query('tenant')
    if (access.isOpen) {
      c.set('tenant', asked ?? DEFAULT_TENANT)
    } else if (asked !== undefined && asked !== principal.tenant) {
      return accessDenied(new AccessError('FORBIDDEN', 'authorize', `the token cannot reach tenant ${JSON.stringify(asked)}`))
    } else {
      c.set('tenant', principal.tenant)
    }
    c.set('principal', principal)
    return next()
  }
}
