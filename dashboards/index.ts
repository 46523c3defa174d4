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
export { DashboardRepo, DASHBOARDS_COLLECTION, type DashboardEntry, type DashboardSource, type DashboardSummary } from './server/dashboard-repo.ts'
export { loadProvisionedDashboards } from './server/provision.ts'
export { validateDashboard, substituteVariables, quoteValue, PANEL_TYPES, type Dashboard, type Panel, type PanelType, type Variable } from './model/dashboard-model.ts'
export { OVERVIEW_DASHBOARD, OVERVIEW_ID } from './model/overview-dashboard.ts'
