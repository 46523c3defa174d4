/**
 * @module access/token
 * The shape of a token, declared once: what the configuration file lists, what the admin API
 * makes, and what a request is authorised as (a Principal).
 */
import { createHash } from 'node:crypto'
import { TENANT_NAME } from '../storage/index.ts'
import { AccessError } from './errors.ts'
import { MAX_RESTRICTED_QUERIES, MAX_TOKEN_NAME_LENGTH, MIN_TOKEN_LENGTH } from './limits.ts'
import { isScope, SCOPE_NAMES, type Scope } from './scopes.ts'

/** A token of the configuration file (`tokens: [...]`). */
export interface TokenConfig {
  token: string
  tenant: string
  scopes: Scope[]
}

/**
 * Limits on what a token reaches beyond its scopes and tenant. An embed token is a `read`
 * token restricted to one dashboard: it may run that dashboard's queries and nothing else.
 * A restricted token reaches a resource only when `queries` lists the query's text, or when
 * the resource check (`Access.setResourceCheck`, installed by the component that owns the
 * dashboard) approves; calls without a resource (ingest, admin) are refused.
 */
export interface Restrictions {
  /** The dashboard the token was made for. */
  dashboard?: string
  /** Query texts the token may run, exactly as sent. */
  queries?: readonly string[]
}

/** Who a request is, once authorised. */
export interface Principal {
  tenant: string
  scopes: readonly Scope[]
  restrictions: Restrictions
  /** Public id of a token made at run time; undefined for configured tokens and open access. */
  tokenId?: string
}

/** What a call reaches, for the check of restricted tokens. */
export type Resource =
  | { kind: 'query'; text: string }
  | { kind: 'trace'; traceId: string }
  | { kind: 'catalog' }
  | { kind: 'dashboard'; id: string }

/** A token made at run time, as lists show it (never the secret). */
export interface TokenInfo {
  id: string
  name: string
  tenant: string
  scopes: Scope[]
  restrictions: Restrictions
  /** RFC 3339. */
  createdAt: string
}

/** True when the restrictions limit anything. */
export function isRestricted(r: Restrictions): boolean {
  return r.dashboard !== undefined || r.queries !== undefined
}

/** The lookup key of a token: its SHA-256, hex. Secrets are never compared, only digests found. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

const invalid = (what: string, reason: string) => new AccessError('INVALID_ARGUMENT', `use ${what}`, reason)

export function checkTenant(what: string, tenant: unknown): string {
  if (typeof tenant !== 'string' || !TENANT_NAME.test(tenant)) throw invalid(what, `tenant must be 1 to 64 letters, digits, "-" or "_", got ${JSON.stringify(tenant)}`)
  return tenant
}

export function checkScopes(what: string, scopes: unknown): Scope[] {
  if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every(isScope)) {
    throw invalid(what, `scopes must be a non-empty list of ${SCOPE_NAMES.join(', ')}, got ${JSON.stringify(scopes)}`)
  }
  return [...new Set(scopes)]
}

export function checkName(what: string, name: unknown): string {
  if (name === undefined) return ''
  if (typeof name !== 'string' || name.length > MAX_TOKEN_NAME_LENGTH) throw invalid(what, `name must be a string of at most ${MAX_TOKEN_NAME_LENGTH} characters`)
  return name
}

export function checkRestrictions(what: string, value: unknown): Restrictions {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(what, 'restrictions must be an object like {"dashboard": "overview"}')
  const { dashboard, queries, ...rest } = value as Record<string, unknown>
  const unknown = Object.keys(rest)
  if (unknown.length > 0) throw invalid(what, `restrictions has unknown fields ${unknown.join(', ')}; known: dashboard, queries`)
  if (dashboard !== undefined && (typeof dashboard !== 'string' || dashboard === '')) throw invalid(what, 'restrictions.dashboard must be a non-empty string')
  if (queries !== undefined && (!Array.isArray(queries) || queries.length > MAX_RESTRICTED_QUERIES || !queries.every((q) => typeof q === 'string'))) {
    throw invalid(what, `restrictions.queries must be a list of at most ${MAX_RESTRICTED_QUERIES} query texts`)
  }
  const out: Restrictions = {}
  if (dashboard !== undefined) out.dashboard = dashboard as string
  if (queries !== undefined) out.queries = [...(queries as string[])]
  return out
}

/** Checks a configured token; throws INVALID_ARGUMENT naming `what` (e.g. `tokens[2]`). */
export function checkTokenConfig(what: string, t: unknown): TokenConfig {
  if (typeof t !== 'object' || t === null) throw invalid(what, 'must be an object {token, tenant, scopes}')
  const { token, tenant, scopes } = t as Record<string, unknown>
  if (typeof token !== 'string' || token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
    throw invalid(what, `token must be a string of at least ${MIN_TOKEN_LENGTH} characters without spaces`)
  }
  return { token, tenant: checkTenant(what, tenant), scopes: checkScopes(what, scopes) }
}
