/**
 * @module dashboards
 * BlazeDB's web UI: the app shell and its pages (browser code in web/, bundled at start),
 * saved dashboards and embeddable panels. Other components import only this file.
 */
export { createDashboardsUi, PAGE_ROUTES, type DashboardsUiOptions } from './server/ui-app.ts'
export { bundleWeb, type Asset, type Bundle } from './server/bundle.ts'
export { contentSecurityPolicy, securityHeaders } from './server/security-headers.ts'
export { DashboardsError, type DashboardsErrorCode } from './errors.ts'
export { MAX_SHIPPED_GZIP_BYTES } from './limits.ts'
