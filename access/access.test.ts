/**
 * The access rules on their own: lookup by digest, the admin rule, open access, credentials
 * from header and cookie, restricted tokens, and tokens made at run time surviving a reopen and
 * refused once revoked. Every endpoint against every token kind: test/access-matrix.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { MemoryDocuments } from '../storage/index.ts'
import { Access } from './access.ts'
import { credentialsOf } from './credentials.ts'
import { AccessError } from './errors.ts'
import type { Scope } from './scopes.ts'

const TOKENS = [
  { token: 'ingest-token-1', tenant: 'acme', scopes: ['ingest'] as Scope[] },
  { token: 'read-token-01', tenant: 'acme', scopes: ['read'] as Scope[] },
  { token: 'admin-token-1', tenant: 'acme', scopes: ['admin'] as Scope[] },
]

async function refusal(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => undefined, (error: unknown) => error)
  if (!(e instanceof AccessError)) throw new Error(`expected an AccessError, got ${String(e)}`)
  return `${e.status} ${e.message}`
}

describe('authorize', () => {
  const access = new Access({ tokens: TOKENS })
  const f = async (token: string | undefined, scope: Scope, want: string) => {
    const got = await access.authorize({ token }, scope).then((p) => `200 ${p.tenant}`, async (e: AccessError) => `${e.status} ${e.message}`)
    expect(got).toBe(want)
  }

  it('grants a scope the token holds, and every scope to admin', async () => {
    await f('ingest-token-1', 'ingest', '200 acme')
    await f('read-token-01', 'read', '200 acme')
    await f('admin-token-1', 'ingest', '200 acme')
    await f('admin-token-1', 'read', '200 acme')
    await f('admin-token-1', 'admin', '200 acme')
  })

  it('refuses missing, unknown and out-of-scope tokens', async () => {
    await f(undefined, 'read', '401 cannot authorize: it needs an "Authorization: Bearer <token>" header')
    await f('nobody-issued-this', 'read', '401 cannot authorize: the token is not valid')
    await f('ingest-token-1', 'read', '403 cannot authorize: the token has scopes [ingest], this call needs read')
    await f('read-token-01', 'ingest', '403 cannot authorize: the token has scopes [read], this call needs ingest')
    await f('read-token-01', 'admin', '403 cannot authorize: the token has scopes [read], this call needs admin')
    expect(await refusal(access.authorize({ malformed: true }, 'read'))).toBe('401 cannot authorize: expected an "Authorization: Bearer <token>" header')
  })

  it('is open, as tenant default with every scope, when no token is configured', async () => {
    const open = new Access()
    expect(await open.authorize({}, 'admin')).toMatchObject({ tenant: 'default', scopes: ['ingest', 'read', 'admin'] })
    expect(await refusal(open.createToken('default', { scopes: ['read'] }))).toBe('400 cannot create a token: the server runs without tokens (open access); configure an admin token first')
  })

  it('refuses invalid configured tokens, naming which', () => {
    expect(() => new Access({ tokens: [{ token: 'short', tenant: 'a', scopes: ['read'] }] })).toThrow('cannot use tokens[0]: token must be a string of at least 8 characters without spaces')
    expect(() => new Access({ tokens: [{ token: 'long-enough', tenant: 'a', scopes: ['write'] }] })).toThrow('cannot use tokens[0]: scopes must be a non-empty list of ingest, read, admin, got ["write"]')
  })
})

describe('credentials', () => {
  const headers = (h: Record<string, string>) => (name: string) => h[name]
  it('come from the bearer header, else the blazedb_token cookie', () => {
    expect(credentialsOf(headers({ authorization: 'Bearer abc' }), { cookie: true })).toEqual({ token: 'abc' })
    expect(credentialsOf(headers({ authorization: 'Bearer abc', cookie: 'blazedb_token=xyz' }), { cookie: true })).toEqual({ token: 'abc' })
    expect(credentialsOf(headers({ cookie: 'theme=dark; blazedb_token=xyz%3D' }), { cookie: true })).toEqual({ token: 'xyz=' })
    expect(credentialsOf(headers({ cookie: 'blazedb_token=xyz' }), { cookie: false })).toEqual({})
    expect(credentialsOf(headers({ authorization: 'Basic dXNlcg==' }), { cookie: true })).toEqual({ malformed: true })
  })
})

describe('tokens made at run time', () => {
  it('are stored hashed, survive a reopen, and are refused once revoked', async () => {
    const documents = new MemoryDocuments()
    const access = await Access.open({ tokens: TOKENS, documents })
    const made = await access.createToken('acme', { name: 'ci', scopes: ['ingest'] })
    expect(made.token).toMatch(/^bzt_[A-Za-z0-9_-]{43}$/)
    expect((await access.authorize({ token: made.token }, 'ingest')).tenant).toBe('acme')
    const stored = JSON.stringify(await documents.list('@access', 'tokens'))
    expect(stored).not.toContain(made.token)
    expect(stored).toContain('"name":"ci"')

    const reopened = await Access.open({ tokens: TOKENS, documents })
    expect(await reopened.authorize({ token: made.token }, 'ingest')).toMatchObject({ tenant: 'acme', tokenId: made.info.id })
    expect(await reopened.listTokens('acme')).toEqual([made.info])
    expect(await reopened.listTokens('other')).toEqual([])
    expect(await refusal(reopened.revokeToken('other', made.info.id))).toBe(`404 cannot revoke a token: tenant "other" has no token with id "${made.info.id}"`)
    await reopened.revokeToken('acme', made.info.id)
    expect(await refusal(reopened.authorize({ token: made.token }, 'ingest'))).toBe('401 cannot authorize: the token is not valid')
    expect(await (await Access.open({ tokens: TOKENS, documents })).listTokens('acme')).toEqual([])
  })

  it('refuse an invalid definition', async () => {
    const access = await Access.open({ tokens: TOKENS, documents: new MemoryDocuments() })
    expect(await refusal(access.createToken('acme', { scopes: [] }))).toBe('400 cannot use the token: scopes must be a non-empty list of ingest, read, admin, got []')
    expect(await refusal(access.createToken('acme', { scopes: ['read'], restrictions: { panel: 1 } as never }))).toBe('400 cannot use the token: restrictions has unknown fields panel; known: dashboard, queries')
  })
})

describe('restricted (embed) tokens', () => {
  it('reach only listed queries, or what the resource check approves, and nothing without a resource', async () => {
    const access = await Access.open({ tokens: TOKENS, documents: new MemoryDocuments() })
    const { token } = await access.createToken('acme', { scopes: ['read'], restrictions: { dashboard: 'overview', queries: ['spans | stats count()'] } })
    expect((await access.authorize({ token }, 'read', { kind: 'query', text: 'spans | stats count()' })).restrictions.dashboard).toBe('overview')
    expect(await refusal(access.authorize({ token }, 'read', { kind: 'query', text: 'logs | limit 10' }))).toBe('403 cannot authorize: the token is limited to dashboard "overview"')
    expect(await refusal(access.authorize({ token }, 'read'))).toBe('403 cannot authorize: the token is limited to dashboard "overview"')
    expect(await refusal(access.authorize({ token }, 'read', { kind: 'catalog' }))).toMatch(/^403 /)

    access.setResourceCheck((principal, resource) => principal.restrictions.dashboard === 'overview' && resource.kind === 'catalog')
    expect((await access.authorize({ token }, 'read', { kind: 'catalog' })).tenant).toBe('acme')
    expect(await refusal(access.authorize({ token }, 'read', { kind: 'trace', traceId: 'ab' }))).toMatch(/^403 /)
    // The resource is asked for only when the token is restricted.
    let asked = 0
    await access.authorize({ token: 'read-token-01' }, 'read', async () => (asked++, { kind: 'catalog' }))
    expect(asked).toBe(0)
  })
})
