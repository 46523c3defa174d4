/**
 * Explore in a real browser against the real server: autocomplete offers sources, operators,
 * attribute keys and values from the catalog; results sort, JSON cells expand, and the query
 * history brings back an earlier query. Screenshots: test/.artifacts/explore-*.png.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { CHROMIUM, launchBrowser, screenshot, type UiBrowser } from './support/browser.ts'
import { sendTelemetry, shopTraffic } from './support/otel-send.ts'
import { startUiServer, waitForRows, type UiServer } from './support/ui-server.ts'

// A page waits on real queries on a machine that may be busy: poll for up to 20 s, not 1 s.
vi.setConfig({ expect: { poll: { timeout: 20_000, interval: 50 } } })

let server: UiServer
let browser: UiBrowser

describe.skipIf(CHROMIUM === undefined)('Explore', () => {
  beforeAll(async () => {
    server = await startUiServer()
    browser = await launchBrowser()
    await sendTelemetry(server.otlpHttp, shopTraffic(Date.now(), 20, 10))
    await waitForRows(server.origin, 'spans | where service.name = "payments"', 20)
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  test('autocomplete: source, operator, attribute key and value from the catalog', async () => {
    const { page, problems } = await browser.newPage(server.origin)
    await page.goto(`${server.origin}/explore`)
    const editor = page.locator('.editor-input')
    const options = (): Promise<string[]> => page.locator('.complete:not([hidden]) li > span:first-child').allTextContents()
    await editor.pressSequentially('sp')
    await expect.poll(options).toEqual(['spans'])
    await editor.press('Enter')
    await editor.pressSequentially('| wh')
    await expect.poll(options).toEqual(['where'])
    await editor.press('Tab')
    await editor.pressSequentially('payment.pro')
    await expect.poll(options).toContain('attr.payment.provider')
    await editor.press('Enter')
    expect(await editor.inputValue()).toBe('spans | where attr.payment.provider')
    await editor.pressSequentially(' = ')
    await expect.poll(options).toEqual(['"acme"', '"globex"'])
    await screenshot(page, 'explore-autocomplete')
    await editor.press('ArrowDown')
    await editor.press('Enter')
    expect(await editor.inputValue()).toBe('spans | where attr.payment.provider = "globex"')
    await editor.pressSequentially(' | stats count() by ')
    await editor.press('Control+Space')
    await expect.poll(options).toContain('resource.service.name')
    await editor.press('Escape')
    await expect.poll(options).toEqual([])
    await editor.pressSequentially('name')
    await editor.press('Escape')
    await editor.press('Control+Enter')
    await expect.poll(() => page.locator('table.data tbody tr').allTextContents()).toEqual(['charge card10'])
    expect(problems).toEqual([])
  })

  test('results sort by a column, JSON cells expand, history brings back a query', async () => {
    const { page, problems } = await browser.newPage(server.origin)
    const q = 'spans | where service.name = "payments" | select name, duration, events, attr.payment.provider | limit 20'
    await page.goto(`${server.origin}/explore?q=${encodeURIComponent(q)}`)
    await page.locator('table.data tbody tr').first().waitFor()
    await page.locator('th .th-btn', { hasText: /^duration$/ }).click()
    const durations = async (): Promise<number[]> => (await page.locator('table.data tbody td:nth-child(2)').evaluateAll((tds) => tds.map((td) => Number((td.getAttribute('title') ?? '').split(' ')[0]))))
    const asc = await durations()
    expect(asc).toEqual([...asc].sort((a, b) => a - b))
    await page.locator('th .th-btn', { hasText: /^duration$/ }).click()
    const desc = await durations()
    expect(desc).toEqual([...asc].sort((a, b) => b - a))
    expect(await page.locator('th[aria-sort="descending"]').textContent()).toBe('duration')
    // Failed payments carry an exception event: its JSON expands in place.
    const toggle = page.locator('.json-toggle').first()
    await toggle.click()
    expect(await page.locator('pre.json').first().textContent()).toContain('"exception.type": "Error"')
    await screenshot(page, 'explore-table')

    await page.goto(`${server.origin}/explore`)
    await page.getByRole('button', { name: 'History' }).click()
    await page.getByRole('menuitem', { name: q }).click()
    expect(await page.locator('.editor-input').inputValue()).toBe(q)
    expect(problems).toEqual([])
  })
})
