/**
 * @module cli/collectors-api
 * The collectors' HTTP routes on the API port:
 *   POST /api/v1/write             Prometheus remote-write (token scope `ingest`; the token's tenant)
 *   GET  /api/v1/admin/collectors  every collector's counters and recent errors (scope `admin`)
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
  return app
}
