/**
 * @module dashboards/server/dashboard-api
 * Saved dashboards over HTTP, on the query API's port and with its tokens:
 *   GET    /api/v1/dashboards                 {dashboards: [summary]}
 *   GET    /api/v1/dashboards/:id             {dashboard, source, readOnly, updatedAt?}
 *   POST   /api/v1/dashboards                 create (also import): 201 with the new id
 *   PUT    /api/v1/dashboards/:id             replace a stored dashboard
 *   DELETE /api/v1/dashboards/:id             204
 *   POST   /api/v1/dashboards/:id/duplicate   201, a stored copy (of any dashboard)
 *   GET    /ui/embed/dashboards/:id           the definition, for embed pages (and embed tokens)
 * Reading needs scope `read` (an embed token: its dashboard only), changing `admin`; built-in and provisioned dashboards answer
 * 409 READ_ONLY to a change. Errors: {error: {code, message}} like the query API.
 */
import { Hono, type Context } from 'hono'
import { requireAccess, type Access, type AccessEnv } from '../../access/index.ts'
import { DashboardsError } from '../errors.ts'
import { MAX_DASHBOARD_BYTES } from '../limits.ts'
import type { DashboardRepo } from './dashboard-repo.ts'

async function body(c: Context<AccessEnv>): Promise<unknown> {
  const length = Number(c.req.header('content-length') ?? 0)
  if (length > MAX_DASHBOARD_BYTES) throw new DashboardsError('INVALID_ARGUMENT', `cannot read dashboard: the body has ${length} bytes, the limit is ${MAX_DASHBOARD_BYTES}`)
  const text = await c.req.text()
  if (text.length > MAX_DASHBOARD_BYTES) throw new DashboardsError('INVALID_ARGUMENT', `cannot read dashboard: the body has more than ${MAX_DASHBOARD_BYTES} bytes`)
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new DashboardsError('INVALID_ARGUMENT', `cannot read dashboard: the body is not JSON (${(error as Error).message})`)
  }
}

export function createDashboardApi(repo: DashboardRepo, access: Access): Hono<AccessEnv> {
  const app = new Hono<AccessEnv>()
  // An embed token reads its own dashboard only (embed-access.ts).
  const read = requireAccess(access, 'read', async (c) => (c.req.param('id') === undefined ? undefined : { kind: 'dashboard', id: c.req.param('id')! }))
  const write = requireAccess(access, 'admin')
  app.onError((error, c) => {
    if (error instanceof DashboardsError) return c.json({ error: { code: error.code, message: error.message } }, error.status)
    return c.json({ error: { code: 'INTERNAL', message: `cannot serve ${c.req.path}: ${error.message}` } }, 500)
  })
  app.get('/api/v1/dashboards', read, async (c) => c.json({ dashboards: await repo.list(c.get('tenant')) }))
  app.get('/api/v1/dashboards/:id', read, async (c) => c.json(await repo.get(c.get('tenant'), c.req.param('id'))))
  app.post('/api/v1/dashboards', write, async (c) => c.json(await repo.create(c.get('tenant'), await body(c)), 201))
  app.put('/api/v1/dashboards/:id', write, async (c) => c.json(await repo.update(c.get('tenant'), c.req.param('id'), await body(c))))
  app.delete('/api/v1/dashboards/:id', write, async (c) => {
    await repo.delete(c.get('tenant'), c.req.param('id'))
    return c.body(null, 204)
  })
  // The same definition for embed pages: the query API checks every /api/v1/* call as a query
  // or catalog call first, which an embed token may not make, so embeds read it here.
  app.get('/ui/embed/dashboards/:id', read, async (c) => c.json(await repo.get(c.get('tenant'), c.req.param('id'))))
  app.post('/api/v1/dashboards/:id/duplicate', write, async (c) => c.json(await repo.duplicate(c.get('tenant'), c.req.param('id')), 201))
  return app
}
