/**
 * The Services, Traces, Logs and Metrics pages in a real browser (chromium via playwright-core)
 * against the real server, with spans, logs and metrics sent by the OpenTelemetry SDK: the
 * data appears on each page, filters live in the URL, the trace waterfall shows its spans,
 * critical path and logs, and the live tail shows records within a second of their export.
 * Screenshots of every page state: test/.artifacts/pages-*.png.
 */
import { SeverityNumber } from '@opentelemetry/api-logs'
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { CHROMIUM, launchBrowser, screenshot, type UiBrowser, type WatchedPage } from './support/browser.ts'
import { sendMetrics } from './support/otel-metrics-send.ts'
import { sendTelemetry, shopTraffic } from './support/otel-send.ts'
import { startUiServer, waitForRows, type UiServer } from './support/ui-server.ts'

let server: UiServer
let browser: UiBrowser
let traceIds: string[]
const PHONE = { width: 390, height: 844 }

describe.skipIf(CHROMIUM === undefined)('Services, Traces, Logs and Metrics pages', () => {
  beforeAll(async () => {
    server = await startUiServer()
    browser = await launchBrowser()
    ;({ traceIds } = await sendTelemetry(server.otlpHttp, shopTraffic(Date.now(), 40, 20)))
    await sendMetrics(server.otlpHttp, { service: 'frontend', routes: { '/checkout': [0.02, 0.04, 0.3], '/cart': [0.01, 0.015] } })
    await waitForRows(server.origin, 'spans | where resource.service.name = "payments"', 40)
    await waitForRows(server.origin, 'logs', 40)
    await waitForRows(server.origin, 'metrics | where metric.name = "http.server.request.count"', 6)
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
  const param = (page: WatchedPage['page'], key: string): string | null => new URL(page.url()).searchParams.get(key)
  const noHorizontalScroll = async (page: WatchedPage['page']): Promise<void> => {
    const wide = await page.evaluate<string[]>(`[...document.querySelectorAll('main *')].filter((e) => e.getBoundingClientRect().right > ${PHONE.width} + 1 && !e.closest('.table-wrap')).slice(0, 5).map((e) => e.tagName + '.' + e.className)`)
    expect(wide).toEqual([])
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width)
  }

  test('Services: rate, error ratio and percentiles per service; a service and its operations; click through to failing traces', async () => {
    const { page, problems } = await open('/services?from=now-30m&to=now&theme=light')
    const row = (key: string) => page.locator(`tr[data-key="${key}"]`)
    await row('payments').waitFor()
    expect((await page.locator('.red-table tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')))).sort()).toEqual(['cart', 'frontend', 'payments'])
    // 40 requests in 30 minutes; 4 of 40 checkouts fail (i % 9 == 4: 4, 13, 22, 31): 10 %.
    expect(await row('frontend').locator('td').nth(0).locator('.red-val').textContent()).toBe('0.0222/s')
    expect(await row('frontend').locator('td').nth(1).locator('.red-val').textContent()).toBe('10%')
    expect(await row('cart').locator('td').nth(1).locator('.red-val').textContent()).toBe('0%')
    expect(await row('frontend').locator('svg.spark-svg').count()).toBe(3)
    await screenshot(page, 'pages-services-light')
    // Sorting is in the URL.
    await page.locator('button[data-sort="p99"]').click()
    await expect.poll(() => param(page, 'sort')).toBe('p99')
    await expect.poll(() => page.locator('.red-table tbody tr').first().getAttribute('data-key')).toBe('frontend')

    await row('frontend').getByRole('link', { name: 'frontend' }).click()
    await expect.poll(() => new URL(page.url()).pathname).toBe('/services/frontend')
    await page.locator('tr[data-key="GET /checkout"]').waitFor()
    await page.locator('.svc-charts canvas').first().waitFor()
    await screenshot(page, 'pages-service-frontend')
    await page.locator('tr[data-key="GET /checkout"]').getByRole('link', { name: 'failing (4)' }).click()
    await expect.poll(() => new URL(page.url()).pathname).toBe('/traces')
    expect(param(page, 'service')).toBe('frontend')
    expect(param(page, 'op')).toBe('GET /checkout')
    expect(param(page, 'status')).toBe('error')
    await expect.poll(() => page.locator('.tr-hit').count()).toBe(4)
    expect(await page.locator('.tr-hit-status').allTextContents()).toEqual(Array(4).fill('error'))
    expect(await page.locator('input[name=service]').inputValue()).toBe('frontend')

    const dark = await open('/services?from=now-30m&to=now&theme=dark')
    await dark.page.locator('tr[data-key="payments"]').waitFor()
    await screenshot(dark.page, 'pages-services-dark')
    const phone = await open('/services/payments?from=now-30m&to=now', PHONE)
    await phone.page.locator('tr[data-key="charge card"]').waitFor()
    await phone.page.locator('.svc-charts canvas').first().waitFor()
    await screenshot(phone.page, 'pages-service-phone')
    await noHorizontalScroll(phone.page)
    expect([...problems, ...dark.problems, ...phone.problems]).toEqual([])
  })

  test('Traces: search by service, duration and attributes; the scatter opens a trace; the waterfall shows spans, critical path, details and the trace’s logs', async () => {
    const { page, problems } = await open('/traces?from=now-30m&to=now')
    // No filter: one row per trace (root spans).
    await expect.poll(() => page.locator('.tr-hit').count()).toBe(40)
    await page.locator('.traces-page .chart canvas').waitFor()
    await screenshot(page, 'pages-traces-all')
    // Slow payments: i % 7 == 3 gives 6 of 40 at 400 ms and more.
    await page.locator('input[name=service]').fill('payments')
    await page.locator('input[name=min]').fill('300ms')
    await page.locator('input[name=attrs]').fill('payment.provider=globex')
    await page.locator('input[name=attrs]').press('Enter')
    await expect.poll(() => param(page, 'min')).toBe('300ms')
    expect(param(page, 'attrs')).toBe('payment.provider=globex')
    // Slow ones are i = 3, 10, 17, 24, 31, 38; globex is odd i: 3, 17, 31.
    await expect.poll(() => page.locator('.tr-hit').count()).toBe(3)
    for (const d of await page.locator('.tr-hit-dur').allTextContents()) expect(Number.parseFloat(d)).toBeGreaterThanOrEqual(300)
    await screenshot(page, 'pages-traces-search')
    await page.locator('input[name=min]').fill('fast')
    await page.locator('input[name=min]').press('Enter')
    await expect.poll(() => page.locator('.error-box').textContent()).toContain('cannot read minimum duration "fast"')
    await page.goBack()
    await expect.poll(() => page.locator('.tr-hit').count()).toBe(3)

    // Click a point of the scatter: its trace opens. With an absolute range the point's place
    // follows from its time and duration (x: the range, y: 0 to 1.1 × the longest).
    const from = Date.now() - 30 * 60_000
    const to = Date.now() + 60_000
    await page.goto(`${server.origin}/traces?service=payments&min=300ms&attrs=payment.provider%3Dglobex&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`)
    await expect.poll(() => page.locator('.tr-hit').count()).toBe(3)
    const hits = await page.locator('.tr-hit').evaluateAll((els) => els.map((e) => ({ time: Date.parse(e.querySelector('time')!.getAttribute('datetime')!), ms: Number.parseFloat(e.querySelector('.tr-hit-dur')!.textContent!) })))
    const over = (await page.locator('.scatter .u-over').boundingBox())!
    const longest = Math.max(...hits.map((x) => x.ms))
    const fromMs = Date.parse(new Date(from).toISOString())
    const x = ((hits[1].time - fromMs) / (Date.parse(new Date(to).toISOString()) - fromMs)) * over.width
    const y = over.height - (hits[1].ms / (longest * 1.1)) * over.height
    await page.mouse.click(over.x + x, over.y + y)
    await expect.poll(() => new URL(page.url()).pathname).toMatch(/^\/traces\/[0-9a-f]{32}$/)
    await page.locator('.wf-row').first().waitFor()
    expect(await page.locator('.wf-row').count()).toBe(3)
    expect(await page.locator('.wf-row .wf-name').allTextContents()).toEqual(['GET /checkout', 'load cart', 'charge card'])
    // The clicked trace is i = 17: the cart ends (+23 ms) before the payment starts (+25 ms), so
    // the request waited on both in turn (critical-path.test.ts covers spans running in parallel).
    expect(await page.locator('.wf-row.on-critical .wf-name').allTextContents()).toEqual(['GET /checkout', 'load cart', 'charge card'])
    // The span picked on the scatter is selected and described.
    expect(await page.locator('.wf-row[aria-selected="true"] .wf-name').textContent()).toBe('charge card')
    expect(await page.locator('.span-details table.kv').first().textContent()).toContain('payment.providerglobex')
    await expect.poll(() => page.locator('.wf-logs .lg-row').count()).toBe(1)
    expect(await page.locator('.wf-logs .lg-body').textContent()).toMatch(/^(charged|card declined for) order 10\d\d$/)
    await screenshot(page, 'pages-trace-waterfall')
    // Keyboard: Up moves to the previous span and puts it in the URL.
    await page.locator('.wf-row[aria-selected="true"]').focus()
    await page.keyboard.press('ArrowUp')
    await expect.poll(() => page.locator('.wf-row[aria-selected="true"] .wf-name').textContent()).toBe('load cart')
    expect(param(page, 'span')).toMatch(/^[0-9a-f]{16}$/)
    expect(problems).toEqual([])
  })

  test('Traces: a failing trace shows its error, exception event and error log; dark theme and phone width', async () => {
    // Trace 4 of shopTraffic fails (i % 9 == 4).
    const path = `/traces/${traceIds[4]}?theme=dark`
    const { page, problems } = await open(path)
    await page.locator('.wf-row').first().waitFor()
    expect(await page.locator('.wf-row .wf-err').count()).toBe(2)
    expect(await page.locator('.wf-summary').textContent()).toContain('2 with errors')
    await page.locator('.wf-row', { hasText: 'charge card' }).click()
    expect(await page.locator('.span-details .facts').textContent()).toContain('error: failed')
    expect(await page.locator('.span-details .ev.exception').textContent()).toContain('charge card failed')
    await expect.poll(() => page.locator('.wf-logs .lg-row.lg-error .lg-body').textContent()).toBe('card declined for order 1004')
    await screenshot(page, 'pages-trace-error-dark')
    // The log's span button selects the span that wrote it.
    await page.locator('.wf-row', { hasText: 'GET /checkout' }).click()
    await page.locator('.wf-logs .lg-trace').click()
    await expect.poll(() => page.locator('.wf-row[aria-selected="true"] .wf-name').textContent()).toBe('charge card')

    // A span linked to another trace links to it.
    const [linked] = (await sendTelemetry(server.otlpHttp, [{ service: 'batcher', name: 'flush batch', startMs: Date.now() - 60_000, durationMs: 12, links: [{ traceId: traceIds[4], spanId: '0123456789abcdef', attributes: { reason: 'batched' } }] }])).traceIds
    await page.goto(`${server.origin}/traces/${linked}?theme=dark`)
    await page.locator('.wf-row').first().click()
    await expect.poll(() => page.locator('.span-details section', { hasText: 'Links (1)' }).textContent()).toContain('reasonbatched')
    await page.getByRole('link', { name: `trace ${traceIds[4]}` }).click()
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/traces/${traceIds[4]}`)
    await page.locator('.wf-row').first().waitFor()

    const phone = await open(`/traces/${traceIds[4]}`, PHONE)
    await phone.page.locator('.wf-row').first().waitFor()
    await phone.page.locator('.wf-logs .lg-row').waitFor()
    await screenshot(phone.page, 'pages-trace-phone')
    await noHorizontalScroll(phone.page)
    const search = await open('/traces?service=payments&sort=slowest&from=now-30m', PHONE)
    await search.page.locator('.tr-hit').first().waitFor()
    await screenshot(search.page, 'pages-traces-phone')
    await noHorizontalScroll(search.page)
    expect([...problems, ...phone.problems, ...search.problems]).toEqual([])
  })

  test('Logs: search marks the matched text, colours severities, counts by severity over time, and links records to traces', async () => {
    const { page, problems } = await open('/logs?from=now-30m&to=now&theme=light')
    await expect.poll(() => page.locator('.lg-row').count()).toBe(40)
    await page.locator('.logs-page .chart canvas').waitFor()
    expect(await page.locator('.status').textContent()).toBe('40 records')
    await screenshot(page, 'pages-logs-all')
    await page.locator('input[name=text]').fill('DECLINED')
    await page.locator('input[name=text]').press('Enter')
    await expect.poll(() => page.locator('.lg-row').count()).toBe(4)
    expect(param(page, 'text')).toBe('DECLINED')
    expect(await page.locator('.lg-row mark').allTextContents()).toEqual(Array(4).fill('declined'))
    expect(await page.locator('.lg-row.lg-error').count()).toBe(4)
    expect(await page.locator('.lg-sev').first().textContent()).toBe('ERROR')
    // The histogram's legend counts the error class.
    expect(await page.locator('.logs-page .u-legend').textContent()).toContain('error')
    await screenshot(page, 'pages-logs-search')
    await page.locator('.lg-row .lg-trace').first().click()
    await expect.poll(() => new URL(page.url()).pathname).toMatch(/^\/traces\/[0-9a-f]{32}$/)
    await page.locator('.wf-row[aria-selected="true"]').waitFor()
    expect(await page.locator('.wf-row[aria-selected="true"] .wf-name').textContent()).toBe('charge card')

    // A condition in the query language; a mistake is reported, not swallowed.
    const filtered = await open(`/logs?from=now-30m&filter=${encodeURIComponent('severity >= 17 and body contains "100"')}`)
    await expect.poll(() => filtered.page.locator('.lg-row').count()).toBe(1)
    const bad = await open(`/logs?from=now-30m&filter=${encodeURIComponent('severity >=')}`)
    await expect.poll(() => bad.page.locator('.error-box').textContent()).toContain('cannot parse')
    const dark = await open('/logs?from=now-30m&theme=dark&sev=9')
    await dark.page.locator('.lg-row').first().waitFor()
    await dark.page.locator('.logs-page .chart canvas').waitFor()
    await screenshot(dark.page, 'pages-logs-dark')
    const phone = await open('/logs?from=now-30m&text=order', PHONE)
    await phone.page.locator('.lg-row mark').first().waitFor()
    await screenshot(phone.page, 'pages-logs-phone')
    await noHorizontalScroll(phone.page)
    expect([...problems, ...filtered.problems, ...dark.problems, ...phone.problems].filter((p) => !p.includes('status of 400'))).toEqual([])
  })

  test('Logs live tail: records appear as they are stored, filtered, within a second of export; pause holds them', async () => {
    const { page, problems } = await open('/logs?live=1&text=tail-probe&theme=light')
    await page.locator('.lg-list[data-live="ready"]').waitFor()
    // Record when each probe's row is added, in the page, as it happens.
    await page.evaluate(`window.__seen = {}; new MutationObserver(() => { for (const b of document.querySelectorAll('.lg-body')) { const t = b.textContent; if (!(t in window.__seen)) window.__seen[t] = Date.now() } }).observe(document.querySelector('.lg-list'), { childList: true, subtree: true })`)
    const provider = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'tail-test' }), processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `http://${server.otlpHttp}/v1/logs` }) })] })
    const logger = provider.getLogger('tail')
    const fromAck: number[] = []
    const fromExport: number[] = []
    const probes = 20
    for (let i = 0; i < probes; i++) {
      const body = `tail-probe ${i}`
      logger.emit({ body: 'not matching the filter', severityNumber: SeverityNumber.INFO })
      const t0 = Date.now()
      logger.emit({ body, severityNumber: i % 4 === 0 ? SeverityNumber.ERROR : SeverityNumber.INFO })
      await provider.forceFlush()
      const acked = Date.now()
      await expect.poll(() => page.evaluate<number | undefined>(`window.__seen[${JSON.stringify(body)}]`), { timeout: 10_000, interval: 20 }).toBeTypeOf('number')
      const seen = await page.evaluate<number>(`window.__seen[${JSON.stringify(body)}]`)
      fromAck.push(seen - acked)
      fromExport.push(seen - t0)
    }
    const pct = (xs: number[], p: number): number => xs.slice().sort((a, b) => a - b)[Math.ceil((p / 100) * xs.length) - 1]
    console.log(`live tail, export acknowledged -> row on screen: p50 ${pct(fromAck, 50)} ms, p99 ${pct(fromAck, 99)} ms; export started -> row: p50 ${pct(fromExport, 50)} ms, p99 ${pct(fromExport, 99)} ms (${probes} probes)`)
    // Generous: half of the probes within a second of the export (a loaded machine may delay a few).
    expect(pct(fromExport, 50)).toBeLessThan(1000)
    expect(await page.locator('.lg-row').count()).toBe(probes)
    expect(await page.locator('.lg-body').first().textContent()).toBe(`tail-probe ${probes - 1}`)
    expect(await page.locator('.lg-body', { hasText: 'not matching' }).count()).toBe(0)
    await screenshot(page, 'pages-logs-live')

    // Paused: new records are held, not shown, until Resume.
    await page.getByRole('button', { name: 'Pause', exact: true }).click()
    logger.emit({ body: 'tail-probe held', severityNumber: SeverityNumber.WARN })
    await provider.forceFlush()
    await expect.poll(() => page.locator('.status').textContent()).toBe('Paused · 1 new held')
    expect(await page.locator('.lg-row').count()).toBe(probes)
    await screenshot(page, 'pages-logs-live-paused')
    await page.getByRole('button', { name: '▶ Resume (1)' }).click()
    await expect.poll(() => page.locator('.lg-body').first().textContent()).toBe('tail-probe held')
    await page.getByRole('button', { name: '■ Stop live tail' }).click()
    await expect.poll(() => param(page, 'live')).toBe(null)
    await provider.shutdown()
    expect(problems).toEqual([])
  })

  test('Metrics: the catalog lists metric names; a counter as a rate grouped by route, a histogram as quantiles, a gauge', async () => {
    const { page, problems } = await open('/metrics?from=now-30m&to=now&theme=light')
    await expect.poll(() => page.locator('.mx-catalog li a').allTextContents()).toEqual(expect.arrayContaining(['http.server.request.count', 'http.server.request.duration', 'http.server.active_requests']))
    await screenshot(page, 'pages-metrics-catalog')
    await page.locator('.mx-catalog a', { hasText: 'http.server.request.count' }).click()
    await page.locator('.metrics-page .chart canvas').waitFor()
    expect(await page.locator('select[name=fn]').inputValue()).toBe('rate')
    expect(await page.locator('.mx-info .badge').textContent()).toBe('counter')
    await page.locator('select[name=by]').selectOption('attr.http.route')
    await expect.poll(() => param(page, 'by')).toBe('attr.http.route')
    await expect.poll(() => page.locator('.mx-legend .mx-series').allTextContents()).toEqual(expect.arrayContaining(['/checkout', '/cart']))
    expect(await page.locator('.mx-legend tbody tr').count()).toBe(2)
    await screenshot(page, 'pages-metrics-counter')
    // 3 rounds of 3 checkout requests: the increase over the range is 9.
    await page.locator('select[name=fn]').selectOption('increase')
    await expect.poll(async () => {
      const rows = await page.locator('.mx-legend tbody tr').allTextContents()
      return rows.find((r) => r.startsWith('/checkout'))
    }).toMatch(/^\/checkout/)
    const q = `metrics | where metric.name = "http.server.request.count" and http.route = "/checkout" | stats increase(value) as n`
    expect((await waitForRows(server.origin, q, 1))[0][0]).toBe(9)

    await page.locator('input[name=metric]').fill('http.server.request.duration')
    await page.locator('input[name=metric]').press('Enter')
    await expect.poll(() => page.locator('.mx-legend .mx-series').allTextContents()).toEqual(expect.arrayContaining(['/checkout', '/cart']))
    await page.locator('select[name=by]').selectOption('')
    await expect.poll(() => page.locator('.mx-legend .mx-series').allTextContents()).toEqual(['p50', 'p95', 'p99'])
    expect(await page.locator('select[name=fn]').inputValue()).toBe('quantile')
    expect(await page.locator('.mx-info').textContent()).toContain('unit s')
    await screenshot(page, 'pages-metrics-histogram')

    const gauge = await open('/metrics?from=now-30m&metric=http.server.active_requests&theme=dark')
    await gauge.page.locator('.metrics-page .chart canvas').waitFor()
    expect(await gauge.page.locator('select[name=fn]').inputValue()).toBe('avg')
    await screenshot(gauge.page, 'pages-metrics-gauge-dark')
    const phone = await open('/metrics?from=now-30m&metric=http.server.request.duration&by=attr.http.route', PHONE)
    await phone.page.locator('.metrics-page .chart canvas').waitFor()
    await screenshot(phone.page, 'pages-metrics-phone')
    await noHorizontalScroll(phone.page)
    expect([...problems, ...gauge.problems, ...phone.problems]).toEqual([])
  })
})

