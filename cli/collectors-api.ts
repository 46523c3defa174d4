/**
 * @module cli/collectors-api
 * The collectors' HTTP routes on the API port:
 *   POST /api/v1/write             Prometheus remote-write (token scope `ingest`; the token's tenant)
 *   GET  /api/v1/admin/collectors  every collector's counters and recent errors (scope `admin`)
 *   GET  /metrics                  BlazeDB's own metrics, Prometheus text format (scope `admin`);
 *                                  a browser's page visit (Accept names text/html) goes on to the
 *                                  web UI's Metrics page, which has the same path
 * and times every POST /api/v1/query for the query latency histogram.
 */
import { Hono } from 'hono'
import type { RunningCollectors } from '../collectors/index.ts'
import { requireAccess, type Access, type AccessEnv } from '../access/index.ts'

/** Browsers ask for text/html when they open a page; Prometheus and curl never do. */
function isPageVisit(accept: string | undefined): boolean {
  return accept !== undefined && /(^|,)\s*text\/html\s*(;|,|$)/i.test(accept)
}

export function createCollectorsApi(collectors: RunningCollectors, access: Access): Hono<AccessEnv> {
  const app = new Hono<AccessEnv>()
  const remoteWrite = collectors.remoteWrite
  if (remoteWrite !== undefined) {
    app.post('/api/v1/write', requireAccess(access, 'ingest'), (c) => remoteWrite.handle(c.get('tenant'), c.req.raw))
  }
  app.get('/api/v1/admin/collectors', requireAccess(access, 'admin'), (c) => c.json({ collectors: collectors.snapshot() }))
  const self = collectors.self
  if (self !== undefined) {
    const admin = requireAccess(access, 'admin')
    // One handler, so that a page visit skips the token check too and reaches the UI's route.
    app.get('/metrics', async (c, next) => {
      if (isPageVisit(c.req.header('accept'))) return next()
      let scraped: Response | undefined
      const denied = await admin(c, async () => {
        scraped = c.body(self.render(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
      })
      return denied ?? scraped
    })
    app.use('/api/v1/query', async (c, next) => {
      const started = performance.now()
      await next()
      self.observeQuery((performance.now() - started) / 1000, c.res.status)
    })
  }
  return app
}
