/**
 * @module access/scopes
 * What a token may do. One rule for every endpoint: a token may make a call when its scopes
 * include the call's scope, or include `admin`, which grants every scope (see README.md).
 */

/** Every scope, with what it allows; README.md prints this table. */
export const SCOPES = {
  ingest: 'send telemetry: OTLP/HTTP and OTLP/gRPC export',
  read: 'query and browse: the query API, traces, catalog lists, live subscriptions',
  admin: 'administer the tenant (storage, vacuum, counters, tokens); grants ingest and read too',
} as const

export type Scope = keyof typeof SCOPES

export const SCOPE_NAMES = Object.keys(SCOPES) as Scope[]

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && Object.hasOwn(SCOPES, value)
}

/**
 * True when a token with `held` scopes may make a call that needs `wanted`.
 * @example grants(['admin'], 'ingest') // true
 */
export function grants(held: readonly Scope[], wanted: Scope): boolean {
  return held.includes(wanted) || held.includes('admin')
}
