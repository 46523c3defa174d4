/**
 * @module ingest/auth
 * Bearer tokens: with none configured everything goes to DEFAULT_TENANT; otherwise a request
 * needs `Authorization: Bearer <token>` of a token with the `ingest` scope, and the token
 * decides the tenant. Tokens are looked up by their SHA-256, so lookups do not compare secrets.
 */
import { createHash } from 'node:crypto'
import { DEFAULT_TENANT } from '../storage/index.ts'
import { IngestError } from './errors.ts'

/** A configured token (the same shape as the configuration's `tokens` entries). */
export interface IngestToken {
  token: string
  tenant: string
  scopes: readonly string[]
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64')
}

export class TokenTable {
  private readonly byDigest = new Map<string, IngestToken>()

  constructor(tokens: readonly IngestToken[] = []) {
    for (const t of tokens) this.byDigest.set(digest(t.token), t)
  }

  /**
   * The tenant of a request, from its Authorization header value.
   * Throws UNAUTHENTICATED (missing or unknown token) or FORBIDDEN (no `ingest` scope).
   * @example new TokenTable([]).tenantOf(undefined) // 'default'
   */
  tenantOf(authorization: string | undefined): string {
    if (this.byDigest.size === 0) return DEFAULT_TENANT
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')
    if (m === null) throw new IngestError('UNAUTHENTICATED', 'cannot accept the request: it needs an "Authorization: Bearer <token>" header')
    const token = this.byDigest.get(digest(m[1]))
    if (token === undefined) throw new IngestError('UNAUTHENTICATED', 'cannot accept the request: the bearer token is not valid')
    if (!token.scopes.includes('ingest')) throw new IngestError('FORBIDDEN', 'cannot accept the request: the token lacks the ingest scope')
    return token.tenant
  }
}
