/**
 * Telemetry is untrusted: HTML and script payloads in service names, span names, attribute keys
 * and values, log bodies and metric attributes, sent by the OpenTelemetry SDK, render as text on
 * the Services, Traces (search and waterfall), Logs (search and live tail) and Metrics pages, and
 * no script runs (each payload would set window.__xss). Screenshots: test/.artifacts/xss-*.png.
 */
import { SeverityNumber } from '@opentelemetry/api-logs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { CHROMIUM, launchBrowser, screenshot, type UiBrowser, type WatchedPage } from './support/browser.ts'
import { sendMetrics } from './support/otel-metrics-send.ts'
import { sendTelemetry } from './support/otel-send.ts'
import { startUiServer, waitForRows, type UiServer } from './support/ui-server.ts'

const SERVICE = `<img src=x onerror="window.__xss='service'">`
const SPAN = `<script>window.__xss='span'</script>`
const KEY = `<svg onload="window.__xss='key'">`
const VALUE = `<img src=x onerror="window.__xss='value'">`
const BODY = `<img src=x onerror="window.__xss='body'"><b>bold</b> "quoted" & done`
const LIVE_BODY = `<iframe src="javascript:window.__xss='live'"></iframe>live`
const METRIC_KEY = `<a href="javascript:window.__xss='mkey'">k</a>`
const METRIC_VALUE = `<img src=x onerror="window.__xss='mvalue'">`

let server: UiServer
let browser: UiBrowser
let traceId: string

describe.skipIf(CHROMIUM === undefined)('untrusted telemetry renders as text on the Services, Traces, Logs and Metrics pages', () => {
  beforeAll(async () => {
    server = await startUiServer()
    browser = await launchBrowser()
    const now = Date.now()
    ;({ traceIds: [traceId] } = await sendTelemetry(server.otlpHttp, [
      { service: SERVICE, name: SPAN, startMs: now - 60_000, durationMs: 120, error: true, attributes: { [KEY]: VALUE }, logs: [{ body: BODY, severity: SeverityNumber.ERROR, attributes: { [KEY]: VALUE } }] },
    ]))
    await sendMetrics(server.otlpHttp, { service: SERVICE, routes: { [SPAN]: [0.1] }, attributes: { [METRIC_KEY]: METRIC_VALUE }, rounds: 2 })
    await waitForRows(server.origin, 'spans', 1)
    await waitForRows(server.origin, 'logs', 1)
    await waitForRows(server.origin, 'metrics | where metric.name = "http.server.request.count"', 2)
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  /** Opens a page, waits for `ready`, and checks that nothing ran and no payload became markup. */
  async function visit(path: string, ready: string, name: string, texts: string[]): Promise<WatchedPage> {
    const watched = await browser.newPage(server.origin)
    await watched.page.goto(server.origin + path)
    await watched.page.locator(ready).first().waitFor()
    await screenshot(watched.page, `xss-${name}`)
    await expectInert(watched, texts)
    return watched
  }
  async function expectInert({ page, problems }: WatchedPage, texts: string[]): Promise<void> {
    expect(await page.evaluate<unknown>('window.__xss')).toBeUndefined()
    // No element from a payload: no images, frames, scripts in the page, no handler attributes.
    expect(await page.evaluate<number>(`document.querySelectorAll('main img, main iframe, main script, main b, [onerror], [onload]').length`)).toBe(0)
    expect(await page.evaluate<number>(`[...document.querySelectorAll('a[href]')].filter((a) => a.getAttribute('href').trim().toLowerCase().startsWith('javascript:')).length`)).toBe(0)
    const text = await page.locator('main').textContent()
    for (const t of texts) expect(text).toContain(t)
    expect(problems).toEqual([])
  }

  test('Services list and a service’s operations', async () => {
    await visit('/services?from=now-15m', '.red-table tbody tr[data-key]', 'services', [SERVICE])
    await visit(`/services/${encodeURIComponent(SERVICE)}?from=now-15m`, '.red-table tbody tr[data-key]', 'service', [SERVICE, SPAN])
  })

  test('Traces search, waterfall, span details and the trace’s logs', async () => {
    await visit(`/traces?from=now-15m&service=${encodeURIComponent(SERVICE)}`, '.tr-hit', 'traces', [SERVICE, SPAN])
    const w = await visit(`/traces/${traceId}?from=now-15m`, '.wf-logs .lg-row', 'waterfall', [SERVICE, SPAN, BODY])
    await w.page.locator('.wf-row').first().click()
    await w.page.locator('.span-details table.kv').first().waitFor()
    await screenshot(w.page, 'xss-span-details')
    await expectInert(w, [KEY, VALUE, SERVICE, SPAN])
  })

  test('Logs search with the payload as the searched text, and the live tail', async () => {
    await visit(`/logs?from=now-15m&text=${encodeURIComponent('<b>bold</b>')}`, '.lg-row mark', 'logs', [BODY, SERVICE])
    const live = await visit('/logs?live=1', '.lg-list[data-live="ready"]', 'live-ready', [])
    await sendTelemetry(server.otlpHttp, [{ service: SERVICE, name: SPAN, startMs: Date.now(), durationMs: 1, logs: [{ body: LIVE_BODY, severity: SeverityNumber.WARN }] }])
    await live.page.locator('.lg-row').first().waitFor()
    await screenshot(live.page, 'xss-live')
    await expectInert(live, [LIVE_BODY, SERVICE])
  })

  test('Metrics grouped by a payload attribute key, with a payload value', async () => {
    const by = `attr.${METRIC_KEY}`
    await visit(`/metrics?from=now-15m&metric=http.server.request.count&by=${encodeURIComponent(by)}`, '.mx-legend .mx-series', 'metrics', [METRIC_VALUE])
    const keys = await visit('/metrics?from=now-15m&metric=http.server.request.count', '.metrics-page .chart canvas', 'metrics-keys', [])
    expect(await keys.page.locator('select[name=by] option').allTextContents()).toContain(by)
  })
})
