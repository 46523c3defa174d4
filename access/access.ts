/**
 * @module access/access
 * Every token check of the server in one place. Tokens come from the configuration and, made
 * at run time, from the data directory (token-store.ts); both are found by the SHA-256 of the
 * presented token in one map, so no secret is compared. With no token configured, access is
 * open: every request is tenant "default" with every scope, and no token can be made.
 */
import { randomBytes } from 'node:crypto'
import { DEFAULT_TENANT, type DocumentStore } from '../storage/index.ts'
import type { Credentials } from './credentials.ts'
import { AccessError } from './errors.ts'
import { GENERATED_TOKEN_BYTES, GENERATED_TOKEN_PREFIX, TOKEN_ID_BYTES } from './limits.ts'
import { grants, SCOPE_NAMES, type Scope } from './scopes.ts'
import {
  checkName, checkRestrictions, checkScopes, checkTokenConfig, isRestricted, tokenDigest,
  type Principal, type Resource, type Restrictions, type TokenConfig, type TokenInfo,
} from './token.ts'
import { TokenStore } from './token-store.ts'

/**
 * Decides whether a restricted principal (an embed token) may reach a resource; installed by
 * the component that knows what the restriction means (the dashboards of the web UI).
 */
export type ResourceCheck = (principal: Principal, resource: Resource) => boolean | Promise<boolean>

export interface AccessOptions {
  /** Tokens of the configuration file; checked here (INVALID_ARGUMENT naming `tokens[i]`). */
  tokens?: readonly (TokenConfig | { token: string; tenant: string; scopes: readonly string[] })[]
  /** Where tokens made at run time are kept; without it, none can be made. */
  documents?: DocumentStore
}

/** What `createToken` takes. */
export interface NewToken {
  name?: string
  scopes: readonly Scope[]
  restrictions?: Restrictions
}

interface Entry {
  principal: Principal
}

const OPEN: Principal = Object.freeze({ tenant: DEFAULT_TENANT, scopes: Object.freeze([...SCOPE_NAMES]), restrictions: Object.freeze({}) })

export class Access {
  private readonly byDigest = new Map<string, Entry>()
  private readonly store: TokenStore | undefined
  private readonly configured: number
  private resourceCheck: ResourceCheck | undefined

  /** Access with configured tokens only; `Access.open` also loads the tokens made at run time. */
  constructor(options: AccessOptions = {}) {
    const tokens = (options.tokens ?? []).map((t, i) => checkTokenConfig(`tokens[${i}]`, t))
    for (const t of tokens) {
      this.byDigest.set(tokenDigest(t.token), { principal: Object.freeze({ tenant: t.tenant, scopes: Object.freeze([...t.scopes]), restrictions: Object.freeze({}) }) })
    }
    this.configured = tokens.length
    this.store = options.documents === undefined ? undefined : new TokenStore(options.documents)
  }

  /**
   * Access with the configured tokens and those kept in `documents`.
   * @example const access = await Access.open({ tokens: config.tokens, documents: store.documents })
   */
  static async open(options: AccessOptions): Promise<Access> {
    const access = new Access(options)
    if (access.store !== undefined && !access.isOpen) {
      for (const stored of await access.store.all()) access.byDigest.set(stored.digest, { principal: principalOf(stored.info) })
    }
    return access
  }

  /** True when no token is configured: every request is allowed as tenant "default". */
  get isOpen(): boolean {
    return this.configured === 0
  }

  /** Installs the check of restricted principals (one per server; a later call replaces it). */
  setResourceCheck(check: ResourceCheck | undefined): void {
    this.resourceCheck = check
  }

  /**
   * Who the credentials are, if they may make a call that needs `scope` (on `resource`).
   * Throws AccessError UNAUTHENTICATED (no or unknown token) or FORBIDDEN (scope, restriction).
   * `resource` may be a function: it is called only for restricted tokens (it may read the body).
   * @example const { tenant } = await access.authorize({ token }, 'ingest')
   */
  async authorize(credentials: Credentials, scope: Scope, resource?: Resource | (() => Promise<Resource | undefined>)): Promise<Principal> {
    if (this.isOpen) return OPEN
    if (credentials.malformed === true) throw new AccessError('UNAUTHENTICATED', 'authorize', 'expected an "Authorization: Bearer <token>" header')
    if (credentials.token === undefined) throw new AccessError('UNAUTHENTICATED', 'authorize', 'it needs an "Authorization: Bearer <token>" header')
    const entry = this.byDigest.get(tokenDigest(credentials.token))
    if (entry === undefined) throw new AccessError('UNAUTHENTICATED', 'authorize', 'the token is not valid')
    const { principal } = entry
    if (!grants(principal.scopes, scope)) {
      throw new AccessError('FORBIDDEN', 'authorize', `the token has scopes [${principal.scopes.join(', ')}], this call needs ${scope}`)
    }
    if (isRestricted(principal.restrictions) && !(await this.reaches(principal, typeof resource === 'function' ? await resource() : resource))) {
      const what = principal.restrictions.dashboard === undefined ? 'its listed queries' : `dashboard ${JSON.stringify(principal.restrictions.dashboard)}`
      throw new AccessError('FORBIDDEN', 'authorize', `the token is limited to ${what}`)
    }
    return principal
  }

  private async reaches(principal: Principal, resource: Resource | undefined): Promise<boolean> {
    if (resource === undefined) return false
    if (resource.kind === 'query' && principal.restrictions.queries?.includes(resource.text) === true) return true
    return this.resourceCheck === undefined ? false : await this.resourceCheck(principal, resource)
  }

  /**
   * Makes a token for `tenant`, stored hashed; the secret is returned once, here.
   * @example const { token } = await access.createToken('acme', { name: 'ci', scopes: ['ingest'] })
   */
  async createToken(tenant: string, request: NewToken): Promise<{ token: string; info: TokenInfo }> {
    const store = this.writableStore('create a token')
    const info: TokenInfo = {
      id: randomBytes(TOKEN_ID_BYTES).toString('hex'),
      name: checkName('the token', request.name),
      tenant,
      scopes: checkScopes('the token', request.scopes),
      restrictions: checkRestrictions('the token', request.restrictions),
      createdAt: new Date().toISOString(),
    }
    const token = GENERATED_TOKEN_PREFIX + randomBytes(GENERATED_TOKEN_BYTES).toString('base64url')
    const digest = tokenDigest(token)
    await store.put({ digest, info })
    this.byDigest.set(digest, { principal: principalOf(info) })
    return { token, info }
  }

  /** The tokens made at run time for `tenant` (configured ones are in the configuration). */
  async listTokens(tenant: string): Promise<TokenInfo[]> {
    if (this.store === undefined) return []
    return (await this.store.all()).filter((s) => s.info.tenant === tenant).map((s) => s.info)
  }

  /** Revokes a token made at run time: refused from the next request on. Throws NOT_FOUND. */
  async revokeToken(tenant: string, id: string): Promise<void> {
    const store = this.writableStore('revoke a token')
    const found = (await store.all()).find((s) => s.info.tenant === tenant && s.info.id === id)
    if (found === undefined) throw new AccessError('NOT_FOUND', 'revoke a token', `tenant ${JSON.stringify(tenant)} has no token with id ${JSON.stringify(id)}`)
    await store.delete(found.digest)
    this.byDigest.delete(found.digest)
  }

  private writableStore(verb: string): TokenStore {
    if (this.isOpen) throw new AccessError('INVALID_ARGUMENT', verb, 'the server runs without tokens (open access); configure an admin token first')
    if (this.store === undefined) throw new AccessError('INVALID_ARGUMENT', verb, 'this server keeps no tokens of its own')
    return this.store
  }
}

function principalOf(info: TokenInfo): Principal {
  return Object.freeze({ tenant: info.tenant, scopes: Object.freeze([...info.scopes]), restrictions: Object.freeze({ ...info.restrictions }), tokenId: info.id })
}
