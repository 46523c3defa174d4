/**
 * @module dashboards/limits
 * Numbers of the web UI, each with its reason.
 */

/**
 * Ceiling for the JavaScript and CSS the server ships, gzip-compressed. The UI must load fast on
 * a slow link and from an embedding site; uPlot (about 20 KB gzip) plus our code fits far below.
 * Checked by dashboards/server/bundle-size.test.ts.
 */
export const MAX_SHIPPED_GZIP_BYTES = 300 * 1024

/** How long browsers may keep a content-hashed asset: a year (its name changes with its bytes). */
export const ASSET_MAX_AGE_SECONDS = 365 * 24 * 3600

/** Largest dashboard JSON accepted (create, update, import): far above any real dashboard. */
export const MAX_DASHBOARD_BYTES = 1024 * 1024

/** Most panels on one dashboard: each runs a query per refresh. */
export const MAX_PANELS = 100

/** Most variables on one dashboard: each runs a query when the dashboard opens. */
export const MAX_VARIABLES = 20

/** Values a variable offers (and a repeated panel repeats over): a picker, not a report. */
export const MAX_VARIABLE_VALUES = 200

/** Most dashboards per tenant, provisioned ones included: the list is read whole. */
export const MAX_DASHBOARDS = 1000

/** How long the sign-in cookie lasts: a working week; the token itself may be revoked sooner. */
export const SESSION_MAX_AGE_SECONDS = 7 * 24 * 3600
