/**
 * @module cli/collectors-api
 * The collectors' HTTP routes on the API port:
 *   POST /api/v1/write             Prometheus remote-write (token scope `ingest`; the token's tenant)
 *   GET  /api/v1/admin/collectors  every collector's counters and recent errors (scope `admin`)
 *   GET  /metrics                  BlazeDB's own metrics, Prometheus text format (scope `admin`)
 * and times every POST /api/v1/query for the query latency histogram.
 */
import { Hono } from 'hono'
import type { RunningCollectors } from '../collectors/index.ts'
import { requireScope, type AccessToken, type ApiEnv } from '../query/index.ts'

export function createCollectorsApi(collectors: RunningCollectors, tokens: readonly AccessToken[]): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>()
  const remoteWrite = collectors.remoteWrite
  if (remoteWrite !== undefined) {
    // requireScope checks any scope name at run time; its type lists the query API's two.
    app.post('/api/v1/write', requireScope(tokens, 'ingest' as 'read'), (c) => remoteWrite.handle(c.get('tenant'), c.req.raw))
  }
  app.get('/api/v1/admin/collectors', requireScope(tokens, 'admin'), (c) => c.json({ collectors: collectors.snapshot() }))
  const self = collectors.self
  if (self !== undefined) {
    app.get('/metrics', requireScope(tokens, 'admin'), (c) => c.body(self.render(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }))
    app.use('/api/v1/query', async (c, next) => {
      const started = performance.now()
      await next()
      self.observeQuery((performance.now() - started) / 1000, c.res.status)
    })
  }
  return app
}
