/**
 * The web UI with tokens configured, in a real browser against the real server: the UI asks
 * for a token, keeps it in an HttpOnly, SameSite=Strict cookie and runs every call as it; an
 * embed token made in the Embed dialog shows the dashboard's panel in an iframe of another
 * origin, is refused by the query API for any other query, and stops working once revoked.
 * Screenshots: test/.artifacts/access-*.png.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { CHROMIUM, launchBrowser, screenshot, type UiBrowser } from './support/browser.ts'
import { sendTelemetry, shopTraffic } from './support/otel-send.ts'
import { startUiServer, waitForRows, type UiServer } from './support/ui-server.ts'

// A page waits on real queries on a machine that may be busy: poll for up to 20 s, not 1 s.
vi.setConfig({ expect: { poll: { timeout: 20_000, interval: 50 } } })

const ADMIN = 'ui-admin-token-0001'
const INGEST = 'ui-ingest-token-0001'
let server: UiServer
let browser: UiBrowser
let parent: Server
let parentOrigin: string

describe.skipIf(CHROMIUM === undefined)('sign-in and embed tokens', () => {
  beforeAll(async () => {
    // A page of another site that frames whatever URL it is given (?src=).
    parent = createServer((req, res) => {
      const src = new URL(req.url!, 'http://x').searchParams.get('src') ?? ''
      const attr = src.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end(`<!doctype html><title>Status page</title><h1>Status</h1><iframe id="embed" src="${attr}" width="640" height="300"></iframe>`)
    })
    await new Promise<void>((done) => parent.listen(0, '127.0.0.1', done))
    parentOrigin = `http://localhost:${(parent.address() as AddressInfo).port}`
    server = await startUiServer({
      tokens: [
        { token: ADMIN, tenant: 'acme', scopes: ['admin'] },
        { token: INGEST, tenant: 'acme', scopes: ['ingest'] },
      ],
      embedOrigins: [parentOrigin],
    })
    browser = await launchBrowser()
    await sendTelemetry(server.otlpHttp, shopTraffic(Date.now(), 10, 10), { authorization: `Bearer ${INGEST}` })
    await waitForRows(server.origin, 'spans', 30, 20_000, ADMIN)
  })
  afterAll(async () => {
    parent?.closeAllConnections()
    await new Promise<void>((done) => (parent === undefined ? done() : parent.close(() => done())))
    await browser?.close()
    await server?.stop()
  })

  test('the UI asks for a token, keeps it in an HttpOnly SameSite=Strict cookie, and works as it', async () => {
    const { page, problems } = await browser.newPage(server.origin)
    await page.goto(`${server.origin}/explore?q=${encodeURIComponent('spans | stats count() as n')}`)
    await page.locator('form.login').waitFor()
    await page.locator('input[name=token]').fill('not-a-real-token')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await expect.poll(() => page.locator('form.login .error-text').textContent()).toBe('cannot sign in: cannot authorize: the token is not valid')
    await screenshot(page, 'access-login')
    await page.locator('input[name=token]').fill(ADMIN)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await expect.poll(() => page.locator('table.data tbody td').first().textContent()).toBe('30')
    const cookie = (await browser.context.cookies(server.origin)).find((c) => c.name === 'blazedb_token')!
    expect(cookie).toMatchObject({ value: ADMIN, httpOnly: true, sameSite: 'Strict', path: '/' })
    expect(await page.evaluate<string>('document.cookie')).toBe('')
    // Only the refused sign-in (401) reached the console.
    expect(problems.filter((p) => !p.includes('status of 401'))).toEqual([])
  })

  test('an embed token made in the UI shows its panel on another site, runs nothing else, and can be revoked', async () => {
    const { page } = await browser.newPage(server.origin)
    await page.goto(`${server.origin}/dashboards/blazedb-overview`)
    await page.getByRole('button', { name: 'Embed' }).click()
    await page.locator('dialog select[name=panel]').selectOption('spans')
    await page.getByRole('button', { name: 'Create embed token' }).click()
    await expect.poll(() => page.locator('dialog input[aria-label="Embed URL"]').inputValue()).toContain('#token=bzt_')
    await expect.poll(() => page.locator('dialog .token-list li').count()).toBe(1)
    await screenshot(page, 'access-embed-dialog')
    const url = await page.locator('dialog input[aria-label="Embed URL"]').inputValue()
    const token = decodeURIComponent(url.split('#token=')[1])

    const other = await browser.newPage(parentOrigin)
    await other.page.goto(`${parentOrigin}/?src=${encodeURIComponent(url)}`)
    const frame = other.page.frameLocator('#embed')
    await expect.poll(() => frame.locator('.panel .stat').textContent(), { timeout: 20_000 }).toBe('30')
    await screenshot(other.page, 'access-embed')

    // The token runs that panel's query and nothing else.
    const query = (q: string, t = token): Promise<Response> => fetch(`${server.origin}/api/v1/query`, { method: 'POST', body: JSON.stringify({ query: q }), headers: { authorization: `Bearer ${t}` } })
    expect((await query('spans | stats count() as spans')).status).toBe(200)
    expect((await query('spans | where resource.service.name = "cart" | stats p50(duration) as p50, p95(duration) as p95, p99(duration) as p99 by bin(time, 1m)')).status).toBe(200)
    const refused = await query('logs | limit 10')
    expect(refused.status).toBe(403)
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('limited to dashboard "blazedb-overview"')
    expect((await query('spans | where resource.service.name = "cart" or true | stats p50(duration) as p50, p95(duration) as p95, p99(duration) as p99 by bin(time, 1m)')).status).toBe(403)
    expect((await fetch(`${server.origin}/api/v1/services`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(403)
    expect((await fetch(`${server.origin}/api/v1/dashboards`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(403)

    // Revoked in the dialog: refused from then on.
    await page.locator('dialog .token-list').getByRole('button', { name: 'Revoke' }).click()
    await expect.poll(() => page.locator('dialog .token-list li').count()).toBe(0)
    expect((await query('spans | stats count() as spans')).status).toBe(401)
  })

  // Last: it replaces the browser's sign-in cookie.
  test('a revoked token is asked for again on the next call', async () => {
    const made = await fetch(`${server.origin}/api/v1/admin/tokens`, { method: 'POST', body: JSON.stringify({ name: 'alice', scopes: ['read'] }), headers: { authorization: `Bearer ${ADMIN}` } })
    const { token, id } = (await made.json()) as { token: string; id: string }
    const { page } = await browser.newPage(server.origin)
    await browser.context.clearCookies()
    await page.goto(`${server.origin}/explore`)
    await page.locator('input[name=token]').fill(token)
    await page.getByRole('button', { name: 'Sign in' }).click()
    const editor = page.locator('.editor-input')
    await editor.waitFor()
    await editor.fill('spans | stats count() as n')
    await editor.press('Control+Enter')
    await expect.poll(() => page.locator('table.data tbody td').first().textContent()).toBe('30')
    expect((await fetch(`${server.origin}/api/v1/admin/tokens/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(204)
    await editor.fill('spans | stats count() as m')
    await editor.press('Control+Enter')
    await page.locator('form.login').waitFor()
    expect(await page.locator('form.login').count()).toBe(1)
  })
})
