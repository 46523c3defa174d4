/**
 * @module dashboards/server/session-api
 * Signing in to the web UI when tokens are configured: the login form posts a token, which is
 * checked and kept in the `blazedb_token` cookie (HttpOnly: page scripts cannot read it;
 * SameSite=Strict: other sites cannot send it, so it cannot be used for cross-site requests;
 * Secure over TLS). Every API call of the UI is then authorised as that token (access/).
 *   GET  /ui/session   {open, authenticated, tenant?, scopes?}
 *   POST /ui/login     {token} -> 204 with the cookie, 401 for a token that is not valid
 *   POST /ui/logout    204, the cookie cleared
 */
import { Hono } from 'hono'
import { AccessError, credentialsOf, TOKEN_COOKIE, type Access } from '../../access/index.ts'
import { SESSION_MAX_AGE_SECONDS } from '../limits.ts'

function cookie(value: string, maxAge: number, secure: boolean): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`
}

export function createSessionApi(access: Access): Hono {
  const app = new Hono()
  const secure = (url: string): boolean => url.startsWith('https:')
  app.get('/ui/session', async (c) => {
    if (access.isOpen) return c.json({ open: true, authenticated: true })
    try {
      const p = await access.authorize(credentialsOf((n) => c.req.header(n), { cookie: true }), 'read')
      return c.json({ open: false, authenticated: true, tenant: p.tenant, scopes: p.scopes })
    } catch {
      return c.json({ open: false, authenticated: false })
    }
  })
  app.post('/ui/login', async (c) => {
    let token: unknown
    try {
      token = ((await c.req.json()) as { token?: unknown }).token
    } catch {
      return c.json({ error: { code: 'INVALID_ARGUMENT', message: 'cannot sign in: the body must be JSON like {"token": "..."}' } }, 400)
    }
    if (typeof token !== 'string' || token === '') return c.json({ error: { code: 'INVALID_ARGUMENT', message: 'cannot sign in: the token is missing' } }, 400)
    try {
      await access.authorize({ token }, 'read')
    } catch (error) {
      const status = error instanceof AccessError ? error.status : 401
      return c.json({ error: { code: 'UNAUTHENTICATED', message: `cannot sign in: ${(error as Error).message}` } }, status as 401)
    }
    return c.body(null, 204, { 'set-cookie': cookie(token, SESSION_MAX_AGE_SECONDS, secure(c.req.url)), 'cache-control': 'no-store' })
  })
  app.post('/ui/logout', (c) => c.body(null, 204, { 'set-cookie': cookie('', 0, secure(c.req.url)) }))
  return app
}
