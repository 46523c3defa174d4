/**
 * @module access/errors
 * The one error type of the access component. `code` is stable; messages may change.
 * Statuses follow RFC 6750 §3.1: no or unknown token 401, a token that may not do this 403.
 */

export type AccessErrorCode =
  /** No credentials, or a token nobody issued (or one revoked). */
  | 'UNAUTHENTICATED'
  /** A known token without the scope, tenant or resource the call needs. */
  | 'FORBIDDEN'
  /** A token definition (config or API) that is not valid. */
  | 'INVALID_ARGUMENT'
  /** A token id that names no token of the tenant. */
  | 'NOT_FOUND'

/** HTTP status of each code. */
export const ACCESS_STATUS: Readonly<Record<AccessErrorCode, 400 | 401 | 403 | 404>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  INVALID_ARGUMENT: 400,
  NOT_FOUND: 404,
}

export class AccessError extends Error {
  readonly code: AccessErrorCode
  /** The message without its `cannot authorize:` prefix, for callers that word their own. */
  readonly reason: string

  constructor(code: AccessErrorCode, verb: string, reason: string, options?: ErrorOptions) {
    super(`cannot ${verb}: ${reason}`, options)
    this.name = 'AccessError'
    this.code = code
    this.reason = reason
  }

  get status(): 400 | 401 | 403 | 404 {
    return ACCESS_STATUS[this.code]
  }
}
