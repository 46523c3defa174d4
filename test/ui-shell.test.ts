/**
 * The web UI in a real browser (chromium via playwright-core) against the real server, with
 * spans and logs sent by the OpenTelemetry SDK: the shell and its navigation, the time-range
 * picker (relative, absolute, Back/Forward, auto-refresh, zoom by dragging a chart), themes,
 * a phone-sized screen, keyboard navigation, and Explore (run with Ctrl+Enter, errors at their
 * place, table and chart). Nothing is fetched from another origin and the CSP is never violated.
 * Screenshots: test/.artifacts/shell-*.png, explore-*.png.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { CHROMIUM, launchBrowser, screenshot, type UiBrowser, type WatchedPage } from './support/browser.ts'
import { sendTelemetry, shopTraffic } from './support/otel-send.ts'
import { startUiServer, waitForRows, type UiServer } from './support/ui-server.ts'

// A page waits on real queries on a machine that may be busy: poll for up to 20 s, not 1 s.
vi.setConfig({ expect: { poll: { timeout: 20_000, interval: 50 } } })

let server: UiServer
let browser: UiBrowser

describe.skipIf(CHROMIUM === undefined)('web UI shell and Explore', () => {
  beforeAll(async () => {
    server = await startUiServer()
    browser = await launchBrowser()
    await sendTelemetry(server.otlpHttp, shopTraffic(Date.now(), 40, 20))
    await waitForRows(server.origin, 'spans | where service.name = "payments"', 40)
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  async function open(path: string, viewport?: { width: number; height: number }): Promise<WatchedPage> {
    const watched = await browser.newPage(server.origin, viewport)
    await watched.page.goto(server.origin + path)
    return watched
  }

  test('Explore runs a bucketed query as a chart and a table; the time range zooms by dragging and Back undoes it', async () => {
    const q = 'spans | stats count() as spans, p95(duration) as p95 by bin(time, 1m)'
    const { page, problems } = await open(`/explore?q=${encodeURIComponent(q)}&from=now-30m&to=now`)
    await page.locator('.chart canvas').waitFor()
    await page.locator('table.data tbody tr').first().waitFor()
    expect(await page.locator('table.data thead th').allTextContents()).toEqual(['time', 'spans', 'p95'])
    const total = (await page.locator('table.data tbody tr td:nth-child(2)').allTextContents()).reduce((sum, t) => sum + Number(t.replace(/,/g, '')), 0)
    expect(total).toBe(120)
    expect(await page.locator('.nav-link[aria-current="page"]').textContent()).toBe('Explore')
    await expect.poll(() => page.locator('.tp-label').textContent()).toBe('Last 30 minutes')
    await screenshot(page, 'explore-chart')

    // Drag across the middle of the chart: the range becomes absolute, narrower, and the query re-runs.
    const over = page.locator('.chart .u-over')
    const box = (await over.boundingBox())!
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 })
    await page.mouse.up()
    await expect.poll(() => new URL(page.url()).searchParams.get('from')).toMatch(/^\d{4}-\d\d-\d\dT/)
    const from = Date.parse(new URL(page.url()).searchParams.get('from')!)
    const to = Date.parse(new URL(page.url()).searchParams.get('to')!)
    expect(to - from).toBeGreaterThan(5 * 60_000)
    expect(to - from).toBeLessThan(15 * 60_000)
    await expect.poll(() => page.locator('.tp-label').textContent()).toContain('→')
    await page.goBack()
    await expect.poll(() => new URL(page.url()).searchParams.get('from')).toBe('now-30m')
    await expect.poll(() => page.locator('.tp-label').textContent()).toBe('Last 30 minutes')
    await page.goForward()
    await expect.poll(() => page.locator('.tp-label').textContent()).toContain('→')
    expect(problems).toEqual([])
  })

  test('Explore: Ctrl+Enter runs what was typed; a mistake is shown at its line and column', async () => {
    const { page, problems } = await open('/explore')
    const editor = page.locator('.editor-input')
    await expect.poll(() => page.evaluate<string | undefined>('document.activeElement?.className')).toBe('editor-input')
    await editor.fill('spans\n| where service.name = "payments"\n| stats count() as n by service.name')
    await editor.press('Control+Enter')
    await expect.poll(() => page.locator('table.data tbody tr').allTextContents()).toEqual(['payments40'])
    expect(new URL(page.url()).searchParams.get('q')).toContain('payments')
    // Highlighting: the source, operators and the string have their own colours.
    expect(await page.locator('.editor-hl .tok-source').first().textContent()).toBe('spans')
    expect(await page.locator('.editor-hl .tok-operator').allTextContents()).toEqual(['where', 'stats'])
    expect(await page.locator('.editor-hl .tok-string').first().textContent()).toBe('"payments"')

    await editor.fill('spans\n| where duration >\n| limit 5')
    await editor.press('Control+Enter')
    const error = page.locator('.error-box')
    await error.waitFor()
    expect(await error.textContent()).toMatch(/line 3, column 1: .*cannot parse/)
    expect(await page.locator('.editor-hl .tok-error').textContent()).toBe('|')
    await screenshot(page, 'explore-error')
    // The previous query is one Back away.
    await page.goBack()
    await expect.poll(() => editor.inputValue()).toContain('stats count() as n by service.name')
    // The browser logs the refused query (400); nothing else went wrong.
    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([])
  })

  test('the time picker sets relative and typed ranges, and auto-refresh re-runs the page', async () => {
    const q = 'spans | stats count() as n'
    const { page, problems } = await open(`/explore?q=${encodeURIComponent(q)}`)
    await expect.poll(() => page.locator('.tp-label').textContent()).toBe('Last 1 hour')
    await page.locator('table.data tbody tr').first().waitFor()
    await page.locator('.tp-toggle').click()
    await page.getByRole('button', { name: 'Last 15 minutes' }).click()
    await expect.poll(() => new URL(page.url()).searchParams.get('from')).toBe('now-15m')
    await expect.poll(() => page.locator('.tp-label').textContent()).toBe('Last 15 minutes')

    await page.locator('.tp-toggle').click()
    await page.locator('input[name=from]').fill('yesterday')
    await page.getByRole('button', { name: 'Apply time range' }).click()
    expect(await page.locator('.tp-error').textContent()).toContain('cannot read time "yesterday"')
    const start = new Date(Date.now() - 2 * 3600_000).toISOString()
    await page.locator('input[name=from]').fill(start)
    await page.locator('input[name=to]').fill('now')
    await screenshot(page, 'shell-time-picker')
    await page.getByRole('button', { name: 'Apply time range' }).click()
    await expect.poll(() => new URL(page.url()).searchParams.get('from')).toBe(start)
    await expect.poll(() => page.locator('table.data tbody td').first().textContent()).toBe('120')
    // Back returns to the previous range, Forward to the typed one.
    await page.locator('button[aria-label="Previous time range"]').click()
    await expect.poll(() => new URL(page.url()).searchParams.get('from')).toBe('now-15m')
    await page.locator('button[aria-label="Next time range"]').click()
    await expect.poll(() => new URL(page.url()).searchParams.get('from')).toBe(start)

    // Auto-refresh: new spans appear without touching the page.
    await page.locator('select.tp-refresh').selectOption('5s')
    await expect.poll(() => new URL(page.url()).searchParams.get('refresh')).toBe('5s')
    await sendTelemetry(server.otlpHttp, shopTraffic(Date.now(), 1, 1))
    await expect.poll(() => page.locator('table.data tbody td').first().textContent(), { timeout: 30_000 }).toBe('123')
    expect(problems).toEqual([])
  })

  test('navigation keeps the time range; themes switch; keyboard reaches every page', async () => {
    const { page, problems } = await open('/explore?from=now-6h&to=now')
    for (const name of ['Services', 'Traces', 'Logs', 'Metrics', 'Dashboards', 'Explore']) {
      await page.locator('.nav').getByRole('link', { name }).click()
      await expect.poll(() => page.locator('.nav-link[aria-current="page"]').textContent()).toBe(name)
      expect(new URL(page.url()).searchParams.get('from')).toBe('now-6h')
      expect(await page.title()).toBe(`${name} · BlazeDB`)
    }
    const theme = (): Promise<string | undefined> => page.evaluate<string | undefined>('document.documentElement.dataset.theme')
    const before = await theme()
    await page.locator('button[aria-label="Switch theme"]').click()
    await expect.poll(theme).not.toBe(before)
    await page.goto(`${server.origin}/explore?q=${encodeURIComponent('spans | stats count() as spans by bin(time, 1m), service.name')}&from=now-30m`)
    await page.locator('.chart canvas').waitFor()
    await screenshot(page, `shell-explore-${await theme()}`)
    await page.locator('button[aria-label="Switch theme"]').click()
    await page.locator('.chart canvas').waitFor()
    await screenshot(page, `shell-explore-${await theme()}`)

    // Keyboard: skip link first, then g m jumps to Metrics.
    await page.goto(`${server.origin}/dashboards`)
    await page.locator('.skip-link').waitFor({ state: 'attached' })
    await page.keyboard.press('Tab')
    expect(await page.evaluate<string | undefined>('document.activeElement?.textContent')).toBe('Skip to content')
    await page.keyboard.press('Escape')
    await page.evaluate('document.activeElement.blur()')
    await page.keyboard.press('g')
    await page.keyboard.press('m')
    await expect.poll(() => new URL(page.url()).pathname).toBe('/metrics')
    expect(problems).toEqual([])
  })

  test('a phone-sized screen shows the navigation and the page without horizontal scrolling', async () => {
    const q = 'spans | stats count() as n, p95(duration) as p95 by bin(time, 1m)'
    const { page, problems } = await open(`/explore?q=${encodeURIComponent(q)}&from=now-30m`, { width: 390, height: 844 })
    await page.locator('.chart canvas').waitFor()
    await page.locator('table.data tbody tr').first().waitFor()
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390)
    await screenshot(page, 'shell-phone')
    await page.locator('.tp-toggle').click()
    const panel = (await page.locator('.tp-panel').boundingBox())!
    expect(panel.x).toBeGreaterThanOrEqual(0)
    expect(panel.x + panel.width).toBeLessThanOrEqual(390)
    await screenshot(page, 'shell-phone-time-picker')
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390)
    expect(problems).toEqual([])
  })
})
