/**
 * The dashboards and alert rules provisioned with the examples (examples/shop/ and
 * examples/host-metrics/) run against real data: the real server process with the host-metrics
 * collector inside it, and the shop sending to it over OTLP. Every variable, panel and rule
 * query must answer without error and with rows; the numbers the shop makes on purpose (40
 * orders, every seventh payment failing, every tenth cart slow) come back exactly, and the rules
 * that should fire on them do.
 *
 * The dashboard and rule files load with the server's own loaders; the server provisions the
 * dashboards, which draw every panel in a real browser, and evaluates the rules: the alerts the
 * shop should raise are pending or firing, the others not. Screenshots:
 * test/.artifacts/examples-*-dashboard.png.
 */

import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { loadRuleFiles } from '../alerts/index.ts'
import { loadProvisionedDashboards } from '../dashboards/index.ts'
import { placeOrders, startShop } from '../examples/shop/shop.ts'
import { CHROMIUM, launchBrowser, screenshot } from './support/browser.ts'
import { waitFor } from './support/wait-for.ts'
import { startServerProcess, type ServerProcess } from './support/server-process.ts'

// A page waits on real queries on a machine that may be busy: poll for up to 20 s, not 1 s.
vi.setConfig({ expect: { poll: { timeout: 20_000, interval: 50 } } })

const ROOT = resolve(import.meta.dirname, '..')

interface Dashboard {
  id: string
  title: string
  variables: { name: string; query: string }[]
  panels: { id: string; type: string; query: string; grid: { x: number; y: number; w: number; h: number } }[]
}
interface Rule {
  alert: string
  query: string
  condition: string
  window: string
}
interface Result {
  columns: { name: string }[]
  rows: unknown[][]
}

const readDashboard = (path: string): Dashboard => JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as Dashboard
const readRules = (path: string): Rule[] => (parseYaml(readFileSync(join(ROOT, path), 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules)

const NS: Record<string, number> = { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }
/** A number, or a duration like 250ms or 5m in nanoseconds (the rule files' forms used here). */
function numberOf(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text)
  if (m === null) throw new Error(`cannot read ${JSON.stringify(text)} as a number or a duration`)
  return Number(m[1]) * (m[2] === undefined ? 1 : NS[m[2]])
}

/** The rows of a rule's result that meet its `<column> <op> <value>` condition. */
function firing(rule: Rule, result: Result): Record<string, unknown>[] {
  const m = /^([\w.]+) (>|>=|<|<=) (\S+)$/.exec(rule.condition)
  if (m === null) throw new Error(`cannot read the condition of ${rule.alert}: ${rule.condition}`)
  const [, column, op, text] = m
  const at = result.columns.findIndex((c) => c.name === column)
  expect(at, `${rule.alert}: column ${column} in ${result.columns.map((c) => c.name).join(', ')}`).toBeGreaterThanOrEqual(0)
  const limit = numberOf(text)
  const holds = (v: number): boolean => (op === '>' ? v > limit : op === '>=' ? v >= limit : op === '<' ? v < limit : v <= limit)
  return result.rows
    .filter((row) => typeof row[at] === 'number' && holds(row[at] as number))
    .map((row) => Object.fromEntries(result.columns.map((c, i) => [c.name, row[i]])))
}

describe('provisioned dashboards and alert rules of the examples', () => {
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-provisioning-'))
  let server: ServerProcess
  let start: string

  const query = async (text: string, from = start): Promise<Result> => {
    const res = await fetch(`http://${server.http}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: text, start: from, end: new Date(Date.now() + 60_000).toISOString() }),
    })
    const body = (await res.json()) as Result
    expect(res.status, `${text}\n${JSON.stringify(body)}`).toBe(200)
    return body
  }

  /** Runs every variable and panel query, as the UI would with the first value of each variable. */
  const panels = async (dashboard: Dashboard): Promise<Map<string, Result>> => {
    const values: Record<string, string> = {}
    for (const v of dashboard.variables) {
      const { rows } = await query(v.query)
      expect(rows.length, `variable ${v.name}`).toBeGreaterThan(0)
      values[v.name] = String(rows[0][0])
    }
    const out = new Map<string, Result>()
    for (const p of dashboard.panels) {
      const text = p.query.replace(/\$(\w+)/g, (_, name: string) => JSON.stringify(values[name]))
      const result = await query(text)
      expect(result.rows.length, `panel ${p.id}: ${text}`).toBeGreaterThan(0)
      out.set(p.id, result)
    }
    return out
  }

  beforeAll(async () => {
    start = new Date(Date.now() - 5 * 60_000).toISOString()
    // The host-metrics collector inside the server, every second instead of every 15.
    const ruleFiles = [join(ROOT, 'examples/shop/alert-rules.yaml'), join(ROOT, 'examples/host-metrics/alert-rules.yaml')]
    // Both dashboards provisioned from one directory, as npm run demo does.
    mkdirSync(join(dir, 'dashboards'))
    copyFileSync(join(ROOT, 'examples/shop/dashboard.json'), join(dir, 'dashboards/shop.json'))
    copyFileSync(join(ROOT, 'examples/host-metrics/dashboard.json'), join(dir, 'dashboards/host-metrics.json'))
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ collectors: { host: { interval: '1s' } }, alerts: { ruleFiles }, dashboardsDir: join(dir, 'dashboards') }))
    server = await startServerProcess(join(dir, 'data'), {}, ['--config', join(dir, 'config.json')])
    const shop = await startShop(server.otlpGrpc, server.otlpHttp)
    try {
      expect(await placeOrders(shop.frontend, 0, 40)).toEqual({ placed: 34, failed: 6 })
    } finally {
      await shop.stop() // every service exports what it buffered before it exits
    }
    // Rates need two points of a series: wait for three reports of the collector.
    await waitFor('three host-metrics reports', async () => ((await query('metrics | where metric.name = "system.uptime" | stats count()')).rows[0][0] as number) >= 3 || undefined, 60_000, 200)
  }, 180_000)

  afterAll(async () => {
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('each dashboard file loads with the server\'s provisioning, alone in its directory', () => {
    expect(loadProvisionedDashboards(join(ROOT, 'examples/shop')).map((d) => [d.id, d.panels.length])).toEqual([['shop', 9]])
    expect(loadProvisionedDashboards(join(ROOT, 'examples/host-metrics')).map((d) => [d.id, d.panels.length])).toEqual([['host-metrics', 8]])
  })

  it.skipIf(CHROMIUM === undefined)('the provisioned dashboards draw every panel in the browser, without an error', async () => {
    const browser = await launchBrowser()
    try {
      for (const [id, panelCount] of [['shop', 9], ['host-metrics', 8]] as const) {
        const { page, problems } = await browser.newPage(`http://${server.http}`)
        await page.goto(`http://${server.http}/dashboards/${id}?from=now-15m&to=now`)
        await expect.poll(() => page.locator('.panel').count()).toBe(panelCount)
        await expect.poll(() => page.locator('.panel.loading').count()).toBe(0)
        expect(await page.locator('.panel-error').allTextContents(), id).toEqual([])
        if (id === 'shop') {
          expect(await page.locator('[data-panel="requests"] .stat').textContent()).toBe('120')
          expect(await page.locator('[data-panel="slowest"] .trace-row').count()).toBe(20)
          expect(await page.locator('[data-panel="error-logs"] .log-row').count()).toBe(16)
        }
        await screenshot(page, `examples-${id}-dashboard`)
        expect(problems, id).toEqual([])
        await page.close()
      }
    } finally {
      await browser.close()
    }
  }, 120_000)

  it('every query of the shop dashboard answers, with the orders the shop placed', async () => {
    const results = await panels(readDashboard('examples/shop/dashboard.json'))
    const sumBy = (r: Result, key: string, value: string): Record<string, number> => {
      const k = r.columns.findIndex((c) => c.name === key)
      const v = r.columns.findIndex((c) => c.name === value)
      const out: Record<string, number> = {}
      for (const row of r.rows) out[String(row[k])] = (out[String(row[k])] ?? 0) + ((row[v] as number | null) ?? 0)
      return out
    }
    expect(sumBy(results.get('orders')!, 'attr.outcome', 'orders')).toEqual({ placed: 34, failed: 6 })
    expect(results.get('checkout-errors')!.rows).toEqual([[15]]) // 6 of 40
    expect(results.get('requests')!.rows).toEqual([[120]]) // frontend, cart and payment serve each order
    // The histogram's p99 per service: 4 carts of 40 take 300 ms, in the (0.25 s, 0.5 s] bucket.
    const p99 = Object.fromEntries(results.get('http-p99')!.rows as [string, number][])
    expect(p99.cart).toBeGreaterThan(0.25)
    expect(p99.cart).toBeLessThanOrEqual(0.5)
    expect(p99.payment).toBeLessThan(0.25)
    expect(sumBy(results.get('errors-by-service')!, 'resource.service.name', 'errors')).toEqual({ frontend: 12, payment: 6 })
    expect(results.get('error-logs')!.rows).toHaveLength(16) // 12 ERROR (payment, frontend) and 4 WARN (slow carts)
    const traceIds = results.get('error-logs')!.rows.map((row) => row[5])
    expect(traceIds.every((id) => typeof id === 'string' && /^[0-9a-f]{32}$/.test(id))).toBe(true)
    expect(results.get('slowest')!.rows).toHaveLength(20)
    // A slow cart (a 300 ms timer, which may fire a millisecond early against the span clock) makes the slowest checkout.
    expect(results.get('slowest')!.rows[0][4]).toBeGreaterThanOrEqual(295_000_000)
  })

  it('every query of the host-metrics dashboard answers with this machine\'s metrics', async () => {
    const results = await panels(readDashboard('examples/host-metrics/dashboard.json'))
    const memory = results.get('memory')!.rows[0][0] as number
    expect(memory).toBeGreaterThan(0)
    expect(memory).toBeLessThan(1)
    expect(results.get('filesystems')!.columns.map((c) => c.name)).toEqual(['attr.mountpoint', 'attr.device', 'attr.type', 'used'])
  })

  it('the shop\'s alert rules fire on the failures and slow carts the shop makes, and only there', async () => {
    const rules = readRules('examples/shop/alert-rules.yaml')
    const fired: Record<string, Record<string, unknown>[]> = {}
    for (const rule of rules) {
      const from = new Date(Date.now() - numberOf(rule.window) / 1e6).toISOString()
      fired[rule.alert] = firing(rule, await query(rule.query, from))
    }
    expect(Object.keys(fired)).toEqual(['ServerErrors', 'SlowCart', 'ErrorLogs'])
    const byService = (a: Record<string, unknown>, b: Record<string, unknown>): number => String(a['service.name']).localeCompare(String(b['service.name']))
    // 6 of 40 payments fail, and so do the 6 checkouts that called them; no cart fails.
    expect(fired.ServerErrors.sort(byService)).toEqual([
      { 'service.name': 'frontend', error_pct: 15 },
      { 'service.name': 'payment', error_pct: 15 },
    ])
    expect(fired.SlowCart).toHaveLength(1) // 4 of 40 carts take 300 ms: the p95 is one of them
    expect(fired.ErrorLogs).toEqual([]) // 6 error logs each for frontend and payment, 10 allowed
  })

  it('the host alert rules read the collector\'s metrics and stay quiet on a machine that reports', async () => {
    const rules = readRules('examples/host-metrics/alert-rules.yaml')
    expect(rules.map((r) => r.alert)).toEqual(['HostMemoryHigh', 'FilesystemAlmostFull', 'HostIoWait', 'HostSilent'])
    for (const rule of rules) {
      const from = new Date(Date.now() - numberOf(rule.window) / 1e6).toISOString()
      const result = await query(rule.query, from)
      expect(result.rows.length, rule.alert).toBeGreaterThan(0)
      if (rule.alert === 'HostSilent') expect(firing(rule, result)).toEqual([])
      else firing(rule, result) // the condition's column is in the result; whether it holds depends on this machine
    }
  })

  it('the rule files load with the server\'s rule loader', async () => {
    const groups = await loadRuleFiles([join(ROOT, 'examples/shop/alert-rules.yaml'), join(ROOT, 'examples/host-metrics/alert-rules.yaml')])
    expect(groups.map((g) => [g.name, g.rules.map((r) => r.alert)])).toEqual([
      ['shop', ['ServerErrors', 'SlowCart', 'ErrorLogs']],
      ['host', ['HostMemoryHigh', 'FilesystemAlmostFull', 'HostIoWait', 'HostSilent']],
    ])
  })

  it('the server evaluates the shop\'s rules: ServerErrors for frontend and payment and SlowCart are raised, ErrorLogs not', async () => {
    interface RuleStatus { alert: string; health: string; lastEvaluation: string | null }
    const get = async (path: string): Promise<unknown> => (await fetch(`http://${server.http}${path}`)).json()
    // Each rule first runs at an offset within its group's 30 s interval.
    const shop = await waitFor('a first evaluation of every shop rule', async () => {
      const { groups } = (await get('/api/v1/rules')) as { groups: { name: string; rules: RuleStatus[] }[] }
      const rules = groups.find((g) => g.name === 'shop')!.rules
      return rules.every((r) => r.lastEvaluation !== null) ? rules : undefined
    }, 90_000, 200)
    expect(shop.map((r) => [r.alert, r.health])).toEqual([['ServerErrors', 'ok'], ['SlowCart', 'ok'], ['ErrorLogs', 'ok']])
    const { alerts } = (await get('/api/v1/alerts')) as { alerts: { rule: string; state: string; labels: Record<string, string> }[] }
    const raised = alerts.filter((a) => shop.some((r) => r.alert === a.rule))
    expect(raised.map((a) => `${a.rule} ${a.labels.service_name ?? ''}`.trim()).sort()).toEqual(['ServerErrors frontend', 'ServerErrors payment', 'SlowCart'])
    for (const a of raised) expect(['pending', 'firing']).toContain(a.state) // for: 1m
  }, 120_000)
})
