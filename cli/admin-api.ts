/**
 * @module cli/admin-api
 * Administration over HTTP, for tokens with scope `admin` (or anyone when no tokens are set):
 *   GET    /api/v1/admin/storage      partitions and parts of the token's tenant, with sizes
 *   POST   /api/v1/admin/vacuum       flush and compact every partition now
 *   GET    /api/v1/admin/ingest       the OTLP gateway's counters (server-wide)
 *   GET    /api/v1/admin/tokens       tokens made at run time for the tenant (never secrets)
 *   POST   /api/v1/admin/tokens       {name?, scopes, restrictions?} -> 201 {token, ...info}
 *   DELETE /api/v1/admin/tokens/:id   revoke: refused from the next request on (204)
 */
import { Hono } from 'hono'
import { AccessError, requireAccess, type Access, type AccessEnv } from '../access/index.ts'
import type { IngestMetrics } from '../ingest/index.ts'
import type { Engine } from '../storage/index.ts'

export function createAdminApi(engine: Engine, access: Access, ingest: IngestMetrics): Hono<AccessEnv> {
  const app = new Hono<AccessEnv>()
  const json = (value: unknown): string => JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? String(v) : v))
  app.use('/api/v1/admin/*', requireAccess(access, 'admin'))
  app.onError((error, c) => {
    if (!(error instanceof AccessError)) throw error
    return c.json({ error: { code: error.code, message: error.message } }, error.status)
  })
  app.get('/api/v1/admin/storage', (c) => {
    const tenant = c.get('tenant')
    const partitions = engine.partitionsInfo().filter((p) => p.tenant === tenant)
    const signals = { spans: engine.stats(tenant, 'spans'), logs: engine.stats(tenant, 'logs'), metrics: engine.stats(tenant, 'metrics') }
    return c.body(json({ tenant, signals, partitions }), 200, { 'content-type': 'application/json' })
  })
  app.post('/api/v1/admin/vacuum', async (c) => {
    const parts = (): number => engine.partitionsInfo().reduce((n, p) => n + p.parts.length, 0)
    const before = parts()
    const started = performance.now()
    await engine.compact()
    return c.json({ partsBefore: before, partsAfter: parts(), ms: Math.round(performance.now() - started) })
  })
  app.get('/api/v1/admin/ingest', (c) => c.json(ingest.snapshot()))
  app.get('/api/v1/admin/tokens', async (c) => c.json({ tokens: await access.listTokens(c.get('tenant')) }))
  app.post('/api/v1/admin/tokens', async (c) => {
    const body = (await c.req.json().catch(() => undefined)) as Record<string, unknown> | undefined
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new AccessError('INVALID_ARGUMENT', 'create a token', 'the body must be JSON like {"name": "ci", "scopes": ["ingest"]}')
    }
    const made = await access.createToken(c.get('tenant'), { name: body.name as string, scopes: body.scopes as never, restrictions: body.restrictions as never })
    return c.json({ token: made.token, ...made.info }, 201)
  })
  app.delete('/api/v1/admin/tokens/:id', async (c) => {
    await access.revokeToken(c.get('tenant'), c.req.param('id'))
    return c.body(null, 204)
  })
  return app
}
