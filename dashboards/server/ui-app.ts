/**
 * @module dashboards/server/ui-app
 * The web UI's routes, a hono app the server mounts on its HTTP port next to the query API:
 *   GET /, /explore, /services[/...], /traces[/...], /logs, /metrics, /dashboards[/...]
 *                       the app shell (client-side routing; state lives in the query string)
 *   GET /embed/...      the same shell for iframes: no navigation, framable by allowed origins
 *   GET /ui/app-<hash>.js|css   the bundle, built in memory at start
 *   /api/v1/dashboards[/...]    saved dashboards (dashboard-api.ts)
 *   /ui/session, /ui/login, /ui/logout   signing in when tokens are configured (session-api.ts)
 * Every response carries the security headers of security-headers.ts.
 */
import { Hono, type Context } from 'hono'
import { Access } from '../../access/index.ts'
import { MemoryDocuments, type DocumentStore } from '../../storage/index.ts'
import { DashboardsError } from '../errors.ts'
import { ASSET_MAX_AGE_SECONDS } from '../limits.ts'
import { bundleWeb, type Bundle } from './bundle.ts'
import { createDashboardApi } from './dashboard-api.ts'
import { DashboardRepo } from './dashboard-repo.ts'
import { embedResourceCheck } from './embed-access.ts'
import { createSessionApi } from './session-api.ts'
import { loadProvisionedDashboards } from './provision.ts'
import { securityHeaders, type SecurityOptions } from './security-headers.ts'
import { FAVICON_SVG, shellHtml } from './shell-html.ts'

export interface DashboardsUiOptions {
  /** Where saved dashboards live: the store's documents (`store.documents`). Default: memory. */
  documents?: DocumentStore
  /** The server's token check; default open access. The UI installs its embed-token check on it. */
  access?: Access
  /** Directory of dashboard JSON files provisioned at start (read-only); '' or absent: none. */
  dashboardsDir?: string
  /** Origins allowed to frame /embed/ pages (CSP frame-ancestors), like https://wiki.example.com; default none. */
  embedOrigins?: readonly string[]
  /** The bundle to serve; built from dashboards/web/ when absent. */
  bundle?: Promise<Bundle>
}

/** First path segments of the app's pages; each answers with the shell. */
export const PAGE_ROUTES = ['explore', 'services', 'traces', 'logs', 'metrics', 'dashboards', 'alerts'] as const

/**
 * The UI as a hono app; mount it with `app.route('/', createDashboardsUi())`.
 * The bundle starts building at once; requests wait for it.
 * @example app.route('/', createDashboardsUi({ embedOrigins: ['https://wiki.example.com'] }))
 */
export function createDashboardsUi(options: DashboardsUiOptions = {}): Hono {
  const security: SecurityOptions = { embedOrigins: checkOrigins(options.embedOrigins ?? []) }
  const provisioned = options.dashboardsDir ? loadProvisionedDashboards(options.dashboardsDir) : []
  const repo = new DashboardRepo(options.documents ?? new MemoryDocuments(), provisioned)
  const access = options.access ?? new Access()
  access.setResourceCheck(embedResourceCheck(repo))
  const bundle = options.bundle ?? bundleWeb()
  // A failed build answers 500 on each request; do not let it go unhandled before the first.
  bundle.catch(() => {})
  const app = new Hono()
  app.route('/', createDashboardApi(repo, access))
  app.route('/', createSessionApi(access))

  const page = async (c: Context, embed: boolean): Promise<Response> => {
    const html = shellHtml(await bundle)
    return c.body(html, 200, { ...securityHeaders(embed, security), 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' })
  }
  app.get('/', (c) => page(c, false))
  for (const route of PAGE_ROUTES) {
    app.get(`/${route}`, (c) => page(c, false))
    app.get(`/${route}/*`, (c) => page(c, false))
  }
  app.get('/embed/*', (c) => page(c, true))

  app.get('/ui/favicon.svg', (c) =>
    c.body(FAVICON_SVG, 200, { ...securityHeaders(false, security), 'content-type': 'image/svg+xml', 'cache-control': 'max-age=86400' }),
  )
  app.get('/ui/:file', async (c) => {
    const { js, css } = await bundle
    const found = [js, css].find((a) => a.path === c.req.path)
    if (found === undefined) return c.text(`cannot find ${c.req.path}: the UI was rebuilt; reload the page`, 404)
    return c.body(found.body as Uint8Array<ArrayBuffer>, 200, {
      ...securityHeaders(false, security),
      'content-type': found.contentType,
      'cache-control': `public, max-age=${ASSET_MAX_AGE_SECONDS}, immutable`,
    })
  })
  app.onError((error, c) => c.text(error.message, 'status' in error && typeof error.status === 'number' ? (error.status as 500) : 500))
  return app
}

/** Origins as CSP takes them: scheme, host and optional port, nothing else (no path, no quotes). */
function checkOrigins(origins: readonly string[]): readonly string[] {
  if (!Array.isArray(origins)) throw new DashboardsError('INVALID_ARGUMENT', `cannot use embedOrigins: expected a list of origins like ["https://wiki.example.com"], got ${JSON.stringify(origins)}`)
  for (const origin of origins) {
    if (typeof origin !== 'string' || !/^https?:\/\/(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$/.test(origin)) {
      throw new DashboardsError('INVALID_ARGUMENT', `cannot use embedOrigins entry ${JSON.stringify(origin)}: expected an origin like https://wiki.example.com or http://localhost:8080`)
    }
  }
  return origins
}
