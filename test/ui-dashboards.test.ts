/**
 * Dashboards in a real browser against the real server, with spans and logs from the
 * OpenTelemetry SDK: the built-in overview draws every panel (repeated per service); a
 * dashboard made in the UI (panel, variable, moved and resized by dragging) is saved and is
 * still there after the server restarts on the same data directory; duplicate, export, import
 * and delete. Screenshots: test/.artifacts/dashboards-*.png.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { CHROMIUM, launchBrowser, screenshot, type UiBrowser } from './support/browser.ts'
import { sendTelemetry, shopTraffic } from './support/otel-send.ts'
import { startUiServer, waitForRows, type UiServer } from './support/ui-server.ts'
import type { Page } from 'playwright-core'

// A page waits on real queries on a machine that may be busy: poll for up to 20 s, not 1 s.
vi.setConfig({ expect: { poll: { timeout: 20_000, interval: 50 } } })

let server: UiServer
let browser: UiBrowser

async function panelsDrawn(page: Page, count: number): Promise<void> {
  await expect.poll(() => page.locator('.panel').count()).toBe(count)
  await expect.poll(() => page.locator('.panel.loading').count(), { timeout: 20_000 }).toBe(0)
}

describe.skipIf(CHROMIUM === undefined)('dashboards', () => {
  beforeAll(async () => {
    server = await startUiServer()
    browser = await launchBrowser()
    await sendTelemetry(server.otlpHttp, shopTraffic(Date.now(), 40, 20))
    await waitForRows(server.origin, 'spans | where service.name = "payments"', 40)
    await waitForRows(server.origin, 'logs', 40)
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  test('the built-in overview draws RED per service, error logs and the slowest traces', async () => {
    const { page, problems } = await browser.newPage(server.origin)
    await page.goto(`${server.origin}/dashboards`)
    await page.getByRole('link', { name: 'BlazeDB overview' }).click()
    await panelsDrawn(page, 9)
    expect(await page.locator('.panel-error').count()).toBe(0)
    expect(await page.locator('select[data-variable=service] option').allTextContents()).toEqual(['cart', 'frontend', 'payments'])
    expect(await page.locator('[data-panel="latency"] .panel-title').textContent()).toBe('Latency of cart')
    expect(await page.locator('[data-panel="spans"] .stat').textContent()).toBe('120')
    // Requests 4, 13, 22 and 31 of 40 fail, in frontend and payments: 8 error spans of 120.
    expect(await page.locator('[data-panel="error-ratio"] .gauge-text').textContent()).toBe('6.67%')
    expect(await page.locator('[data-panel="error-logs"] .log-row').count()).toBe(4)
    expect(await page.locator('[data-panel="error-logs"] .log-body').first().textContent()).toMatch(/^card declined for order \d+$/)
    expect(await page.locator('[data-panel="slowest"] .trace-row').count()).toBe(20)
    expect(await page.locator('[data-panel="slowest"] .trace-row a').first().getAttribute('href')).toMatch(/^\/traces\/[0-9a-f]{32}$/)
    expect(await page.locator('[data-panel="services"] tbody tr').count()).toBe(3)
    expect(await page.locator('[data-panel="latency"] canvas').count()).toBeGreaterThanOrEqual(1)
    expect(await page.locator('[data-panel="p95"] .u-legend .u-series').count()).toBe(4)
    await screenshot(page, 'dashboards-overview')
    // Read-only: no editing, but a copy can be made.
    expect(await page.getByRole('button', { name: 'Edit' }).isDisabled()).toBe(true)

    // The variable picker narrows panels that use $service, and is a history entry.
    await page.locator('select[data-variable=service]').selectOption('payments')
    await expect.poll(() => page.locator('[data-panel="latency"] .panel-title').textContent()).toBe('Latency of payments')
    expect(new URL(page.url()).searchParams.get('var-service')).toBe('payments')
    await page.goto(`${server.origin}/dashboards/blazedb-overview?from=now-1h&to=now&theme=dark&var-service=payments`)
    await panelsDrawn(page, 9)
    await screenshot(page, 'dashboards-overview-dark')
    const phone = await browser.newPage(server.origin, { width: 390, height: 844 })
    await phone.page.goto(`${server.origin}/dashboards/blazedb-overview?from=now-1h&to=now`)
    await panelsDrawn(phone.page, 9)
    expect(await phone.page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390)
    await screenshot(phone.page, 'dashboards-overview-phone')
    expect(problems).toEqual([])
    expect(phone.problems).toEqual([])
  })

  test('a dashboard made in the UI, with a variable and a dragged panel, survives a restart', async () => {
    let { page, problems } = await browser.newPage(server.origin)
    await page.goto(`${server.origin}/dashboards`)
    await page.getByRole('button', { name: 'New dashboard' }).click()
    await expect.poll(() => new URL(page.url()).pathname).toMatch(/^\/dashboards\/[0-9a-f-]{36}$/)
    const path = new URL(page.url()).pathname
    await page.getByRole('button', { name: 'Edit' }).click()

    await page.getByRole('button', { name: 'Settings' }).click()
    await page.locator('dialog input[name=title]').fill('Payments')
    await page.getByRole('button', { name: 'Add variable' }).click()
    await page.locator('dialog input[name=var-name]').fill('provider')
    await page.locator('dialog input[name=var-query]').fill('spans | where exists(attr.payment.provider) | stats count() by attr.payment.provider | sort attr.payment.provider')
    await page.locator('dialog').getByRole('button', { name: 'Apply' }).click()

    await page.getByRole('button', { name: 'Add panel' }).click()
    const dialog = page.locator('dialog')
    await dialog.locator('input[name=title]').fill('Charges')
    await dialog.locator('select[name=type]').selectOption('stat')
    await dialog.locator('.editor-input').fill('spans | where attr.payment.provider = $provider | stats count() as charges')
    await dialog.locator('input[name=thresholds]').fill('10 #16a34a, 30 #e02f44')
    await screenshot(page, 'dashboards-panel-editor')
    await dialog.getByRole('button', { name: 'Apply' }).click()
    await panelsDrawn(page, 1)
    expect(await page.locator('.panel .stat').textContent()).toBe('20')

    await page.getByRole('button', { name: 'Add panel' }).click()
    await dialog.locator('input[name=title]').fill('Charges per minute')
    await dialog.locator('.editor-input').fill('spans | where attr.payment.provider = $provider | stats count() as charges by bin(time, 1m)')
    await dialog.locator('select[name=repeat]').selectOption('provider')
    await dialog.getByRole('button', { name: 'Apply' }).click()
    // Editing shows a repeated panel once.
    await panelsDrawn(page, 2)

    // Drag the first panel's header right by a third of the grid, then its corner down by two rows.
    const grid = (await page.locator('.dash-grid').boundingBox())!
    const header = (await page.locator('[data-panel="panel-1"] .panel-header').boundingBox())!
    await page.mouse.move(header.x + 40, header.y + 10)
    await page.mouse.down()
    await page.mouse.move(header.x + 40 + grid.width / 3, header.y + 10, { steps: 8 })
    await page.mouse.up()
    const corner = (await page.locator('[data-panel="panel-1"] .panel-resize').boundingBox())!
    await page.mouse.move(corner.x + 8, corner.y + 8)
    await page.mouse.down()
    await page.mouse.move(corner.x + 8, corner.y + 8 + 140, { steps: 8 })
    await page.mouse.up()
    // The keyboard moves and resizes a focused panel too.
    await page.locator('[data-panel="panel-2"]').focus()
    await page.keyboard.press('ArrowRight')
    await page.keyboard.press('Shift+ArrowDown')
    await screenshot(page, 'dashboards-editing')
    await page.getByRole('button', { name: 'Save' }).click()
    await expect.poll(() => page.locator('.status').textContent()).toContain('Saved at')
    const saved = (await (await fetch(`${server.origin}/api/v1/dashboards/${path.split('/')[2]}`)).json()) as { dashboard: { title: string; panels: { grid: unknown }[]; variables: unknown[] } }
    expect(saved.dashboard.title).toBe('Payments')
    expect(saved.dashboard.panels[0].grid).toEqual({ x: 4, y: 0, w: 6, h: 6 })
    expect(saved.dashboard.panels[1].grid).toEqual({ x: 1, y: 6, w: 6, h: 5 })
    expect(saved.dashboard.variables).toHaveLength(1)

    // Restart the server on the same data directory: the dashboard is read back from disk.
    await page.close()
    await server.stop(true)
    server = await startUiServer({}, server.dataDir)
    ;({ page, problems } = await browser.newPage(server.origin))
    await page.goto(`${server.origin}${path}?var-provider=globex`)
    // The repeated panel: once per provider.
    await panelsDrawn(page, 3)
    expect(await page.locator('[data-panel="panel-2"] .panel-title').allTextContents()).toEqual(['Charges per minute · acme', 'Charges per minute · globex'])
    expect(await page.locator('h1.dash-title').textContent()).toBe('Payments')
    expect(await page.locator('select[data-variable=provider] option').allTextContents()).toEqual(['acme', 'globex'])
    expect(await page.locator('select[data-variable=provider]').inputValue()).toBe('globex')
    expect(await page.locator('[data-panel="panel-1"] .stat').textContent()).toBe('20')
    expect(await page.evaluate<string>(`getComputedStyle(document.querySelector('[data-panel="panel-1"] .stat')).color`)).toBe('rgb(22, 163, 74)')
    const moved = (await page.locator('[data-panel="panel-1"]').boundingBox())!
    const gridAfter = (await page.locator('.dash-grid').boundingBox())!
    expect(moved.x - gridAfter.x).toBeGreaterThan(gridAfter.width / 4)
    await page.locator('[data-panel="panel-2"] canvas').first().waitFor()
    await screenshot(page, 'dashboards-after-restart')
    expect(problems).toEqual([])
  })

  test('duplicate, export, import and delete', async () => {
    const { page, problems } = await browser.newPage(server.origin)
    await page.goto(`${server.origin}/dashboards/blazedb-overview`)
    await page.getByRole('button', { name: 'Duplicate' }).click()
    await expect.poll(() => page.locator('h1.dash-title').textContent()).toBe('BlazeDB overview (copy)')
    expect(await page.getByRole('button', { name: 'Edit' }).isDisabled()).toBe(false)
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export' }).click()])
    const exported = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { title: string; panels: unknown[] }
    expect(exported.title).toBe('BlazeDB overview (copy)')
    expect(exported.panels).toHaveLength(9)

    await page.goto(`${server.origin}/dashboards`)
    await page.getByRole('button', { name: 'Paste JSON' }).click()
    await page.locator('textarea[aria-label="Dashboard JSON"]').fill(JSON.stringify({ ...exported, title: 'Imported' }))
    await page.getByRole('button', { name: 'Import', exact: true }).click()
    await expect.poll(() => page.locator('h1.dash-title').textContent()).toBe('Imported')
    await panelsDrawn(page, 9)

    page.once('dialog', (d) => void d.accept())
    await page.getByRole('button', { name: 'Delete' }).click()
    await expect.poll(() => new URL(page.url()).pathname).toBe('/dashboards')
    await expect.poll(() => page.locator('.dash-link').allTextContents()).not.toContain('Imported')
    expect(await page.locator('.dash-link').allTextContents()).toContain('BlazeDB overview (copy)')

    await page.getByRole('button', { name: 'Paste JSON' }).click()
    await page.locator('textarea[aria-label="Dashboard JSON"]').fill('{"title": "x", "panels": [{"type": "pie"}]}')
    await page.getByRole('button', { name: 'Import', exact: true }).click()
    await expect.poll(() => page.locator('.error-box').textContent()).toContain('cannot accept dashboard: panels[0].type: must be one of')
    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([])
  })
})
