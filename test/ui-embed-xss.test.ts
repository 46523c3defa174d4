/**
 * Embedding and hostile telemetry, in a real browser against the real server.
 * - A panel embedded by a page of another origin (listed in embedOrigins) renders in its
 *   iframe, themed and time-ranged by its URL, and refreshes live; a page of an origin not
 *   listed cannot frame it (CSP frame-ancestors).
 * - HTML and script in service names, attribute keys and values, log bodies and dashboard
 *   titles render as text on Explore, the dashboards list and the overview dashboard.
 * Screenshots: test/.artifacts/embed-*.png, xss-*.png.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SeverityNumber } from '@opentelemetry/api-logs'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { CHROMIUM, launchBrowser, screenshot, type UiBrowser } from './support/browser.ts'
import { sendTelemetry, shopTraffic } from './support/otel-send.ts'
import { startUiServer, waitForRows, type UiServer } from './support/ui-server.ts'

// A page waits on real queries on a machine that may be busy: poll for up to 20 s, not 1 s.
vi.setConfig({ expect: { poll: { timeout: 20_000, interval: 50 } } })

let server: UiServer
let browser: UiBrowser
const parents: Server[] = []

/** A page on its own origin (another port) that frames `src`. */
async function parentPage(src: string): Promise<string> {
  const parent = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(`<!doctype html><title>Wiki</title><h1>Team wiki</h1><iframe id="embed" src="${src.replace(/&/g, '&amp;')}" width="640" height="320"></iframe>`)
  })
  parents.push(parent)
  await new Promise<void>((done) => parent.listen(0, '127.0.0.1', done))
  return `http://localhost:${(parent.address() as AddressInfo).port}`
}

const XSS = {
  service: '<img src=x onerror="window.__xss=1">',
  key: 'x"><svg onload="window.__xss=2">',
  value: '<script>window.__xss=3</script>',
  body: '</span><img src=x onerror="window.__xss=4"><b>bold</b>',
  title: '<iframe src="javascript:window.__xss=5"></iframe>',
}

async function noScriptRan(page: Page): Promise<void> {
  expect(await page.evaluate<unknown>('window.__xss')).toBeUndefined()
  expect(await page.locator('main [onerror], main [onload], main script, main iframe, main img').count()).toBe(0)
}

describe.skipIf(CHROMIUM === undefined)('embedding and hostile telemetry', () => {
  let allowedParent: string
  beforeAll(async () => {
    // The parent listens first (its origin goes into the configuration); it reads the server's
    // address when a browser asks for the page.
    const parent = createServer((_req, res) => {
      const src = `${server.origin}/embed/dashboards/blazedb-overview/panels/spans?theme=dark&amp;from=now-1h&amp;to=now&amp;refresh=5s`
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end(`<!doctype html><title>Wiki</title><h1>Team wiki</h1><iframe id="embed" src="${src}" width="640" height="320"></iframe>`)
    })
    parents.push(parent)
    await new Promise<void>((done) => parent.listen(0, '127.0.0.1', done))
    allowedParent = `http://localhost:${(parent.address() as AddressInfo).port}`
    server = await startUiServer({ embedOrigins: [allowedParent] })
    browser = await launchBrowser()
    const traffic = shopTraffic(Date.now(), 10, 10)
    traffic.push({
      service: XSS.service,
      name: XSS.title,
      startMs: Date.now() - 60_000,
      durationMs: 5,
      error: true,
      attributes: { [XSS.key]: XSS.value },
      logs: [{ body: XSS.body, severity: SeverityNumber.ERROR, attributes: { [XSS.key]: XSS.value } }],
    })
    await sendTelemetry(server.otlpHttp, traffic)
    await waitForRows(server.origin, 'spans', 31)
    await waitForRows(server.origin, 'logs', 11)
  })
  afterAll(async () => {
    for (const p of parents) {
      p.closeAllConnections()
      await new Promise<void>((done) => p.close(() => done()))
    }
    await browser?.close()
    await server?.stop()
  })

  test('a panel embedded by an allowed origin renders, themed by its URL, and refreshes live', async () => {
    const { page } = await browser.newPage(allowedParent)
    await page.goto(`${allowedParent}/`)
    const frame = page.frameLocator('#embed')
    await expect.poll(() => frame.locator('.panel .stat').textContent(), { timeout: 20_000 }).toBe('31')
    expect(await frame.locator('header.topbar, nav').count()).toBe(0)
    expect(await frame.locator('html').getAttribute('data-theme')).toBe('dark')
    await screenshot(page, 'embed-panel')
    await sendTelemetry(server.otlpHttp, shopTraffic(Date.now(), 1, 1))
    await expect.poll(() => frame.locator('.panel .stat').textContent(), { timeout: 30_000 }).toBe('34')

    // The whole dashboard embeds too: its panels, its variable, no navigation.
    const whole = await browser.newPage(server.origin)
    await whole.page.goto(`${server.origin}/embed/dashboards/blazedb-overview?theme=light&var-service=payments`)
    await expect.poll(() => whole.page.locator('.panel').count()).toBe(9)
    await expect.poll(() => whole.page.locator('.panel.loading').count()).toBe(0)
    expect(await whole.page.locator('header.topbar, .dash-tools').count()).toBe(0)
    expect(await whole.page.locator('[data-panel="latency"] .panel-title').textContent()).toBe('Latency of payments')
    await screenshot(whole.page, 'embed-dashboard')
    expect(whole.problems).toEqual([])

    const res = await fetch(`${server.origin}/embed/dashboards/blazedb-overview`)
    expect(res.headers.get('content-security-policy')).toContain(`frame-ancestors ${allowedParent}`)
    expect(res.headers.get('referrer-policy')).toBe('no-referrer')
  })

  test('an origin not listed cannot frame the UI', async () => {
    const other = await parentPage(`${server.origin}/embed/dashboards/blazedb-overview/panels/spans`)
    const { page, problems } = await browser.newPage(other)
    await page.goto(`${other}/`)
    await page.locator('#embed').waitFor()
    // The browser refuses the frame and says why; the frame never shows the UI.
    await expect.poll(() => problems.join('\n')).toContain(`violates the following Content Security Policy directive: "frame-ancestors ${allowedParent}"`)
    expect(await page.frameLocator('#embed').locator('.panel').count()).toBe(0)
    await screenshot(page, 'embed-refused')
  })

  test('HTML and script in telemetry and titles stay text', async () => {
    const { page, problems } = await browser.newPage(server.origin)
    const q = 'logs | where severity >= 17 | sort time desc | limit 20'
    await page.goto(`${server.origin}/explore?q=${encodeURIComponent(q)}`)
    await page.locator('table.data tbody tr').first().waitFor()
    await expect.poll(() => page.locator('table.data').textContent()).toContain(XSS.body)
    expect(await page.locator('table.data').textContent()).toContain(XSS.service)
    const heads = await page.locator('table.data thead th').allTextContents()
    expect(heads).toContain(`attr.${XSS.key}`)
    expect(await page.locator('table.data').textContent()).toContain(XSS.value)
    await noScriptRan(page)
    await screenshot(page, 'xss-explore')

    // Autocomplete offers the hostile key as text.
    const editor = page.locator('.editor-input')
    await editor.fill('logs | where ')
    await editor.press('Control+Space')
    await expect.poll(() => page.locator('.complete li').allTextContents()).toContainEqual(expect.stringContaining(XSS.key))
    await noScriptRan(page)

    const created = await fetch(`${server.origin}/api/v1/dashboards`, {
      method: 'POST',
      body: JSON.stringify({ title: XSS.title, description: XSS.body, panels: [{ id: 'p', title: XSS.service, type: 'table', query: 'spans | stats count() by service.name, name', grid: { x: 0, y: 0, w: 12, h: 4 } }] }),
    })
    const id = ((await created.json()) as { dashboard: { id: string } }).dashboard.id
    await page.goto(`${server.origin}/dashboards`)
    await expect.poll(() => page.locator('.dash-link').allTextContents()).toContain(XSS.title)
    await noScriptRan(page)
    await page.goto(`${server.origin}/dashboards/${id}`)
    await expect.poll(() => page.locator('h1.dash-title').textContent()).toBe(XSS.title)
    await expect.poll(() => page.locator('.panel tbody').textContent()).toContain(XSS.service)
    expect(await page.locator('.panel-title').textContent()).toBe(XSS.service)
    expect(await page.title()).toBe(`${XSS.title} · BlazeDB`)
    await noScriptRan(page)

    await page.goto(`${server.origin}/dashboards/blazedb-overview`)
    // Panels appear once the variable has its values; then each waits for its query.
    await expect.poll(() => page.locator('.panel').count(), { timeout: 20_000 }).toBe(9)
    await expect.poll(() => page.locator('.panel.loading').count(), { timeout: 20_000 }).toBe(0)
    expect(await page.locator('select[data-variable=service] option').allTextContents()).toContain(XSS.service)
    expect(await page.locator('[data-panel="error-logs"] .log-body').allTextContents()).toContain(XSS.body)
    expect(await page.locator('[data-panel="slowest"]').textContent()).toContain(XSS.title)
    await noScriptRan(page)
    await screenshot(page, 'xss-overview')
    expect(problems).toEqual([])
  })
})
