/**
 * Embed tokens and signing in, in-process: a token restricted to a dashboard runs that
 * dashboard's panel queries (variables filled with string literals) and nothing else; the
 * login sets an HttpOnly, SameSite=Strict cookie that then authorises API calls.
 */
import { describe, expect, test } from 'vitest'
import { Access } from '../../access/index.ts'
import { MemoryDocuments } from '../../storage/index.ts'
import { OVERVIEW_DASHBOARD } from '../model/overview-dashboard.ts'
import { quoteValue } from '../model/dashboard-model.ts'
import { bundleWeb } from './bundle.ts'
import { dashboardRuns, templateMatcher } from './embed-access.ts'
import { createDashboardsUi } from './ui-app.ts'

const bundle = bundleWeb()

describe('embed queries', () => {
  const template = 'spans | where service.name = $service | stats count() by bin(time, 1m)'
  const f = (text: string, want: boolean): void => expect(templateMatcher(template).test(text), text).toBe(want)
  test('a template matches its texts with string literals in place of variables', () => {
    f(template.replace('$service', quoteValue('checkout')), true)
    f(template.replace('$service', quoteValue('a "quoted" | stats sum(x)')), true)
    f(template, true)
  })
  test('anything else is refused', () => {
    f(template.replace('$service', '"a" or true'), false)
    f(template.replace('$service', '"a") | stats count() by trace_id #'), false)
    f(template.replace('$service', '1'), false)
    f(template + ' | limit 1', false)
    f('spans | limit 10', false)
  })
  test('the overview runs its own queries', () => {
    for (const p of OVERVIEW_DASHBOARD.panels) expect(dashboardRuns(OVERVIEW_DASHBOARD, p.query.replace('$service', '"cart"'))).toBe(true)
    expect(dashboardRuns(OVERVIEW_DASHBOARD, OVERVIEW_DASHBOARD.variables[0].query)).toBe(true)
    expect(dashboardRuns(OVERVIEW_DASHBOARD, 'logs | limit 100')).toBe(false)
  })
})

describe('signing in', () => {
  const tokens = [{ token: 'ui-reader-token', tenant: 'acme', scopes: ['read' as const] }]
  test('the login sets the cookie; the session reports it; logout clears it', async () => {
    const app = createDashboardsUi({ access: new Access({ tokens }), documents: new MemoryDocuments(), bundle })
    expect(await (await app.request('/ui/session')).json()).toEqual({ open: false, authenticated: false })
    const bad = await app.request('/ui/login', { method: 'POST', body: JSON.stringify({ token: 'wrong-token-value' }) })
    expect(bad.status).toBe(401)
    expect(((await bad.json()) as { error: { message: string } }).error.message).toBe('cannot sign in: cannot authorize: the token is not valid')
    expect(bad.headers.get('set-cookie')).toBeNull()
    const ok = await app.request('/ui/login', { method: 'POST', body: JSON.stringify({ token: 'ui-reader-token' }) })
    expect(ok.status).toBe(204)
    const cookie = ok.headers.get('set-cookie')!
    expect(cookie).toMatch(/^blazedb_token=ui-reader-token; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/)
    const headers = { cookie: cookie.split(';')[0] }
    expect(await (await app.request('/ui/session', { headers })).json()).toEqual({ open: false, authenticated: true, tenant: 'acme', scopes: ['read'] })
    expect((await app.request('/api/v1/dashboards', { headers })).status).toBe(200)
    const out = await app.request('/ui/logout', { method: 'POST', headers })
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0')
  })
  test('open access needs no login', async () => {
    const app = createDashboardsUi({ bundle })
    expect(await (await app.request('/ui/session')).json()).toEqual({ open: true, authenticated: true })
  })
})
