/**
 * @module cli/admin-api
 * Administration over HTTP, for tokens with scope `admin` (or anyone when no tokens are set):
 *   GET  /api/v1/admin/storage   partitions and parts of the token's tenant, with sizes
 *   POST /api/v1/admin/vacuum    flush and compact every partition now
 *   GET  /api/v1/admin/ingest    the OTLP gateway's counters (server-wide)
 */
import { Hono } from 'hono'
import type { IngestMetrics } from '../ingest/index.ts'
import { requireScope, type AccessToken, type ApiEnv } from '../query/index.ts'
import type { Engine } from '../storage/index.ts'

export function createAdminApi(engine: Engine, tokens: readonly AccessToken[], ingest: IngestMetrics): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>()
  const json = (value: unknown): string => JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? String(v) : v))
  app.use('/api/v1/admin/*', requireScope(tokens, 'admin'))
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
  return app
}
