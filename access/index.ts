/**
 * @module access
 * Who may do what: every token check of the server (OTLP/HTTP, OTLP/gRPC, the query API,
 * administration, the web UI and its embeds) goes through `Access.authorize`. Tokens come
 * from the configuration and, made at run time, from the data directory, stored hashed.
 * Other components import only this file. See README.md (the scopes table).
 */
export { Access, type AccessOptions, type NewToken, type ResourceCheck } from './access.ts'
export { credentialsOf, fromAuthorization, tokenCookie, TOKEN_COOKIE, type Credentials } from './credentials.ts'
export { AccessError, ACCESS_STATUS, type AccessErrorCode } from './errors.ts'
export { accessDenied, requireAccess, type AccessEnv } from './http-middleware.ts'
export { grants, isScope, SCOPES, SCOPE_NAMES, type Scope } from './scopes.ts'
export { checkTokenConfig, isRestricted, tokenDigest, type Principal, type Resource, type Restrictions, type TokenConfig, type TokenInfo } from './token.ts'
export * as limits from './limits.ts'
