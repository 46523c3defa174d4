/**
 * @module alerts/api
 * The alerting HTTP API (mounted by cli/serve.ts on the HTTP port). Every call reads or changes
 * the token's tenant only; reads need scope `read`, changes `admin`.
 *
 *   GET    /api/v1/rules                      rule groups with every rule's state and alerts
 *   GET    /api/v1/alerts                     pending and firing alerts
 *   PUT    /api/v1/rules/groups/{name}        create or replace an API rule group {interval, rules}
 *   DELETE /api/v1/rules/groups/{name}        delete an API rule group
 *   POST   /api/v1/admin/reload               read the rule files again (as SIGHUP does)
 *   GET    /api/v1/silences                   silences
 *   POST   /api/v1/silences                   create {matchers, endsAt, startsAt?, comment?, createdBy?}
 *   DELETE /api/v1/silences/{id}              delete a silence
 *
 * Errors: `{error: {code, message, ...}}`; 400 for invalid rules and silences, 404 for what is
 * not there, 413 for a body over the limit.
 */
import { Hono, type Context } from 'hono'
import { Access, requireAccess, type AccessEnv } from '../access/index.ts'
import type { AlertService } from './alert-service.ts'
import { AlertError } from './errors.ts'
import { MAX_API_BODY_BYTES } from './limits.ts'

export interface AlertsApiOptions {
  service: AlertService
  /** The server's token check; absent: open access (tenant "default", or `?tenant=`). */
  access?: Access
}

const STATUS: Record<AlertError['code'], 400 | 404 | 502> = {
  INVALID_RULE: 400,
  INVALID_CONFIG: 400,
  INVALID_SILENCE: 400,
  READ_FAILED: 400,
  SEND_FAILED: 502,
  NOT_FOUND: 404,
}

export function createAlertsApi(options: AlertsApiOptions): Hono<AccessEnv> {
  const { service } = options
  const access = options.access ?? new Access({ tokens: [] })
  const app = new Hono<AccessEnv>()
  const read = requireAccess(access, 'read')
  const admin = requireAccess(access, 'admin')
  app.onError((error, c) => {
    if (error instanceof AlertError) return c.json({ error: error.toJSON() }, STATUS[error.code])
    if (error instanceof BodyError) return c.json({ error: { code: error.code, message: error.message } }, error.status)
    return c.json({ error: { code: 'INTERNAL', message: `cannot answer: ${(error as Error).message}` } }, 500)
  })

  app.get('/api/v1/rules', read, (c) => c.json({ groups: service.rules(c.get('tenant')) }))
  app.get('/api/v1/alerts', read, (c) => c.json({ alerts: service.alerts(c.get('tenant')) }))
  app.put('/api/v1/rules/groups/:name', admin, async (c) => {
    await service.putGroup(c.get('tenant'), c.req.param('name'), await jsonBody(c))
    return c.json({ status: 'stored' })
  })
  app.delete('/api/v1/rules/groups/:name', admin, async (c) => {
    const name = c.req.param('name')
    if (!(await service.deleteGroup(c.get('tenant'), name))) throw new AlertError('NOT_FOUND', `cannot delete rule group: no API rule group ${JSON.stringify(name)}`)
    return c.json({ status: 'deleted' })
  })
  app.post('/api/v1/admin/reload', admin, async (c) => c.json({ status: 'reloaded', ...(await service.reload()) }))
  app.get('/api/v1/silences', read, async (c) => c.json({ silences: await service.silences.list(c.get('tenant')) }))
  app.post('/api/v1/silences', admin, async (c) => c.json({ silence: await service.silences.create(c.get('tenant'), await jsonBody(c), Date.now()) }))
  app.delete('/api/v1/silences/:id', admin, async (c) => {
    const id = c.req.param('id')
    if (!(await service.silences.delete(c.get('tenant'), id))) throw new AlertError('NOT_FOUND', `cannot delete silence: no silence ${JSON.stringify(id)}`)
    return c.json({ status: 'deleted' })
  })
  return app
}

class BodyError extends Error {
  readonly code: string
  readonly status: 400 | 413
  constructor(code: string, status: 400 | 413, message: string) {
    super(message)
    this.code = code
    this.status = status
  }
}

async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text()
  if (text.length > MAX_API_BODY_BYTES) throw new BodyError('TOO_LARGE', 413, `cannot read request: the body has ${text.length} bytes, the limit is ${MAX_API_BODY_BYTES}`)
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new BodyError('INVALID_ARGUMENT', 400, `cannot read request: the body must be JSON: ${(error as Error).message}`)
  }
}
