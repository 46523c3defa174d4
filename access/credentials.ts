/**
 * @module access/credentials
 * Where a request's token comes from: `Authorization: Bearer <token>` (RFC 6750 §2.1), or for
 * browsers the `blazedb_token` cookie, which the web UI sets at login (HttpOnly,
 * SameSite=Strict, so other sites cannot send it). The bearer header wins when both are there.
 */

/** Name of the cookie that carries a browser's token. */
export const TOKEN_COOKIE = 'blazedb_token'

/** What a request presented. */
export interface Credentials {
  /** The token, or undefined when none was presented. */
  token?: string
  /** A header that was there but not `Bearer <token>`: reported rather than ignored. */
  malformed?: boolean
}

/** The token of an Authorization header value (gRPC: the `authorization` metadata). */
export function fromAuthorization(header: string | undefined): Credentials {
  if (header === undefined || header === '') return {}
  const m = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header)
  return m === null ? { malformed: true } : { token: m[1] }
}

/** The value of the token cookie in a Cookie header, if any (RFC 6265 §4.2.1). */
export function tokenCookie(cookieHeader: string | undefined): string | undefined {
  if (cookieHeader === undefined) return undefined
  for (const pair of cookieHeader.split(';')) {
    const eq = pair.indexOf('=')
    if (eq > 0 && pair.slice(0, eq).trim() === TOKEN_COOKIE) {
      const value = pair.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1')
      try {
        return decodeURIComponent(value)
      } catch {
        return value
      }
    }
  }
  return undefined
}

/**
 * The credentials of an HTTP request, given its header getter.
 * @example credentialsOf((name) => c.req.header(name), { cookie: true })
 */
export function credentialsOf(header: (name: string) => string | undefined, options: { cookie: boolean }): Credentials {
  const bearer = fromAuthorization(header('authorization'))
  if (bearer.token !== undefined || bearer.malformed === true || !options.cookie) return bearer
  const cookie = tokenCookie(header('cookie'))
  return cookie === undefined || cookie === '' ? {} : { token: cookie }
}
