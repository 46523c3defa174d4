/**
 * The Alerts page in a real browser (chromium via playwright-core) against the real server: a
 * rule from a rule file fires on spans sent by the OpenTelemetry SDK, and the page shows it
 * firing with its labels, value and time, the history chart counts its transitions (from the
 * `blazedb-alerts` log records), the editor previews a new rule over the time range and stores
 * its group (read back through the rules API), edits and deletes it, silences are made and
 * expired, and HTML in service names, labels and annotations stays text.
 * Screenshots: test/.artifacts/alerts-*.png.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { getJson, sendErrorLogs, sendSpans } from './support/alert-server.ts'
import { CHROMIUM, launchBrowser, screenshot, type UiBrowser, type WatchedPage } from './support/browser.ts'
import { startUiServer, type UiServer } from './support/ui-server.ts'
import { waitFor } from './support/wait-for.ts'

const XSS_SERVICE = '<img src=x onerror="window.__xss=1">checkout'
const XSS_LABEL = '<script>window.__xss=2</script>'
const RULES = `groups:
  - name: latency
    interval: 300ms
    rules:
      - alert: HighLatency
        query: spans | where kind = "server" | stats p99(duration) as p99 by service.name | extend p99 / 1ms as p99_ms
        condition: p99_ms > 500
        window: 30m
        for: 600ms
        labels:
          team: ${JSON.stringify(XSS_LABEL)}
        annotations:
          summary: "{{ $labels.service_name }} p99 is {{ $value }} ms <b onmouseover=alert(1)>bold</b>"
          link: "{{ $link }}"
`
const PHONE = { width: 390, height: 844 }

let dir: string
let server: UiServer
let browser: UiBrowser
let http: string

describe.skipIf(CHROMIUM === undefined)('Alerts page', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'blazedb-ui-alerts-'))
    writeFileSync(join(dir, 'rules.yaml'), RULES)
    server = await startUiServer({ alerts: { ruleFiles: [join(dir, 'rules.yaml')], externalUrl: 'http://blazedb.example:4319' } })
    http = server.server.addresses.http!
    browser = await launchBrowser()
    await sendSpans(server.otlpHttp, XSS_SERVICE, 900, 3)
    await sendErrorLogs(server.otlpHttp, 'payments', 2)
    await waitFor('the rule firing', async () => (await getJson(http, '/api/v1/alerts')).alerts.some((a: any) => a.state === 'firing'))
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  async function open(path: string, viewport?: { width: number; height: number }): Promise<WatchedPage> {
    const watched = await browser.newPage(server.origin, viewport)
    await watched.page.goto(server.origin + path)
    return watched
  }
  const noScriptRan = async (page: WatchedPage['page']): Promise<void> => {
    expect(await page.evaluate('window.__xss')).toBeUndefined()
    expect(await page.locator('main img, main script:not([src]), main b').count()).toBe(0)
  }

  test('shows the firing alert with its labels, value and time, the rule state and the transitions; HTML stays text', async () => {
    const { page, problems } = await open('/alerts?from=now-15m&to=now&theme=light')
    const firing = page.locator('.al-alerts tbody tr[data-state="firing"]')
    await firing.first().waitFor()
    expect(await firing.locator('td').nth(0).textContent()).toBe('HighLatency')
    const labels = await firing.first().locator('.al-label').allTextContents()
    expect(labels).toEqual(expect.arrayContaining([`service_name=${XSS_SERVICE}`, `team=${XSS_LABEL}`, 'alertname=HighLatency']))
    expect(Number(await firing.first().locator('td').nth(3).textContent())).toBeGreaterThan(500)
    expect(await firing.first().locator('td').nth(4).textContent()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)
    expect(await firing.first().locator('.al-ann').textContent()).toContain(`${XSS_SERVICE} p99 is`)
    expect(await firing.first().locator('.al-ann').textContent()).toContain('<b onmouseover=alert(1)>bold</b>')
    // The {{ $link }} annotation links to the rule's query on Explore.
    const href = (await firing.first().locator('.al-ann a').getAttribute('href'))!
    expect(href.startsWith('http://blazedb.example:4319/explore?')).toBe(true)
    const explore = await open(href.slice('http://blazedb.example:4319'.length))
    await expect.poll(() => explore.page.locator('.query-editor textarea, textarea').first().inputValue()).toContain('stats p99(duration) as p99 by service.name')
    // The rule, read-only (a rule file), firing.
    const rule = page.locator('.al-group[data-group="latency"] tr[data-rule="HighLatency"]')
    expect(await rule.getAttribute('data-state')).toBe('firing')
    expect(await page.locator('.al-group[data-group="latency"] .badge').first().textContent()).toBe('file · read-only')
    expect(await rule.getByRole('link', { name: 'Edit' }).count()).toBe(0)
    // The history chart counts the transitions to pending and to firing.
    await expect.poll(() => page.locator('.alerts-page .chart-box').getAttribute('data-totals')).toMatch(/firing: [1-9]/)
    expect(await page.locator('.alerts-page .chart-box').getAttribute('data-totals')).toMatch(/pending: [1-9]/)
    await page.locator('.alerts-page .chart-box canvas').first().waitFor()
    await noScriptRan(page)
    await screenshot(page, 'alerts-light')

    const dark = await open('/alerts?from=now-15m&to=now&theme=dark')
    await dark.page.locator('.al-alerts tbody tr[data-state="firing"]').first().waitFor()
    await dark.page.locator('.alerts-page .chart-box canvas').first().waitFor()
    await screenshot(dark.page, 'alerts-dark')
    const phone = await open('/alerts?from=now-15m&to=now', PHONE)
    await phone.page.locator('.al-alerts tbody tr[data-state="firing"]').first().waitFor()
    await phone.page.locator('.alerts-page .chart-box canvas').first().waitFor()
    await screenshot(phone.page, 'alerts-phone')
    expect(await phone.page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width)
    await noScriptRan(phone.page)
    const phoneEditor = await open('/alerts?from=now-15m&to=now&new=1&theme=dark', PHONE)
    await phoneEditor.page.locator('form.al-editor').waitFor()
    await phoneEditor.page.getByRole('button', { name: 'Preview' }).click()
    await phoneEditor.page.locator('.al-preview canvas').first().waitFor()
    await screenshot(phoneEditor.page, 'alerts-editor-phone-dark')
    expect(await phoneEditor.page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width)
    expect([...problems, ...explore.problems, ...dark.problems, ...phone.problems, ...phoneEditor.problems]).toEqual([])
  })

  test('the editor previews a new rule, stores its group through the API, edits and deletes it', async () => {
    const { page, problems } = await open('/alerts?from=now-15m&to=now&theme=light')
    await page.getByRole('link', { name: 'New rule group' }).click()
    const form = page.locator('form.al-editor')
    await form.waitFor()
    await form.locator('input[name=group]').fill('ui-made')
    await form.locator('input[name=interval]').fill('30s')
    await form.locator('input[name=alert]').fill('ErrorLogs')
    await form.locator('textarea[name=query]').fill('logs | where severity >= 17 | stats count() as errors by service.name')
    await form.locator('input[name=condition]').fill('errors > 1')
    await form.locator('input[name=window]').fill('5m')
    await form.locator('input[name=for]').fill('0s')
    await form.locator('textarea[name=labels]').fill('severity=ticket')
    await form.locator('textarea[name=annotations]').fill('summary={{ $labels.service_name }} logs errors')
    await form.getByRole('button', { name: 'Preview' }).click()
    // The two error logs were sent minutes ago at most: the last windows hold, so it would have fired once.
    await expect.poll(() => form.locator('.al-preview h3').textContent()).toBe('Would have fired 1 time')
    expect(await form.locator('.al-fired li').first().textContent()).toContain('service.name="payments"')
    await form.locator('.al-preview canvas').first().waitFor()
    await screenshot(page, 'alerts-editor-preview')
    await form.getByRole('button', { name: 'Save' }).click()
    await expect.poll(() => new URL(page.url()).searchParams.get('new')).toBeNull()

    const stored = async () => (await getJson(http, '/api/v1/rules')).groups.find((g: any) => g.name === 'ui-made')
    await waitFor('the stored group', async () => (await stored()) !== undefined)
    const g = await stored()
    expect(g.source).toBe('api')
    expect(g.interval).toBe(30)
    expect(g.rules.map((r: any) => [r.alert, r.query, r.condition, r.window, r.for, r.labels, r.annotations])).toEqual([
      ['ErrorLogs', 'logs | where severity >= 17 | stats count() as errors by service.name', { column: 'errors', op: '>', value: 1 }, 300, 0, { severity: 'ticket' }, { summary: '{{ $labels.service_name }} logs errors' }],
    ])

    // Edit: the form holds the stored rule; a new threshold is stored.
    const row = page.locator('.al-group[data-group="ui-made"] tr[data-rule="ErrorLogs"]')
    await row.getByRole('link', { name: 'Edit' }).click()
    await form.waitFor()
    expect(await form.locator('input[name=group]').inputValue()).toBe('ui-made')
    expect(await form.locator('input[name=condition]').inputValue()).toBe('errors > 1')
    await form.locator('input[name=condition]').fill('errors >= 5')
    await form.getByRole('button', { name: 'Save' }).click()
    await waitFor('the edited rule', async () => (await stored())?.rules[0].condition.op === '>=')
    expect((await stored()).rules[0].condition).toEqual({ column: 'errors', op: '>=', value: 5 })

    // A mistake is shown and nothing is stored.
    await page.locator('.al-group[data-group="ui-made"] tr[data-rule="ErrorLogs"]').getByRole('link', { name: 'Edit' }).click()
    await form.locator('textarea[name=query]').fill('logs | where')
    await form.getByRole('button', { name: 'Save' }).click()
    await expect.poll(() => form.locator('.error-box').textContent()).toMatch(/cannot/)
    expect((await stored()).rules[0].query).toBe('logs | where severity >= 17 | stats count() as errors by service.name')
    await page.getByRole('link', { name: 'Cancel' }).click()

    page.once('dialog', (d) => void d.accept())
    await page.locator('.al-group[data-group="ui-made"]').getByRole('button', { name: 'Delete group' }).click()
    await waitFor('the deleted group', async () => (await stored()) === undefined)
    await expect.poll(() => page.locator('.al-group[data-group="ui-made"]').count()).toBe(0)
    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([])
  })

  test('silences: made from the page, listed, expired', async () => {
    const { page, problems } = await open('/alerts?from=now-15m&to=now&theme=dark')
    const form = page.locator('form.al-silence-form')
    await form.waitFor()
    await form.locator('input[name=matchers]').fill('alertname="HighLatency", team=~".+"')
    await form.locator('select[name=hours]').selectOption('2')
    await form.locator('input[name=comment]').fill('deploying <i>now</i>')
    await form.getByRole('button', { name: 'Silence' }).click()
    const item = page.locator('.al-silences li')
    await item.first().waitFor()
    expect(await item.first().locator('.al-label').allTextContents()).toEqual(['alertname="HighLatency"', 'team=~".+"'])
    expect(await item.first().textContent()).toContain('deploying <i>now</i>')
    const { silences } = await getJson(http, '/api/v1/silences')
    expect(silences).toHaveLength(1)
    expect(silences[0].matchers).toEqual(['alertname="HighLatency"', 'team=~".+"'])
    const hours = (Date.parse(silences[0].endsAt) - Date.now()) / 3600e3
    expect(hours).toBeGreaterThan(1.9)
    expect(hours).toBeLessThanOrEqual(2)
    await screenshot(page, 'alerts-silence-dark')
    await item.first().getByRole('button', { name: 'Expire' }).click()
    await expect.poll(() => item.count()).toBe(0)
    await waitFor('the expired silence', async () => (await getJson(http, '/api/v1/silences')).silences.every((s: any) => Date.parse(s.endsAt) <= Date.now()))
    expect(problems).toEqual([])
  })
})
